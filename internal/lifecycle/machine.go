package lifecycle

import (
	"fmt"
	"strings"
)

// Outcome is the result of applying one message's events to an entry.
type Outcome struct {
	// Entry is the entry after the message; unchanged when a transition was refused.
	Entry Entry
	// Applied lists the events accepted, in order (no-ops and annotations included).
	Applied []Event
	// Review is "" or the kind of human review the message opens
	// (ReviewUnmappedStatus, ReviewBackwardTransition, ReviewGOWarning, …).
	Review string
	// Reason says why in words, for the review queue and the audit log.
	Reason string
	// Duplicate is true when the message had been processed before.
	Duplicate bool
	// Message is the message this outcome is for (zero from Apply).
	Message Message
}

// Apply applies one message's events to e, in order, carrying agency on
// HOLD_ADDED and HOLD_REMOVED. A message is all or nothing: if any event is a
// move the transition table does not allow, the outcome keeps e unchanged
// with Review ReviewBackwardTransition. Warning events (GO_WARNING,
// DISCREPANCY, RELEASE_REVOKED) apply and also set a review.
func Apply(e Entry, events []Event, agency string) Outcome {
	return apply(e, events, Hold{Agency: agency})
}

// apply is Apply with the full hold (agency, type, ref) a HOLD_ADDED places.
func apply(e Entry, events []Event, hold Hold) Outcome {
	next := e.clone()
	out := Outcome{}
	for _, ev := range events {
		kind, reason, ok := step(&next, ev, hold)
		if !ok {
			return Outcome{Entry: e, Review: kind, Reason: reason}
		}
		out.Applied = append(out.Applied, ev)
		if kind != "" && out.Review == "" {
			out.Review, out.Reason = kind, reason
		}
	}
	out.Entry = next
	return out
}

// refuse builds the result of an event the table does not allow in e's state.
func refuse(e *Entry, ev Event) (string, string, bool) {
	if e.State.Terminal() {
		return ReviewBackwardTransition, fmt.Sprintf("%s in terminal state %s: only annotations are accepted", ev, e.State), false
	}
	return ReviewBackwardTransition, fmt.Sprintf("%s is not a transition from %s", ev, e.State), false
}

// in reports whether s is one of states.
func in(s State, states ...State) bool {
	for _, v := range states {
		if s == v {
			return true
		}
	}
	return false
}

