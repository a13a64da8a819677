// Package spine decides which shipment a record belongs to (DOMAIN.md §4.8,
// identifier spine v2). Strong identifiers name exactly one shipment; weak
// ones (containers, purchase orders, invoice numbers) only link, because a
// box is reused voyage after voyage, a PO ships in several shipments and two
// suppliers both send "INV-001". It is pure: the store looks identifiers up
// and hands the candidates here.
package spine

import (
	"slices"
	"time"
)

// The identifier kinds, as canonical field names (PRODUCT.md §6).
const (
	ShipmentRef     = "shipment_ref"
	BillOfLading    = "bill_of_lading"
	HouseBill       = "house_bill"
	AirWaybill      = "air_waybill"
	EntryNumber     = "entry_number"
	BookingNumber   = "booking_number"
	ContainerNumber = "container_number"
	PONumber        = "po_number"
	InvoiceNumber   = "invoice_number"
)

// Strong reports whether an identifier kind names exactly one shipment for
// ever: a record carrying it attaches to that shipment, creating it when
// unknown.
func Strong(kind string) bool {
	switch kind {
	case ShipmentRef, BillOfLading, HouseBill, AirWaybill, EntryNumber, BookingNumber:
		return true
	}
	return false
}

// Weak reports whether an identifier kind only links a record to shipments.
func Weak(kind string) bool {
	return kind == ContainerNumber || kind == PONumber || kind == InvoiceNumber
}

// Transport reports whether a strong kind names the goods' carriage (a
// bill, waybill or booking): a new one is a new shipment even when a
// purchase order it carries is already moving in another.
func Transport(kind string) bool {
	switch kind {
	case ShipmentRef, BillOfLading, HouseBill, AirWaybill, BookingNumber:
		return true
	}
	return false
}

// InvoiceScope is the key an invoice number is unique under: the supplier
// (partner) that issued it.
func InvoiceScope(partner string) string { return partner }

// DefaultContainerWindow is how recent a shipment's last activity must be
// for a container (or PO) to link a record to it.
const DefaultContainerWindow = 60 * 24 * time.Hour

// Candidate is a shipment a weak identifier links to.
type Candidate struct {
	Shipment     int64
	State        string
	LastActivity time.Time
}

// closedStates are the states after which a shipment takes no record by a
// weak link: the goods are released or the entry is over.
var closedStates = []string{"RELEASED", "SUMMARY_FILED", "FINALIZED", "CLOSED", "REFUSED", "SEIZED", "GENERAL_ORDER", "CANCELLED"}

// Open reports whether a shipment in state may still take records by a
// weak link.
func Open(state string) bool { return !slices.Contains(closedStates, state) }

// Policy holds the spine's configuration.
type Policy struct {
	// ContainerWindow bounds the age of a shipment's last activity for a
	// weak link (spine.container_window, default 60 days).
	ContainerWindow time.Duration
}

// Eligible returns the candidates a weak identifier may attach a record to
// at now: open, and active within the window; each shipment once.
func (p Policy) Eligible(cands []Candidate, now time.Time) []int64 {
	window := p.ContainerWindow
	if window <= 0 {
		window = DefaultContainerWindow
	}
	var out []int64
	for _, c := range cands {
		if !Open(c.State) || now.Sub(c.LastActivity) > window || slices.Contains(out, c.Shipment) {
			continue
		}
		out = append(out, c.Shipment)
	}
	slices.Sort(out)
	return out
}

// Decision is what becomes of a record.
type Decision int

// The decisions Resolve takes.
const (
	// Attach: the record belongs to Resolution.Shipment.
	Attach Decision = iota
	// Create: no shipment is named; a new one is made.
	Create
	// Conflict: strong identifiers name two shipments; a person decides
	// (identifier_conflict review), the record waits.
	Conflict
	// Ambiguous: weak identifiers link several open shipments; a person
	// decides (identifier_ambiguous review), nothing merges.
	Ambiguous
)

// Lookup is what the store found for one record's identifiers.
type Lookup struct {
	// Named are the shipments its strong identifiers (and its invoice
	// number, under the supplier's scope) name, in the record's order.
	Named []int64
	// UnknownStrong are the kinds of its strong identifiers no shipment
	// has yet.
	UnknownStrong []string
	// HasStrong, HasInvoice: the record carries such identifiers at all.
	HasStrong, HasInvoice bool
	// ByPO and ByContainer are the eligible shipments its purchase
	// orders and containers link to.
	ByPO, ByContainer []int64
	// Separated reports whether two shipments were decided apart.
	Separated func(a, b int64) bool
}

// Resolution is Resolve's answer.
type Resolution struct {
	Decision Decision
	Shipment int64   // Attach
	Among    []int64 // Conflict, Ambiguous: the shipments in question
	Via      string  // Ambiguous: the weak kind that linked them
}

// Resolve applies the rules of DOMAIN.md §4.8:
//  1. the shipments the record's strong identifiers (and scoped invoice
//     number) name: one attaches; two conflict, unless decided apart, when
//     the record stays with the oldest (the review's own shipment);
//  2. none named: a purchase order links the record to its one open
//     shipment, unless the record brings a new transport identifier (a new
//     B/L is new goods);
//  3. no strong identifier and no invoice number: a container links the
//     record to its one open, recent shipment;
//  4. otherwise a new shipment. Several candidates at 2 or 3 are ambiguous.
func Resolve(l Lookup) Resolution {
	named := distinct(l.Named)
	if len(named) > 1 {
		if l.Separated != nil && allSeparated(named, l.Separated) {
			return Resolution{Decision: Attach, Shipment: named[0]}
		}
		return Resolution{Decision: Conflict, Among: named}
	}
	if len(named) == 1 {
		return Resolution{Decision: Attach, Shipment: named[0]}
	}
	if !slices.ContainsFunc(l.UnknownStrong, Transport) {
		if r, ok := byWeak(l.ByPO, PONumber); ok {
			return r
		}
	}
	if !l.HasStrong && !l.HasInvoice {
		if r, ok := byWeak(l.ByContainer, ContainerNumber); ok {
			return r
		}
	}
	return Resolution{Decision: Create}
}

func byWeak(cands []int64, via string) (Resolution, bool) {
	cands = distinct(cands)
	switch len(cands) {
	case 0:
		return Resolution{}, false
	case 1:
		return Resolution{Decision: Attach, Shipment: cands[0]}, true
	}
	return Resolution{Decision: Ambiguous, Among: cands, Via: via}, true
}

// allSeparated reports whether every pair of shipments was decided apart.
func allSeparated(ids []int64, separated func(a, b int64) bool) bool {
	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			if !separated(ids[i], ids[j]) {
				return false
			}
		}
	}
	return true
}

// distinct returns ids without repeats and zeros, sorted.
func distinct(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id != 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
