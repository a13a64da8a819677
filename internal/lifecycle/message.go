package lifecycle

import "time"

// Message is one external status message about an entry, or a manual event
// (CodeList CodeListManual) a compliance user posts with a target state.
type Message struct {
	Source   string    // who sent it: partner id, feed name
	CodeList string    // "cargowise", "cbp_disposition", "x12_350", "pga", "ace_summary", "manual", "partner:<id>"
	Code     string    // the external status code (for "manual": the target State)
	At       time.Time // when the status was posted at the source (event time)
	Ref      string    // entry number or B/L: part of the idempotency key
	Agency   string    // overrides the table's agency when set (the PGA, e.g. FDA)

	// EntryNumber is the entry number the message names, "" when none.
	EntryNumber string
	// BillOfLading is the B/L the message names, "" when none.
	BillOfLading string
	// Mode is the shipment mode: "ocean", "air", "truck", "rail" or "".
	// "air" selects the air (ABI WSD) meanings of CBP disposition codes.
	Mode string
	// Text is the message's own text or payload; CargoWise CES carries the
	// new declaration status in it.
	Text string
	// ReleasedQty is the quantity released (X12 350 X4-02) and Quantity the
	// B/L quantity, as decimal strings; "" when unknown.
	ReleasedQty, Quantity string
}

// Key returns the idempotency key of m: (source, code, timestamp, ref).
func (m Message) Key() MessageKey {
	return MessageKey{Source: m.Source, Code: normCode(m.Code), At: m.At.UTC().Format(time.RFC3339Nano), Ref: m.Ref}
}
