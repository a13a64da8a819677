package spine

import (
	"errors"
	"testing"

	"github.com/clearway/clearway/internal/clearway"
)

func TestLineKey(t *testing.T) {
	fields := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		kind clearway.Kind
		get  func(string) string
		want string
	}{
		{clearway.KindPurchaseOrderLine, fields("po_number", "PO-1", "line_no", "10"), "PO-1|10"},
		{clearway.KindInvoiceLine, fields("invoice_number", "INV-001", "line_no", "1"), "acme|INV-001|1"},
		{clearway.KindPackingLine, fields("invoice_number", "INV-001", "sku", "A", "container_number", "MSKU7051237"), "acme|INV-001|A|MSKU7051237"},
		{clearway.KindPackingLine, fields("po_number", "PO-1", "sku", "A"), "PO-1|A|"},
		{clearway.KindValuation, fields(), "S7"},
		{clearway.KindMilestone, fields("event", "gate_in", "at", "2026-03-01T08:00:00Z"), "S7|gate_in|2026-03-01T08:00:00Z"},
		{clearway.KindStatusEvent, fields("code_list", "cbp_disposition", "code", "1H", "at", "2026-03-21T15:12:00Z", "bill_of_lading", "BL1"), "cbp_disposition|1H|2026-03-21T15:12:00Z|BL1"},
	}
	for _, tt := range tests {
		if got, err := LineKey(tt.kind, tt.get, "acme", 7); err != nil || got != tt.want {
			t.Errorf("%s: got %q %v, want %q", tt.kind, got, err, tt.want)
		}
	}
	var ke *KeyError
	if _, err := LineKey(clearway.KindInvoiceLine, fields("invoice_number", "INV-1"), "acme", 7); !errors.As(err, &ke) || ke.Msg != "invoice_line needs line_no to be stored (its key: invoice_number + line_no)" {
		t.Errorf("missing line_no: %v", err)
	}
	if _, err := LineKey(clearway.KindPackingLine, fields("sku", "A"), "acme", 7); !errors.As(err, &ke) {
		t.Errorf("packing line without a document: %v", err)
	}
}
