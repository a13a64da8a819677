// Package lifecycle derives the state of customs entries from the status
// evidence known about them (DOMAIN.md §4.7, Derive) and holds the tables that
// map external status codes (CargoWise events, CBP disposition codes, PGA and
// entry summary codes, per-partner codes) to canonical events. It is pure:
// no database and no I/O beyond the embedded code tables.
package lifecycle

// State is the lifecycle state of one customs entry.
type State string

// The entry states of DOMAIN.md §4.6, in lifecycle order. EXAM is UnderExam
// in Go, as Exam names an open examination.
const (
	Planned        State = "PLANNED"
	PreAlerted     State = "PRE_ALERTED"
	DocsIncomplete State = "DOCS_INCOMPLETE"
	FileReady      State = "FILE_READY"
	Submitted      State = "SUBMITTED"
	Rejected       State = "REJECTED"
	Accepted       State = "ACCEPTED"
	OnHold         State = "ON_HOLD"
	UnderExam      State = "EXAM"
	Released       State = "RELEASED"
	SummaryFiled   State = "SUMMARY_FILED"
	Finalized      State = "FINALIZED"
	Refused        State = "REFUSED"
	Seized         State = "SEIZED"
	GeneralOrder   State = "GENERAL_ORDER"
	Cancelled      State = "CANCELLED"
	Closed         State = "CLOSED"
)

// States lists every state in lifecycle order.
var States = []State{
	Planned, PreAlerted, DocsIncomplete, FileReady, Submitted, Rejected, Accepted,
	OnHold, UnderExam, Released, SummaryFiled, Finalized, Refused, Seized, GeneralOrder,
	Cancelled, Closed,
}

// Terminal reports whether s accepts only annotations (REFUSED, SEIZED,
// GENERAL_ORDER, CANCELLED, CLOSED). CANCELLED still accepts CANCEL_REVERSED.
func (s State) Terminal() bool {
	switch s {
	case Refused, Seized, GeneralOrder, Cancelled, Closed:
		return true
	}
	return false
}

// Valid reports whether s is one of the defined states.
func (s State) Valid() bool {
	for _, v := range States {
		if v == s {
			return true
		}
	}
	return false
}

// Event is a canonical lifecycle event; external codes map to one or more.
type Event string

// The canonical events named in DOMAIN.md §4.
const (
	PreAlert            Event = "PRE_ALERT"
	ValidationFailed    Event = "VALIDATION_FAILED"
	ValidationPassed    Event = "VALIDATION_PASSED"
	EventSubmitted      Event = "SUBMITTED"
	EntryNumberAssigned Event = "ENTRY_NUMBER_ASSIGNED"
	EventAccepted       Event = "ACCEPTED"
	UnderReview         Event = "UNDER_REVIEW" // PGA 01: treated as ACCEPTED
	EventRejected       Event = "REJECTED"
	PGARejected         Event = "PGA_REJECTED" // PGA 04: treated as REJECTED
	ReleaseAuth         Event = "RELEASE_AUTH"
	HoldAdded           Event = "HOLD_ADDED"
	DocsRequested       Event = "DOCS_REQUESTED" // PGA 10, CUSRES 6: a hold
	Detained            Event = "DETAINED"       // PGA 11-35: a hold
	HoldRemoved         Event = "HOLD_REMOVED"
	ExamOrdered         Event = "EXAM_ORDERED"
	ExamDone            Event = "EXAM_DONE"
	EventGeneralOrder   Event = "GENERAL_ORDER"
	GOWarning           Event = "GO_WARNING"
	EventSeized         Event = "SEIZED"
	EventRefused        Event = "REFUSED"
	SummaryAccepted     Event = "SUMMARY_ACCEPTED"
	SummaryRejected     Event = "SUMMARY_REJECTED"
	EventFinalized      Event = "FINALIZED"
	EventClosed         Event = "CLOSED"
	EventCancelled      Event = "CANCELLED"
	CancelReversed      Event = "CANCEL_REVERSED"
	ReleaseRevoked      Event = "RELEASE_REVOKED"
	RedeliveryDemand    Event = "REDELIVERY_DEMAND"
	Discrepancy         Event = "DISCREPANCY"
	Info                Event = "INFO"
	InBond              Event = "IN_BOND"
	Arrived             Event = "ARRIVED"
)

// Events lists every canonical event; code tables may name only these.
var Events = []Event{
	PreAlert, ValidationFailed, ValidationPassed, EventSubmitted, EntryNumberAssigned,
	EventAccepted, UnderReview, EventRejected, PGARejected, ReleaseAuth, HoldAdded,
	DocsRequested, Detained, HoldRemoved, ExamOrdered, ExamDone, EventGeneralOrder,
	GOWarning, EventSeized, EventRefused, SummaryAccepted, SummaryRejected,
	EventFinalized, EventClosed, EventCancelled, CancelReversed, ReleaseRevoked,
	RedeliveryDemand, Discrepancy, Info, InBond, Arrived,
}

// Valid reports whether ev is one of the canonical events.
func (ev Event) Valid() bool {
	for _, v := range Events {
		if v == ev {
			return true
		}
	}
	return false
}

// Annotation reports whether ev only annotates the entry (INFO, IN_BOND,
// ARRIVED): it never changes state and is accepted in every state.
func (ev Event) Annotation() bool {
	return ev == Info || ev == InBond || ev == Arrived
}

// Review kinds an Anomaly may open (PRODUCT.md §8; go_warning and
// discrepancy flag codes DOMAIN.md §4.1 routes to review).
const (
	ReviewUnmappedStatus = "unmapped_status"
	ReviewGOWarning      = "go_warning"
	ReviewDiscrepancy    = "discrepancy"
	ReviewReleaseRevoked = "release_revoked"
	// ReviewFinding is the review a "→ review" finding opens (PRODUCT.md §8),
	// here for HOLD_AFTER_RELEASE.
	ReviewFinding = "finding"
)

// Hold is one active hold on an entry.
type Hold struct {
	Agency string `json:"agency"` // CBP, USDA, OTHER, PGA or the PGA's name, MANUAL, or "" when the source does not say
	Type   string `json:"type"`   // the external code that placed it, when known
	Ref    string `json:"ref"`    // entry number or B/L it was placed on, when known
}

// MessageKey identifies a status message for idempotency (DOMAIN.md §4.6).
type MessageKey struct {
	Source, Code, At, Ref string
}
