package spine

import (
	"slices"
	"testing"
	"time"
)

func TestResolve(t *testing.T) {
	apart := func(a, b int64) bool { return a == 1 && b == 2 }
	tests := []struct {
		name string
		in   Lookup
		want Resolution
	}{
		{"one named", Lookup{Named: []int64{4, 4}, HasStrong: true}, Resolution{Decision: Attach, Shipment: 4}},
		{"two named conflict", Lookup{Named: []int64{2, 1}, HasStrong: true}, Resolution{Decision: Conflict, Among: []int64{1, 2}}},
		{"two named decided apart stays with the oldest", Lookup{Named: []int64{2, 1}, HasStrong: true, Separated: apart}, Resolution{Decision: Attach, Shipment: 1}},
		{"new B/L with a moving PO is new goods", Lookup{UnknownStrong: []string{BillOfLading}, HasStrong: true, ByPO: []int64{7}}, Resolution{Decision: Create}},
		{"new entry number joins the PO's shipment", Lookup{UnknownStrong: []string{EntryNumber}, HasStrong: true, ByPO: []int64{7}}, Resolution{Decision: Attach, Shipment: 7}},
		{"PO in two open shipments is ambiguous", Lookup{ByPO: []int64{7, 8}}, Resolution{Decision: Ambiguous, Among: []int64{7, 8}, Via: PONumber}},
		{"container only, one candidate", Lookup{ByContainer: []int64{3}}, Resolution{Decision: Attach, Shipment: 3}},
		{"container only, two candidates", Lookup{ByContainer: []int64{3, 5}}, Resolution{Decision: Ambiguous, Among: []int64{3, 5}, Via: ContainerNumber}},
		{"container never keys a record with a strong identifier", Lookup{UnknownStrong: []string{BillOfLading}, HasStrong: true, ByContainer: []int64{3}}, Resolution{Decision: Create}},
		{"container never keys a record with an invoice number", Lookup{HasInvoice: true, ByContainer: []int64{3}}, Resolution{Decision: Create}},
		{"nothing known", Lookup{HasStrong: true, UnknownStrong: []string{BillOfLading}}, Resolution{Decision: Create}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Resolve(tt.in)
			if got.Decision != tt.want.Decision || got.Shipment != tt.want.Shipment || !slices.Equal(got.Among, tt.want.Among) || got.Via != tt.want.Via {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestEligible(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	cands := []Candidate{
		{Shipment: 1, State: "ON_HOLD", LastActivity: now.AddDate(0, 0, -10)},
		{Shipment: 2, State: "RELEASED", LastActivity: now.AddDate(0, 0, -1)},
		{Shipment: 3, State: "FILE_READY", LastActivity: now.AddDate(0, 0, -90)},
		{Shipment: 1, State: "ON_HOLD", LastActivity: now.AddDate(0, 0, -10)},
	}
	if got := (Policy{}).Eligible(cands, now); !slices.Equal(got, []int64{1}) {
		t.Errorf("default window: got %v, want [1]", got)
	}
	if got := (Policy{ContainerWindow: 100 * 24 * time.Hour}).Eligible(cands, now); !slices.Equal(got, []int64{1, 3}) {
		t.Errorf("100-day window: got %v, want [1 3]", got)
	}
	for _, k := range []string{ContainerNumber, PONumber, InvoiceNumber} {
		if Strong(k) || !Weak(k) {
			t.Errorf("%s: want weak", k)
		}
	}
	for _, k := range []string{ShipmentRef, BillOfLading, HouseBill, AirWaybill, EntryNumber, BookingNumber} {
		if !Strong(k) || Weak(k) {
			t.Errorf("%s: want strong", k)
		}
	}
}