// step applies one event to e in place. It returns a review kind and reason
// (both empty when there is nothing to review) and ok=false when the table
// refuses the event, in which case the caller discards e.
func step(e *Entry, ev Event, hold Hold) (string, string, bool) {
	if ev.Annotation() {
		return "", "", true
	}
	if e.State.Terminal() && !(e.State == Cancelled && ev == CancelReversed) {
		return refuse(e, ev)
	}
	s := e.State
	switch ev {
	case PreAlert:
		switch {
		case s == Planned:
			e.State = PreAlerted
		case in(s, PreAlerted, DocsIncomplete, FileReady):
			// a repeated or updated pre-alert before submission: nothing to move
		default:
			return refuse(e, ev)
		}
	case ValidationFailed:
		if !in(s, PreAlerted, DocsIncomplete, FileReady) {
			return refuse(e, ev)
		}
		e.State = DocsIncomplete
	case ValidationPassed:
		switch {
		case in(s, PreAlerted, DocsIncomplete, FileReady):
			e.State = FileReady
		case s == Rejected:
			e.State = FileReady
			e.Resubmissions++
		default:
			return refuse(e, ev)
		}
	case EventSubmitted:
		switch s {
		case FileReady:
			e.State = Submitted
		case Rejected:
			// corrected packet re-sent straight away: FILE_READY → SUBMITTED
			e.State = Submitted
			e.Resubmissions++
		case Submitted:
		default:
			return refuse(e, ev)
		}
	case EntryNumberAssigned:
		switch {
		case s == Submitted:
			e.State = Accepted
		case in(s, Planned, PreAlerted, DocsIncomplete, FileReady, Rejected, Accepted, OnHold, Exam, Released, SummaryFiled, Finalized):
			// the number is often allocated before transmission (CargoWise
			// CEN before CCC) and repeated later: it is not a move
		default:
			return refuse(e, ev)
		}
	case EventAccepted, UnderReview:
		switch {
		case s == Submitted:
			e.State = Accepted
		case in(s, Accepted, OnHold, Exam, Released, SummaryFiled, Finalized):
		default:
			return refuse(e, ev)
		}
	case EventRejected, PGARejected:
		switch s {
		case Submitted:
			e.State = Rejected
		case Rejected:
		default:
			return refuse(e, ev)
		}
	case ReleaseAuth:
		switch {
		case in(s, Submitted, Accepted):
			e.ReleaseAuthorized = true
			if len(e.Holds) == 0 {
				e.State = Released
			} else {
				e.State = OnHold
			}
		case in(s, OnHold, Exam):
			e.ReleaseAuthorized = true // held intact until the last hold goes
		case in(s, Released, SummaryFiled, Finalized):
		default:
			return refuse(e, ev)
		}
	case HoldAdded, DocsRequested, Detained:
		switch {
		case in(s, Submitted, Accepted, OnHold):
			addHold(e, hold)
			e.State = OnHold
		case s == Exam:
			addHold(e, hold)
		default:
			return refuse(e, ev)
		}
	case RedeliveryDemand:
		if s != Released {
			return refuse(e, ev)
		}
		addHold(e, hold)
		e.ReleaseAuthorized = false
		e.State = OnHold
	case ReleaseRevoked:
		switch {
		case s == Released:
			addHold(e, hold)
			e.ReleaseAuthorized = false
			e.State = OnHold
		case in(s, Submitted, Accepted, OnHold, Exam):
			e.ReleaseAuthorized = false
		default:
			return refuse(e, ev)
		}
		return ReviewReleaseRevoked, fmt.Sprintf("release revoked in %s", s), true
	case HoldRemoved:
		switch {
		case in(s, OnHold, Exam):
			removeHolds(e, hold.Agency)
			if len(e.Holds) == 0 {
				if e.ReleaseAuthorized {
					e.State = Released
				} else {
					e.State = Accepted
				}
			}
		case in(s, Submitted, Accepted, Released, SummaryFiled, Finalized):
			removeHolds(e, hold.Agency) // nothing active to lift: idempotent
		default:
			return refuse(e, ev)
		}
	case ExamOrdered:
		switch s {
		case OnHold, Accepted:
			e.State = Exam
		case Exam:
		default:
			return refuse(e, ev)
		}
	case ExamDone:
		if s != Exam {
			return refuse(e, ev)
		}
		switch {
		case len(e.Holds) > 0:
			e.State = OnHold
		case e.ReleaseAuthorized:
			e.State = Released
		default:
			e.State = Accepted
		}
	case EventRefused, EventSeized:
		if !in(s, OnHold, Exam) {
			return refuse(e, ev)
		}
		e.State = Refused
		if ev == EventSeized {
			e.State = Seized
		}
	case EventGeneralOrder:
		if !s.beforeRelease() {
			return refuse(e, ev)
		}
		e.State = GeneralOrder
	case GOWarning:
		if !s.beforeRelease() {
			return refuse(e, ev)
		}
		return ReviewGOWarning, fmt.Sprintf("pending General Order in %s", s), true
	case Discrepancy:
		return ReviewDiscrepancy, fmt.Sprintf("quantity discrepancy reported in %s", s), true
	case SummaryAccepted:
		switch s {
		case Released:
			e.State = SummaryFiled
		case SummaryFiled:
		default:
			return refuse(e, ev)
		}
	case SummaryRejected:
		if s != Released {
			return refuse(e, ev)
		}
	case EventFinalized:
		switch s {
		case SummaryFiled:
			e.State = Finalized
		case Finalized:
		default:
			return refuse(e, ev)
		}
	case EventClosed:
		if s != Finalized {
			return refuse(e, ev)
		}
		e.State = Closed
	case EventCancelled:
		e.PrevState = s
		e.State = Cancelled
	case CancelReversed:
		if s != Cancelled || e.PrevState == "" {
			return refuse(e, ev)
		}
		e.State, e.PrevState = e.PrevState, ""
	default:
		return ReviewUnmappedStatus, fmt.Sprintf("unknown canonical event %q", ev), false
	}
	return "", "", true
}

// addHold adds h to the hold set unless an identical hold is already active.
func addHold(e *Entry, h Hold) {
	for _, x := range e.Holds {
		if x == h {
			return
		}
	}
	e.Holds = append(e.Holds, h)
}

// removeHolds lifts every active hold of agency; an empty agency (a source
// that does not say whose hold) lifts them all.
func removeHolds(e *Entry, agency string) {
	kept := e.Holds[:0]
	for _, h := range e.Holds {
		if agency != "" && !strings.EqualFold(h.Agency, agency) {
			kept = append(kept, h)
		}
	}
	e.Holds = kept
}
