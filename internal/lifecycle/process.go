package lifecycle

import (
	"fmt"
	"slices"
	"time"
)

// Message is one external status message about an entry.
type Message struct {
	Source   string    // who sent it: partner id, feed name
	CodeList string    // "cargowise", "cbp_disposition", "partner:<id>"
	Code     string    // the external status code
	At       time.Time // when the status was posted at the source
	Ref      string    // entry number or B/L
	Agency   string    // overrides the table's agency when set
}

// Key returns the idempotency key of m: (source, code, timestamp, ref).
func (m Message) Key() MessageKey {
	return MessageKey{Source: m.Source, Code: normCode(m.Code), At: m.At.UTC().Format(time.RFC3339Nano), Ref: m.Ref}
}

// Process applies msgs to e in order of At (they may arrive out of order;
// ties keep arrival order) and returns the final entry and one outcome per
// message, in the order applied (Outcome.Message says which). A message
// already seen (by Key, in e.Seen or earlier in msgs) has Duplicate set and
// changes nothing. An unknown code
// opens an unmapped_status review and leaves the state unchanged; so does a
// move the transition table does not allow, as backward_transition. Every
// non-duplicate message is recorded in Seen, reviewed or not.
func (t *Tables) Process(e Entry, msgs []Message) (Entry, []Outcome) {
	sorted := slices.Clone(msgs)
	slices.SortStableFunc(sorted, func(a, b Message) int { return a.At.Compare(b.At) })
	cur := e.clone()
	outs := make([]Outcome, 0, len(sorted))
	for _, m := range sorted {
		key := m.Key()
		if slices.Contains(cur.Seen, key) {
			outs = append(outs, Outcome{Entry: cur.clone(), Duplicate: true, Message: m,
				Reason: fmt.Sprintf("duplicate %s %s at %s", m.CodeList, m.Code, key.At)})
			continue
		}
		cur.Seen = append(cur.Seen, key)
		events, agency, ok := t.Events(m.CodeList, m.Code)
		if !ok {
			outs = append(outs, Outcome{Entry: cur.clone(), Review: ReviewUnmappedStatus, Message: m,
				Reason: fmt.Sprintf("no mapping for code %q in code list %q", m.Code, m.CodeList)})
			continue
		}
		if m.Agency != "" {
			agency = m.Agency
		}
		out := apply(cur, events, Hold{Agency: agency, Type: normCode(m.Code), Ref: m.Ref})
		if out.Reason != "" {
			out.Reason = fmt.Sprintf("%s %s: %s", m.CodeList, m.Code, out.Reason)
		}
		out.Message = m
		cur = out.Entry.clone()
		outs = append(outs, out)
	}
	return cur, outs
}
