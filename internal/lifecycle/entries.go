package lifecycle

import "fmt"

// Finding rule ids Derive raises (DOMAIN.md §0) and their severity.
const (
	RuleHoldAfterRelease = "HOLD_AFTER_RELEASE"
	RuleFiledBeforeReady = "FILED_BEFORE_READY"
	SeverityWarning      = "warning"
)

// AgencyManual is the agency of holds, exams and releases a manual event
// places (Message.CodeList CodeListManual) unless the message names one.
const AgencyManual = "MANUAL"

// Readiness is what the pre-file checks say before any broker or CBP
// evidence: the state an entry shows while nothing says it was filed.
type Readiness struct {
	State     State // PLANNED, PRE_ALERTED, DOCS_INCOMPLETE or FILE_READY ("" is PLANNED)
	EverReady bool  // the packet was FILE_READY at some point (so a filing is not FILED_BEFORE_READY)
}

// Result is every entry's state derived from all the messages of a shipment.
type Result struct {
	// State is the shipment's overall state: that of its least advanced
	// entry by rank (see rank); a CANCELLED entry beside live ones does not
	// count, and SEIZED, REFUSED and GENERAL_ORDER rank below everything.
	State State
	// Entries has one status per entry number, in order of first evidence;
	// before any number is known, one pending entry with EntryNumber "".
	Entries []EntryStatus
	// Messages has one outcome per message given (duplicates included,
	// flagged), in event-time order.
	Messages []MessageOutcome
	// Anomalies are the findings, reviews and timeline notes the messages
	// raised, in event-time order.
	Anomalies []Anomaly
	// Milestones are the first filing and release and every hold and
	// exam period, in event time.
	Milestones Milestones
}

// EntryStatus is the derived status of one customs entry.
type EntryStatus struct {
	EntryNumber   string   `json:"entry_number"`
	State         State    `json:"state"`
	Holds         []Hold   `json:"holds"`   // active holds, never nil
	Exams         []Exam   `json:"exams"`   // open exams, never nil
	Release       *Release `json:"release"` // nil when no release is authorised
	Resubmissions int      `json:"resubmissions"`
}

// Exam is one open examination of an entry; unlike a hold it is closed by
// the exam-done or may-proceed of its agency.
type Exam struct {
	Agency string `json:"agency"` // CBP, the PGA, MANUAL …
	Type   string `json:"type"`   // the external code that ordered it
	Ref    string `json:"ref"`    // entry number or B/L of the message
}

// Release is the release authorised for an entry: by which agencies and, for
// a CBP release carrying quantities (X12 350 X4-02), whether it is partial.
type Release struct {
	Agencies []string `json:"agencies"`
	Partial  bool     `json:"partial"`            // released quantity below the B/L quantity
	Quantity string   `json:"quantity,omitempty"` // released quantity, when known
	Of       string   `json:"of,omitempty"`       // B/L quantity, when known
}

// Label is how the release reads on screen: "RELEASED" or, for a partial
// release, "RELEASED (partial: 40 of 100)".
func (r Release) Label() string {
	if r.Partial {
		return fmt.Sprintf("%s (partial: %s of %s)", Released, r.Quantity, r.Of)
	}
	return string(Released)
}

// Label is the entry's state as shown: the state, or the partial release
// label when the entry is RELEASED partially.
func (e EntryStatus) Label() string {
	if e.State == Released && e.Release != nil && e.Release.Partial {
		return e.Release.Label()
	}
	return string(e.State)
}

// Label is the shipment's overall state as shown: the Label of its least
// advanced entry, so a partial release reads "RELEASED (partial: N of M)".
func (r Result) Label() string {
	if e, ok := leastAdvanced(r.Entries); ok {
		return e.Label()
	}
	return string(r.State)
}

// MessageOutcome is what one message did, for the shipment's timeline.
type MessageOutcome struct {
	Message   Message
	Events    []Event // canonical events it mapped to (empty when unmapped or duplicate)
	Unmapped  bool    // no table maps its code: it opened an unmapped_status review
	Duplicate bool    // same Key as an earlier one: contributes nothing
	Entry     string  // entry number it was attached to ("" = pending entry)
	State     State   // that entry's state right after this message
	Note      string  // plain-English note: why nothing changed, anomaly text …
}

// Anomaly is something a person may need to know about a message: a finding
// (Rule set), a review to open (Review set) or only a timeline note.
type Anomaly struct {
	Rule     string     // RuleHoldAfterRelease, RuleFiledBeforeReady, or "" when not a finding
	Severity string     // SeverityWarning for findings, "" otherwise
	Review   string     // review kind it opens ("unmapped_status", "release_revoked", "finding" …), "" for none
	Key      MessageKey // the message that raised it
	Entry    string     // the entry it concerns ("" = pending entry)
	Reason   string     // plain English naming the code, its list and time
}

// rank orders entries from least to most advanced for the overall state:
// SEIZED, REFUSED, GENERAL_ORDER first (an exception on one entry must not
// hide behind another's progress), then PLANNED, PRE_ALERTED,
// DOCS_INCOMPLETE, FILE_READY, REJECTED, SUBMITTED, ACCEPTED, ON_HOLD, EXAM,
// RELEASED partially, RELEASED, SUMMARY_FILED, FINALIZED, CLOSED, and
// CANCELLED last, so that it counts only when every entry is cancelled.
func rank(e EntryStatus) int {
	order := []State{Seized, Refused, GeneralOrder, Planned, PreAlerted, DocsIncomplete, FileReady,
		Rejected, Submitted, Accepted, OnHold, UnderExam, Released, SummaryFiled, Finalized, Closed, Cancelled}
	for i, s := range order {
		if s == e.State {
			r := 2 * i
			if s == Released && (e.Release == nil || !e.Release.Partial) {
				r++ // a full release ranks above a partial one
			}
			return r
		}
	}
	return -1 // unknown states first: they need a look
}

// leastAdvanced returns the entry of lowest rank (the first of equals).
func leastAdvanced(entries []EntryStatus) (EntryStatus, bool) {
	if len(entries) == 0 {
		return EntryStatus{}, false
	}
	least := entries[0]
	for _, e := range entries[1:] {
		if rank(e) < rank(least) {
			least = e
		}
	}
	return least, true
}
