package lifecycle

// precedence lists the states of DOMAIN.md §4.7's rules in the order they
// are tried (facts.state): a state's facts outrank those of every later one.
var precedence = []State{
	Seized, Refused, GeneralOrder, Cancelled, Closed, Finalized, SummaryFiled,
	UnderExam, OnHold, Released, Rejected, Accepted, Submitted,
}

// force prepares the facts for a manual event setting target: it clears the
// facts of every state that outranks target, so that the event for target
// (manualEvents) then reaches it. Later evidence still applies on top.
// Clearing a rejection on the way to ACCEPTED or SUBMITTED counts a
// resubmission. A manual RELEASED is a full release (it drops the
// quantities of a partial one). SUMMARY_FILED also needs a release: it
// clears holds and exams and authorises a manual release unless CBP's is there.
func (f *facts) force(target State) {
	for _, s := range precedence {
		if s == target {
			break
		}
		f.clear(s)
	}
	switch target {
	case Released:
		f.qty, f.of = "", ""
	case SummaryFiled:
		f.holds, f.exams = nil, nil
		if !f.customsReleased() {
			f.authorise(AgencyManual, "", "")
		}
	}
}

// clear removes the facts that make state s's rule hold.
func (f *facts) clear(s State) {
	switch s {
	case Seized:
		f.seized = false
	case Refused:
		f.refused = false
	case GeneralOrder:
		f.generalOrder = false
	case Cancelled:
		f.cancelled = false
	case Closed:
		f.closed = false
	case Finalized:
		f.finalized = false
	case SummaryFiled:
		if f.summary == summaryAccepted {
			f.summary = summaryNone
		}
	case UnderExam:
		f.exams = nil
	case OnHold:
		f.holds = nil
	case Released:
		f.releases, f.qty, f.of = nil, "", ""
	case Rejected:
		f.resubmit()
	case Accepted:
		f.numbered = false
	}
}
