package lifecycle

import (
	"math/big"
	"slices"
	"strings"
)

// summaryOutcome is the latest entry summary (AX/E1) outcome.
type summaryOutcome int

const (
	summaryNone summaryOutcome = iota
	summaryAccepted
	summaryRejected
)

// facts is what the evidence so far says about one entry (DOMAIN.md §4.7).
// The state is a function of it (state); events add to it (apply).
type facts struct {
	filed         bool // the entry was transmitted (see fileEvents)
	numbered      bool // an entry number is known, or CBP accepted the entry
	rejected      bool // the latest filing was rejected and not re-filed
	resubmissions int
	summary       summaryOutcome
	finalized     bool
	closed        bool
	cancelled     bool
	seized        bool
	refused       bool
	generalOrder  bool
	holds         []Hold
	exams         []Exam
	releases      []string // agencies whose release is authorised, in order
	qty, of       string   // quantities of the latest CBP release that carried them
	flaggedFiling bool     // FILED_BEFORE_READY already raised for this entry
}

// evidence is what a message brings beside its events.
type evidence struct {
	agency, code, ref string
	lifts             []string
	qty, of           string // released and B/L quantity, "" when unknown
}

// effect is what applying events did that Derive reports on.
type effect struct {
	holdAdded   bool // a hold was placed
	revoked     bool // a release authorisation was revoked
	liftMissed  bool // a hold removal found no matching hold
	heldRelease bool // a release arrived while holds or exams keep it intact
}

// fileEvents are the events that prove the entry was filed: the broker's
// transmission and acceptance, and every CBP or PGA answer about the entry
// (CBP only answers entries it has received). A hold removal is not among
// them (the hold it lifts already was), nor are the annotations, warnings,
// cancellation, closing and the exceptions SEIZED and GENERAL_ORDER, which
// may befall cargo no entry was filed for.
var fileEvents = []Event{
	EventSubmitted, EventAccepted, UnderReview, EntryNumberAssigned, EventRejected, PGARejected,
	ReleaseAuth, HoldAdded, DocsRequested, Detained, RedeliveryDemand, ReleaseRevoked,
	ExamOrdered, ExamDone, SummaryAccepted, SummaryRejected, EventFinalized, EventRefused,
}

// state is the entry state the facts give: the first rule of DOMAIN.md §4.7
// that holds, ready when nothing says the entry was filed. CLOSED follows a
// CLOSED event (a manual close); closing after a retention period of open
// questions is left to the caller, which knows about questions.
func (f *facts) state(ready State) State {
	switch {
	case f.seized:
		return Seized
	case f.refused:
		return Refused
	case f.generalOrder:
		return GeneralOrder
	case f.cancelled:
		return Cancelled
	case f.closed:
		return Closed
	case f.finalized:
		return Finalized
	case f.summary == summaryAccepted && f.released():
		return SummaryFiled
	case len(f.exams) > 0:
		return UnderExam
	case len(f.holds) > 0:
		return OnHold
	case f.customsReleased():
		return Released
	case f.rejected || f.summary == summaryRejected:
		return Rejected
	case f.filed && f.numbered:
		return Accepted
	case f.filed:
		return Submitted
	}
	return ready
}

// customsAgency reports whether a release by agency is the customs (CBP)
// release that RELEASED needs: CBP, a source that does not say (a broker's
// "cleared"), or a manual release. A PGA's may-proceed is not.
func customsAgency(agency string) bool {
	return agency == "" || strings.EqualFold(agency, "CBP") || strings.EqualFold(agency, AgencyManual)
}

// customsReleased reports whether CBP release is authorised.
func (f *facts) customsReleased() bool {
	return slices.ContainsFunc(f.releases, customsAgency)
}

// released reports whether the entry is released: CBP release authorised,
// no hold active and no exam open.
func (f *facts) released() bool {
	return f.customsReleased() && len(f.holds) == 0 && len(f.exams) == 0
}

// apply adds what one canonical event says to the facts.
func (f *facts) apply(ev Event, e evidence) effect {
	var fx effect
	if slices.Contains(fileEvents, ev) {
		f.filed = true
	}
	switch ev {
	case EventSubmitted:
		f.resubmit()
	case EventAccepted, UnderReview, EntryNumberAssigned:
		f.numbered = true
	case EventRejected, PGARejected:
		f.rejected = true
	case ReleaseAuth:
		f.authorise(e.agency, e.qty, e.of)
		fx.heldRelease = len(f.holds) > 0 || len(f.exams) > 0
	case HoldAdded, DocsRequested, Detained:
		f.addHold(Hold{Agency: e.agency, Type: e.code, Ref: e.ref})
		fx.holdAdded = true
	case RedeliveryDemand:
		wasReleased := f.released()
		f.addHold(Hold{Agency: e.agency, Type: e.code, Ref: e.ref})
		fx.holdAdded = true
		if wasReleased {
			f.revoke(e.agency)
			fx.revoked = true
		}
	case ReleaseRevoked:
		f.revoke(e.agency)
		fx.revoked = true
	case HoldRemoved:
		fx.liftMissed = !f.removeHold(e.agency, e.ref, e.lifts)
	default:
		f.applyOutcome(ev, e)
	}
	return fx
}

