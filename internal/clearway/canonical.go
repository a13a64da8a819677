package clearway

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Kind is a canonical record kind that mappings emit (PRODUCT.md §6).
type Kind string

// The canonical kinds.
const (
	KindPurchaseOrderLine Kind = "purchase_order_line"
	KindShipment          Kind = "shipment"
	KindInvoiceLine       Kind = "invoice_line"
	KindPackingLine       Kind = "packing_line"
	KindValuation         Kind = "valuation"
	KindMilestone         Kind = "milestone"
	KindStatusEvent       Kind = "status_event"
	KindDocument          Kind = "document"
)

// IdentifierFields are the shipment spine: any record may carry them, and
// they attach it to its shipment.
var IdentifierFields = []string{
	"shipment_ref", "po_number", "booking_number", "bill_of_lading", "house_bill",
	"air_waybill", "container_number", "entry_number", "invoice_number",
}

// kindFields lists each kind's own fields; identifiers are allowed on every kind.
// Adding a field is safe (the store records a new field layout and old rows
// keep theirs); renaming or removing one is not: stored rows and mappings
// name it.
//
// hs_code_as_sent is the HS code as the partner sent it, set by the mapping
// engine only when it repaired a lost leading zero (HS_LEADING_ZERO_REPAIRED).
// On purchase_order_line, assists, packing, commissions and royalties flag
// that the PO or agreement involves that valuation addition ("yes", or an
// amount). On valuation, a deduction field may hold "not_applicable" with
// the reason in <field>_reason (DOMAIN.md §2.2, §2.4).
var kindFields = map[Kind][]string{
	KindPurchaseOrderLine: {"po_number", "line_no", "vendor_id", "sku", "description", "hs_code", "origin_country",
		"quantity", "uom", "unit_price", "currency", "incoterm", "incoterm_place", "mode",
		"hs_code_as_sent", "assists", "packing", "commissions", "royalties"},
	KindShipment: {"mode", "carrier_scac", "vessel", "voyage", "port_of_lading", "port_of_entry", "etd", "eta",
		"incoterm", "incoterm_place", "destination_country", "broker"},
	KindInvoiceLine: {"invoice_number", "line_no", "invoice_date", "po_number", "po_line", "sku", "description",
		"hs_code", "origin_country", "quantity", "uom", "unit_price", "line_value", "currency", "preference_program",
		"hs_code_as_sent"},
	KindPackingLine: {"invoice_number", "po_number", "sku", "cartons", "quantity", "uom", "net_weight_kg",
		"gross_weight_kg", "container_number"},
	KindValuation: {"freight", "insurance", "assists", "other_additions", "deductions", "currency",
		"us_inland_freight", "duties_included", "freight_reason", "insurance_reason", "us_inland_freight_reason",
		"duties_included_reason", "packing", "commissions", "royalties"},
	KindMilestone:   {"event", "at", "location"},
	KindStatusEvent: {"code", "code_list", "at", "message", "entry_number", "agency", "released_quantity", "quantity"},
	KindDocument:    {"doc_type", "version", "sha256", "original_name"},
}

// Kinds returns the canonical kinds, sorted.
func Kinds() []Kind {
	kinds := make([]Kind, 0, len(kindFields))
	for k := range kindFields {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	return kinds
}

// ValidKind reports whether k is a canonical kind.
func ValidKind(k Kind) bool {
	_, ok := kindFields[k]
	return ok
}

// Fields returns every field a record of kind k may carry: its own fields,
// then the identifiers it does not already have.
func Fields(k Kind) []string {
	own := kindFields[k]
	fields := append([]string(nil), own...)
	for _, id := range IdentifierFields {
		if !slices.Contains(own, id) {
			fields = append(fields, id)
		}
	}
	return fields
}

// ValidField reports whether a record of kind k may carry field.
func ValidField(k Kind, field string) bool {
	return slices.Contains(kindFields[k], field) || slices.Contains(IdentifierFields, field)
}

// IsIdentifier reports whether field is a shipment identifier.
func IsIdentifier(field string) bool { return slices.Contains(IdentifierFields, field) }

// Record is one canonical record a mapping produced from a source file:
// field values are normalised strings (decimals in plain notation, dates
// YYYY-MM-DD, datetimes RFC 3339), and Source says where it came from.
type Record struct {
	Kind   Kind              `json:"kind"`
	Fields map[string]string `json:"fields"`
	Source Position          `json:"source"`
}

// Position locates a record or an error in its source file. Only the fields
// that apply to the format are set.
type Position struct {
	Row     int    `json:"row,omitempty"`     // csv/xlsx: 1-based row (xlsx: the sheet row number)
	Column  string `json:"column,omitempty"`  // csv/xlsx: header name or letter
	Line    int    `json:"line,omitempty"`    // fixed: 1-based line; x12/csv: physical line
	Segment int    `json:"segment,omitempty"` // x12: 1-based segment index in the file
	Loop    string `json:"loop,omitempty"`    // x12: loop path, e.g. "P4/X4"
	Element string `json:"element,omitempty"` // x12: e.g. "X4.07"
	Offset  int64  `json:"offset,omitempty"`  // x12: byte offset
}

// String renders a position for people: "row 4, column \"HTS\"",
// "segment 17 (line 18), X4.07", "line 3, columns 35-36".
func (p Position) String() string {
	var parts []string
	switch {
	case p.Segment > 0:
		s := fmt.Sprintf("segment %d", p.Segment)
		if p.Line > 0 {
			s += fmt.Sprintf(" (line %d)", p.Line)
		}
		parts = append(parts, s)
		if p.Loop != "" {
			parts = append(parts, "loop "+p.Loop)
		}
		if p.Element != "" {
			parts = append(parts, p.Element)
		}
	case p.Row > 0:
		parts = append(parts, fmt.Sprintf("row %d", p.Row))
		if p.Column != "" {
			parts = append(parts, fmt.Sprintf("column %q", p.Column))
		}
	case p.Line > 0:
		parts = append(parts, fmt.Sprintf("line %d", p.Line))
		if p.Column != "" {
			parts = append(parts, p.Column)
		}
	}
	return strings.Join(parts, ", ")
}
