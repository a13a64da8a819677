package lifecycle

import (
	"slices"
	"strings"
)

// resolved is what one message means once the tables have been consulted.
type resolved struct {
	mapping
	manual State  // the target state of a manual event, "" otherwise
	note   string // how the meaning was found, when worth saying (CES text)
}

// Lookup returns the canonical events message m stands for and the agency
// whose hold, exam or release they concern; ok is false when no table maps
// it. The first that knows the code wins:
//  1. the override in the table of the partner that sent m (Source), for
//     m's code list (rows with `list:` in "partner:<Source>");
//  2. for an air message (Mode "air") in cbp_disposition or x12_350, the air
//     table cbp_disposition_air;
//  3. m's code list itself (x12_350 is cbp_disposition).
//
// In the pga list a status-reason code "SS-RR" that no layer knows falls back
// to its status "SS" through the same layers. A CargoWise CES takes its
// status from m.Text (see parseCES) and is INFO when the text says nothing
// recognisable. A manual event (code list "manual") maps its target state
// to the event that reaches it, agency MANUAL. m.Agency, when set, replaces
// the agency of the table (for a manual event only on ON_HOLD and EXAM: a
// manual release is always the customs release).
func (t *Tables) Lookup(m Message) (events []Event, agency string, ok bool) {
	r, ok := t.resolve(m)
	if !ok {
		return nil, "", false
	}
	return slices.Clone(r.events), r.agency, true
}

// resolve is Lookup with everything Derive needs: lifts, manual target, note.
func (t *Tables) resolve(m Message) (resolved, bool) {
	list := canonicalList(m.CodeList)
	var r resolved
	ok := false
	switch {
	case list == CodeListManual:
		r, ok = manualMapping(m.Code)
	default:
		r.mapping, ok = t.find(m, list, normCode(m.Code))
		if !ok && list == CodeListCargoWise && normCode(m.Code) == cesCode {
			r, ok = t.ces(m), true
		}
	}
	if ok && m.Agency != "" && (r.manual == "" || r.manual == OnHold || r.manual == UnderExam) {
		r.agency = m.Agency
	}
	return r, ok
}

// find looks code up through the layers of Lookup, then, in the pga list,
// its bare status.
func (t *Tables) find(m Message, list, code string) (mapping, bool) {
	candidates := []string{code}
	if status, _, found := strings.Cut(code, "-"); found && list == CodeListPGA {
		candidates = append(candidates, status)
	}
	for _, c := range candidates {
		if m.Source != "" {
			if mp, ok := t.overrides[PartnerCodeList(m.Source)][list][c]; ok {
				return mp, true
			}
		}
		if list == CodeListCBPDisposition && strings.EqualFold(strings.TrimSpace(m.Mode), "air") {
			if mp, ok := t.lists[CodeListCBPDispositionAir][c]; ok {
				return mp, true
			}
		}
		if mp, ok := t.lists[list][c]; ok {
			return mp, true
		}
	}
	return mapping{}, false
}

// manualEvents is the event that reaches each state a manual event may set.
// Derive first clears the facts that would outrank the target (facts.force).
var manualEvents = map[State]Event{
	Submitted:    EventSubmitted,
	Accepted:     EventAccepted,
	Rejected:     EventRejected,
	OnHold:       HoldAdded,
	UnderExam:    ExamOrdered,
	Released:     ReleaseAuth,
	SummaryFiled: SummaryAccepted,
	Finalized:    EventFinalized,
	Closed:       EventClosed,
	Cancelled:    EventCancelled,
	Seized:       EventSeized,
	Refused:      EventRefused,
	GeneralOrder: EventGeneralOrder,
}

// manualMapping is the meaning of a manual event whose code is a target
// state. The readiness states are not targets: the pre-file checks own them.
func manualMapping(code string) (resolved, bool) {
	target := State(normCode(code))
	ev, ok := manualEvents[target]
	if !ok {
		return resolved{}, false
	}
	return resolved{mapping: mapping{events: []Event{ev}, agency: AgencyManual}, manual: target}, true
}