// applyOutcome adds the facts of exams, summaries and the final outcomes.
func (f *facts) applyOutcome(ev Event, e evidence) {
	switch ev {
	case ExamOrdered:
		x := Exam{Agency: e.agency, Type: e.code, Ref: e.ref}
		if !slices.Contains(f.exams, x) {
			f.exams = append(f.exams, x)
		}
	case ExamDone:
		f.exams = slices.DeleteFunc(f.exams, func(x Exam) bool { return sameAgency(e.agency, x.Agency) })
	case SummaryAccepted:
		f.summary = summaryAccepted
	case SummaryRejected:
		f.summary = summaryRejected
	case EventFinalized:
		f.finalized = true
	case EventClosed:
		f.closed = true
	case EventCancelled:
		f.cancelled = true
	case CancelReversed:
		f.cancelled = false
	case EventSeized:
		f.seized = true
	case EventRefused:
		f.refused = true
	case EventGeneralOrder:
		f.generalOrder = true
	}
}

// resubmit records a new submission: it clears a rejection of the entry or
// of its summary and counts a resubmission.
func (f *facts) resubmit() {
	if f.rejected || f.summary == summaryRejected {
		f.rejected = false
		if f.summary == summaryRejected {
			f.summary = summaryNone
		}
		f.resubmissions++
	}
}

// sameAgency reports whether a removal or exam-done by agency concerns
// something of agency of; a source that does not say concerns everything.
func sameAgency(agency, of string) bool {
	return agency == "" || strings.EqualFold(agency, of)
}

// addHold adds h unless an identical hold is already active.
func (f *facts) addHold(h Hold) {
	if !slices.Contains(f.holds, h) {
		f.holds = append(f.holds, h)
	}
}

// removeHold lifts the hold a removal names and reports whether it found
// one. With lifts (the placing codes, e.g. 1I lifts 1H) it removes one hold
// of the agency of those types: the one placed on ref, else the oldest.
// Without, it removes every hold of the agency (PGA 07 for that PGA).
func (f *facts) removeHold(agency, ref string, lifts []string) bool {
	match := func(h Hold) bool {
		return sameAgency(agency, h.Agency) && (len(lifts) == 0 || slices.Contains(lifts, h.Type))
	}
	if len(lifts) == 0 {
		n := len(f.holds)
		f.holds = slices.DeleteFunc(f.holds, match)
		return len(f.holds) < n
	}
	i := slices.IndexFunc(f.holds, func(h Hold) bool { return match(h) && h.Ref == ref })
	if i < 0 {
		i = slices.IndexFunc(f.holds, match)
	}
	if i < 0 {
		return false
	}
	f.holds = slices.Delete(f.holds, i, i+1)
	return true
}

// authorise records a release by agency. A CBP release carrying both
// quantities records them (partial when qty < of); one without keeps what
// an earlier release recorded.
func (f *facts) authorise(agency, qty, of string) {
	if agency == "" {
		agency = "CBP" // a customs release whose source does not say whose (CargoWise CLR)
	}
	if !slices.Contains(f.releases, agency) {
		f.releases = append(f.releases, agency)
	}
	if !customsAgency(agency) {
		return
	}
	if _, ok := decimal(qty); ok {
		if _, ok := decimal(of); ok {
			f.qty, f.of = strings.TrimSpace(qty), strings.TrimSpace(of)
		}
	}
}

// revoke clears the release authorised by agency: by CBP (or a source that
// does not say) the customs release, by a PGA that agency's own.
func (f *facts) revoke(agency string) {
	if customsAgency(agency) {
		f.releases = slices.DeleteFunc(f.releases, customsAgency)
		f.qty, f.of = "", ""
		return
	}
	f.releases = slices.DeleteFunc(f.releases, func(a string) bool { return strings.EqualFold(a, agency) })
}

// decimal parses a decimal quantity string.
func decimal(s string) (*big.Rat, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, false
	}
	return new(big.Rat).SetString(s)
}

// release is the Release the facts show, nil when none is authorised.
func (f *facts) release() *Release {
	if len(f.releases) == 0 {
		return nil
	}
	r := &Release{Agencies: slices.Clone(f.releases)}
	if f.customsReleased() && f.qty != "" {
		r.Quantity, r.Of = f.qty, f.of
		q, _ := decimal(f.qty)
		of, _ := decimal(f.of)
		r.Partial = q.Cmp(of) < 0
	}
	return r
}

// status is the EntryStatus of the facts.
func (f *facts) status(number string, ready State) EntryStatus {
	return EntryStatus{
		EntryNumber:   number,
		State:         f.state(ready),
		Holds:         append([]Hold{}, f.holds...),
		Exams:         append([]Exam{}, f.exams...),
		Release:       f.release(),
		Resubmissions: f.resubmissions,
	}
}
