package lifecycle

import (
	"slices"
	"strings"
	"testing"
)

// TestLookup checks each layer of Lookup: partner override, air table, the
// list, the pga status fallback, manual targets and CES texts.
func TestLookup(t *testing.T) {
	tabs := MustTables(t, map[string]string{PartnerCodeList("acme"): `codes:
  - {code: HLD, events: [HOLD_ADDED], agency: CBP}
  - {list: cargowise, code: DCR, events: [INFO]}
  - {list: x12_350, code: 1J, events: [INFO]}
  - {list: pga, code: "02-27", events: [HOLD_ADDED]}
`})
	air := Message{Mode: "AIR"}
	tests := []struct {
		name   string
		m      Message
		events []Event
		agency string
		ok     bool
	}{
		{"x12_350 is cbp_disposition", Message{CodeList: CodeListX12350, Code: "1h"}, []Event{HoldAdded}, "CBP", true},
		{"ocean 1J", Message{CodeList: CodeListCBPDisposition, Code: "1J"}, []Event{InBond}, "CBP", true},
		{"air 1J", Message{CodeList: CodeListX12350, Code: "1J", Mode: air.Mode}, []Event{HoldAdded}, "CBP", true},
		{"air 1A keeps its ocean meaning", Message{CodeList: CodeListCBPDisposition, Code: "1A", Mode: "air"}, []Event{ExamOrdered}, "CBP", true},
		{"air 1M", Message{CodeList: CodeListCBPDisposition, Code: "1M", Mode: "air"}, []Event{HoldAdded}, "CBP", true},
		{"partner override beats air", Message{Source: "acme", CodeList: CodeListCBPDisposition, Code: "1J", Mode: "air"}, []Event{Info}, "", true},
		{"partner override of cargowise", Message{Source: "acme", CodeList: CodeListCargoWise, Code: "dcr"}, []Event{Info}, "", true},
		{"override is the partner's only", Message{Source: "other", CodeList: CodeListCargoWise, Code: "DCR"}, []Event{EventRejected}, "", true},
		{"partner own code", Message{Source: "acme", CodeList: PartnerCodeList("acme"), Code: "HLD"}, []Event{HoldAdded}, "CBP", true},
		{"override stays in its list", Message{Source: "acme", CodeList: PartnerCodeList("acme"), Code: "DCR"}, nil, "", false},
		{"pga agency from the message", Message{CodeList: CodeListPGA, Code: "02-27", Agency: "FDA"}, []Event{RedeliveryDemand}, "FDA", true},
		{"pga override", Message{Source: "acme", CodeList: CodeListPGA, Code: "02-27"}, []Event{HoldAdded}, "", true},
		{"pga reason falls back to status", Message{CodeList: CodeListPGA, Code: "07-23", Agency: "FDA"}, []Event{HoldRemoved, ExamDone, ReleaseAuth}, "FDA", true},
		{"pga 04-14", Message{CodeList: CodeListPGA, Code: "04-14"}, []Event{PGARejected}, "PGA", true},
		{"pga 11-37", Message{CodeList: CodeListPGA, Code: "11-37"}, []Event{EventSeized}, "PGA", true},
		{"pga unknown status", Message{CodeList: CodeListPGA, Code: "99-01"}, nil, "", false},
		{"no fallback outside pga", Message{CodeList: CodeListCBPDisposition, Code: "1H-01"}, nil, "", false},
		{"summary accepted", Message{CodeList: CodeListACESummary, Code: "a"}, []Event{SummaryAccepted}, "CBP", true},
		{"summary rejected", Message{CodeList: CodeListACESummary, Code: "R"}, []Event{SummaryRejected}, "CBP", true},
		{"liquidated", Message{CodeList: CodeListACESummary, Code: "LIQ"}, []Event{EventFinalized}, "CBP", true},
		{"manual target", Message{CodeList: CodeListManual, Code: "released"}, []Event{ReleaseAuth}, AgencyManual, true},
		{"manual hold of an agency", Message{CodeList: CodeListManual, Code: "ON_HOLD", Agency: "FDA"}, []Event{HoldAdded}, "FDA", true},
		{"manual release stays the customs one", Message{CodeList: CodeListManual, Code: "RELEASED", Agency: "FDA"}, []Event{ReleaseAuth}, AgencyManual, true},
		{"manual readiness is not a target", Message{CodeList: CodeListManual, Code: "FILE_READY"}, nil, "", false},
		{"manual unknown", Message{CodeList: CodeListManual, Code: "DONE"}, nil, "", false},
		{"CES code", Message{CodeList: CodeListCargoWise, Code: "CES", Text: "status: CLR"}, []Event{ReleaseAuth}, "", true},
		{"CES code overridden", Message{Source: "acme", CodeList: CodeListCargoWise, Code: "CES", Text: "DCR"}, []Event{Info}, "", true},
		{"CES word", Message{CodeList: CodeListCargoWise, Code: "CES", Text: "Entry HELD by CBP"}, []Event{HoldAdded}, "", true},
		{"CES nothing", Message{CodeList: CodeListCargoWise, Code: "CES", Text: "invoice received"}, []Event{Info}, "", true},
		{"unknown list", Message{CodeList: "nope", Code: "1H"}, nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, agency, ok := tabs.Lookup(tt.m)
			if ok != tt.ok || !slices.Equal(evs, tt.events) || agency != tt.agency {
				t.Errorf("got %v %q %v, want %v %q %v", evs, agency, ok, tt.events, tt.agency, tt.ok)
			}
		})
	}
}

