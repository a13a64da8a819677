package spine

import (
	"fmt"

	"github.com/clearway/clearway/internal/clearway"
)

// KeyError says why a line has no business key.
type KeyError struct{ Msg string }

func (e *KeyError) Error() string { return e.Msg }

// LineKey is a line's business key, which makes a resent line update in
// place instead of doubling: a PO line by order and line number; an invoice
// line by invoice and line number under its supplier (invoice numbers are
// unique per supplier only); a packing line by its document, SKU and
// container; a status message by (list, code, time, entry or B/L), its
// idempotency key (DOMAIN.md §4.7); a milestone by event and time and a
// valuation once, within their shipment. get reads a field ("" when
// absent); supplier is the partner that sent the line.
func LineKey(kind clearway.Kind, get func(string) string, supplier string, shipment int64) (string, error) {
	switch kind {
	case clearway.KindPurchaseOrderLine:
		return need(kind, get, "po_number", "line_no")
	case clearway.KindInvoiceLine:
		k, err := need(kind, get, "invoice_number", "line_no")
		return supplier + "|" + k, err
	case clearway.KindPackingLine:
		doc, err := PackingDocument(get, supplier)
		return doc + "|" + get("sku") + "|" + get("container_number"), err
	case clearway.KindValuation:
		return fmt.Sprintf("S%d", shipment), nil
	case clearway.KindMilestone:
		k, err := need(kind, get, "event", "at")
		return fmt.Sprintf("S%d|%s", shipment, k), err
	case clearway.KindStatusEvent:
		ref := get("entry_number")
		if ref == "" {
			ref = get("bill_of_lading")
		}
		if ref == "" {
			ref = fmt.Sprintf("S%d", shipment)
		}
		k, err := need(kind, get, "code_list", "code")
		return k + "|" + get("at") + "|" + ref, err
	}
	return "", &KeyError{fmt.Sprintf("kind %s cannot be stored as a line", kind)}
}

// PackingDocument is the document a packing line belongs to: its invoice
// (under the supplier) or, without one, its purchase order.
func PackingDocument(get func(string) string, supplier string) (string, error) {
	if inv := get("invoice_number"); inv != "" {
		return supplier + "|" + inv, nil
	}
	if po := get("po_number"); po != "" {
		return po, nil
	}
	return "", &KeyError{"packing_line needs invoice_number or po_number"}
}

// need joins the two fields of a key, which must both be present.
func need(kind clearway.Kind, get func(string) string, a, b string) (string, error) {
	va, vb := get(a), get(b)
	if va == "" || vb == "" {
		missing := a
		if va != "" {
			missing = b
		}
		return "", &KeyError{fmt.Sprintf("%s needs %s to be stored (its key: %s + %s)", kind, missing, a, b)}
	}
	return va + "|" + vb, nil
}