// TestParseCES checks what the CES parser reads from texts.
func TestParseCES(t *testing.T) {
	tests := []struct {
		text string
		want cesStatus
	}{
		{"CLR", cesStatus{code: "CLR"}},
		{"Customs entry status: dcr (declaration rejected)", cesStatus{code: "DCR"}},
		{"status changed from CCC to CLR", cesStatus{code: "CLR"}},
		{"changed from ACCEPTED to RELEASED", cesStatus{event: ReleaseAuth, word: "released"}},
		{"Cleared", cesStatus{event: ReleaseAuth, word: "cleared"}},
		{"declaration accepted", cesStatus{event: EventAccepted, word: "accepted"}},
		{"cargo on hold", cesStatus{event: HoldAdded, word: "hold"}},
		{"rejected, then accepted", cesStatus{ambiguous: true}},
		{"CCC and CEN", cesStatus{ambiguous: true}},
		{"released and cleared", cesStatus{event: ReleaseAuth, word: "released"}},
		{"sent to broker", cesStatus{}},
		{"", cesStatus{}},
		{"CLRX holding", cesStatus{}},
	}
	for _, tt := range tests {
		if got := parseCES(tt.text); got != tt.want {
			t.Errorf("parseCES(%q) = %+v, want %+v", tt.text, got, tt.want)
		}
	}
}

// TestLoadOverridesAndLifts checks the new table keys load and are checked.
func TestLoadOverridesAndLifts(t *testing.T) {
	var tabs Tables
	bad := map[string][2]string{
		"list outside a partner table": {"cargowise_extra", "codes:\n  - {list: cargowise, code: X, events: [INFO]}\n"},
		"lifts without HOLD_REMOVED":   {"partner:a", "codes:\n  - {code: X, events: [INFO], lifts: [1H]}\n"},
		"duplicate override":           {"partner:a", "codes:\n  - {list: pga, code: '02', events: [INFO]}\n  - {list: pga, code: '02 ', events: [INFO]}\n"},
	}
	for name, c := range bad {
		if err := tabs.Load(c[0], []byte(c[1])); err == nil || !strings.Contains(err.Error(), c[0]) {
			t.Errorf("%s: err %v, want an error naming %q", name, err, c[0])
		}
	}
	ok := "codes:\n  - {code: X, events: [INFO]}\n  - {list: pga, code: X, events: [INFO]}\n  - {list: partner:a, code: Y, events: [HOLD_REMOVED], lifts: [x]}\n"
	if err := tabs.Load("partner:a", []byte(ok)); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if _, _, found := tabs.Lookup(Message{CodeList: "partner:a", Code: "Y"}); !found {
		t.Errorf("a row naming its own list is an ordinary row")
	}
	if _, _, found := tabs.Lookup(Message{CodeList: CodeListPGA, Code: "X"}); found {
		t.Errorf("an override leaked into the pga list itself")
	}
}

// TestDigestOverrides checks the digest covers overrides and lifts and does
// not depend on load order.
func TestDigestOverrides(t *testing.T) {
	a, b := MustDefaultTables(t), MustDefaultTables(t)
	if a.Digest() != b.Digest() {
		t.Fatalf("same tables, different digests")
	}
	base := a.Digest()
	over := "codes:\n  - {list: cargowise, code: DCR, events: [INFO]}\n"
	if err := a.Load("partner:acme", []byte(over)); err != nil {
		t.Fatal(err)
	}
	if err := b.Load("partner:acme", []byte("codes: []\n")); err != nil {
		t.Fatal(err)
	}
	if a.Digest() == base || a.Digest() == b.Digest() {
		t.Errorf("an override does not change the digest")
	}
	lifts := "codes:\n  - {code: Y, events: [HOLD_REMOVED], lifts: [1H]}\n"
	noLifts := "codes:\n  - {code: Y, events: [HOLD_REMOVED]}\n"
	if err := a.Load("partner:z", []byte(lifts)); err != nil {
		t.Fatal(err)
	}
	d := a.Digest()
	if err := a.Load("partner:z", []byte(noLifts)); err != nil {
		t.Fatal(err)
	}
	if a.Digest() == d {
		t.Errorf("lifts do not change the digest")
	}
}
