package lifecycle

import (
	"fmt"
	"reflect"
	"testing"
)

var (
	cbpHold  = Hold{Agency: "CBP"}
	usdaHold = Hold{Agency: "USDA"}
)

// TestApplyTransitionTable has one case per row of the DOMAIN.md §4.6
// transition table (each "From" state and outcome of a row separately).
func TestApplyTransitionTable(t *testing.T) {
	tests := []struct {
		row    string
		from   Entry
		events []Event
		agency string
		want   Entry
	}{
		{"PLANNED pre-alert", Entry{State: Planned}, []Event{PreAlert}, "", Entry{State: PreAlerted}},
		{"PRE_ALERTED validation fails", Entry{State: PreAlerted}, []Event{ValidationFailed}, "", Entry{State: DocsIncomplete}},
		{"PRE_ALERTED validation passes", Entry{State: PreAlerted}, []Event{ValidationPassed}, "", Entry{State: FileReady}},
		{"DOCS_INCOMPLETE validation fails", Entry{State: DocsIncomplete}, []Event{ValidationFailed}, "", Entry{State: DocsIncomplete}},
		{"DOCS_INCOMPLETE validation passes", Entry{State: DocsIncomplete}, []Event{ValidationPassed}, "", Entry{State: FileReady}},
		{"FILE_READY transmitted", Entry{State: FileReady}, []Event{EventSubmitted}, "", Entry{State: Submitted}},
		{"SUBMITTED rejected", Entry{State: Submitted}, []Event{EventRejected}, "", Entry{State: Rejected}},
		{"SUBMITTED PGA rejected", Entry{State: Submitted}, []Event{PGARejected}, "", Entry{State: Rejected}},
		{"REJECTED corrected packet re-validated", Entry{State: Rejected}, []Event{ValidationPassed}, "", Entry{State: FileReady, Resubmissions: 1}},
		{"REJECTED corrected packet re-sent", Entry{State: Rejected, Resubmissions: 1}, []Event{ValidationPassed, EventSubmitted}, "", Entry{State: Submitted, Resubmissions: 2}},
		{"REJECTED re-sent directly", Entry{State: Rejected}, []Event{EventSubmitted}, "", Entry{State: Submitted, Resubmissions: 1}},
		{"SUBMITTED accepted", Entry{State: Submitted}, []Event{EventAccepted}, "", Entry{State: Accepted}},
		{"SUBMITTED entry number", Entry{State: Submitted}, []Event{EntryNumberAssigned}, "", Entry{State: Accepted}},
		{"SUBMITTED PGA under review", Entry{State: Submitted}, []Event{UnderReview}, "", Entry{State: Accepted}},
		{"SUBMITTED release, no holds", Entry{State: Submitted}, []Event{ReleaseAuth}, "", Entry{State: Released, ReleaseAuthorized: true}},
		{"ACCEPTED release, no holds", Entry{State: Accepted}, []Event{ReleaseAuth}, "", Entry{State: Released, ReleaseAuthorized: true}},
		{"ACCEPTED hold added", Entry{State: Accepted}, []Event{HoldAdded}, "CBP", Entry{State: OnHold, Holds: []Hold{cbpHold}}},
		{"SUBMITTED hold added", Entry{State: Submitted}, []Event{HoldAdded}, "USDA", Entry{State: OnHold, Holds: []Hold{usdaHold}}},
		{"ACCEPTED docs requested", Entry{State: Accepted}, []Event{DocsRequested}, "PGA", Entry{State: OnHold, Holds: []Hold{{Agency: "PGA"}}}},
		{"ON_HOLD second hold", Entry{State: OnHold, Holds: []Hold{cbpHold}}, []Event{HoldAdded}, "USDA", Entry{State: OnHold, Holds: []Hold{cbpHold, usdaHold}}},
		{"RELEASED redelivery", Entry{State: Released, ReleaseAuthorized: true}, []Event{RedeliveryDemand}, "PGA", Entry{State: OnHold, Holds: []Hold{{Agency: "PGA"}}}},
		{"ON_HOLD exam ordered", Entry{State: OnHold, Holds: []Hold{cbpHold}}, []Event{ExamOrdered}, "", Entry{State: Exam, Holds: []Hold{cbpHold}}},
		{"ACCEPTED exam ordered", Entry{State: Accepted}, []Event{ExamOrdered}, "", Entry{State: Exam}},
		{"EXAM exam done and released (1B), no holds", Entry{State: Exam}, []Event{ExamDone, ReleaseAuth}, "", Entry{State: Released, ReleaseAuthorized: true}},
		{"EXAM 1B with another hold stays held", Entry{State: Exam, Holds: []Hold{usdaHold}}, []Event{ExamDone, ReleaseAuth}, "", Entry{State: OnHold, Holds: []Hold{usdaHold}, ReleaseAuthorized: true}},
		{"EXAM exam done, no release", Entry{State: Exam}, []Event{ExamDone}, "", Entry{State: Accepted}},
		{"EXAM last hold removed, release authorised", Entry{State: Exam, Holds: []Hold{cbpHold}, ReleaseAuthorized: true}, []Event{HoldRemoved}, "CBP", Entry{State: Released, Holds: []Hold{}, ReleaseAuthorized: true}},
		{"ON_HOLD last hold removed, release authorised", Entry{State: OnHold, Holds: []Hold{cbpHold}, ReleaseAuthorized: true}, []Event{HoldRemoved}, "CBP", Entry{State: Released, Holds: []Hold{}, ReleaseAuthorized: true}},
		{"ON_HOLD not last hold removed", Entry{State: OnHold, Holds: []Hold{cbpHold, usdaHold}, ReleaseAuthorized: true}, []Event{HoldRemoved}, "CBP", Entry{State: OnHold, Holds: []Hold{usdaHold}, ReleaseAuthorized: true}},
		{"EXAM hold removed, no release yet", Entry{State: Exam, Holds: []Hold{cbpHold}}, []Event{HoldRemoved}, "CBP", Entry{State: Accepted, Holds: []Hold{}}},
		{"ON_HOLD hold removed, no release yet", Entry{State: OnHold, Holds: []Hold{cbpHold}}, []Event{HoldRemoved}, "CBP", Entry{State: Accepted, Holds: []Hold{}}},
		{"ON_HOLD release waits for holds", Entry{State: OnHold, Holds: []Hold{cbpHold}}, []Event{ReleaseAuth}, "", Entry{State: OnHold, Holds: []Hold{cbpHold}, ReleaseAuthorized: true}},
		{"ON_HOLD refused", Entry{State: OnHold, Holds: []Hold{cbpHold}}, []Event{EventRefused}, "", Entry{State: Refused, Holds: []Hold{cbpHold}}},
		{"EXAM refused", Entry{State: Exam}, []Event{EventRefused}, "", Entry{State: Refused}},
		{"ON_HOLD seized", Entry{State: OnHold, Holds: []Hold{cbpHold}}, []Event{EventSeized}, "", Entry{State: Seized, Holds: []Hold{cbpHold}}},
		{"EXAM seized", Entry{State: Exam}, []Event{EventSeized}, "", Entry{State: Seized}},
		{"RELEASED summary accepted", Entry{State: Released}, []Event{SummaryAccepted}, "", Entry{State: SummaryFiled}},
		{"SUMMARY_FILED finalized", Entry{State: SummaryFiled}, []Event{EventFinalized}, "", Entry{State: Finalized}},
		{"FINALIZED closed", Entry{State: Finalized}, []Event{EventClosed}, "", Entry{State: Closed}},
		{"SUMMARY_FILED finalized then closed", Entry{State: SummaryFiled}, []Event{EventFinalized, EventClosed}, "", Entry{State: Closed}},
		{"CANCELLED cancellation unset", Entry{State: Cancelled, PrevState: Exam}, []Event{CancelReversed}, "", Entry{State: Exam}},
	}
	// G.O. from any state before RELEASED; cancel from any non-terminal state.
	for _, s := range States {
		if s.beforeRelease() {
			tests = append(tests, struct {
				row    string
				from   Entry
				events []Event
				agency string
				want   Entry
			}{fmt.Sprintf("%s general order", s), Entry{State: s}, []Event{EventGeneralOrder}, "", Entry{State: GeneralOrder}})
		}
		if !s.Terminal() {
			tests = append(tests, struct {
				row    string
				from   Entry
				events []Event
				agency string
				want   Entry
			}{fmt.Sprintf("%s cancelled", s), Entry{State: s}, []Event{EventCancelled}, "", Entry{State: Cancelled, PrevState: s}})
		}
	}
	for _, tt := range tests {
		t.Run(tt.row, func(t *testing.T) {
			out := Apply(tt.from, tt.events, tt.agency)
			if out.Review != "" {
				t.Fatalf("review %q (%s), want none", out.Review, out.Reason)
			}
			assertEntry(t, out.Entry, tt.want)
			if !reflect.DeepEqual(out.Applied, tt.events) {
				t.Errorf("applied %v, want %v", out.Applied, tt.events)
			}
		})
	}
}

// assertEntry compares entries treating nil and empty hold sets alike.
func assertEntry(t *testing.T, got, want Entry) {
	t.Helper()
	if len(got.Holds) == 0 && len(want.Holds) == 0 {
		got.Holds, want.Holds = nil, nil
	}
	if len(got.Seen) == 0 && len(want.Seen) == 0 {
		got.Seen, want.Seen = nil, nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestApplyTerminalStates checks that terminal states accept annotations
// only; every other event is a backward_transition review that changes nothing.
func TestApplyTerminalStates(t *testing.T) {
	for _, s := range []State{Refused, Seized, GeneralOrder, Cancelled, Closed} {
		if !s.Terminal() {
			t.Fatalf("%s: Terminal() false", s)
		}
		from := Entry{State: s, PrevState: Accepted, Holds: []Hold{cbpHold}}
		for _, ev := range Events {
			if s == Cancelled && ev == CancelReversed {
				continue
			}
			t.Run(string(s)+"/"+string(ev), func(t *testing.T) {
				out := Apply(from, []Event{ev}, "CBP")
				if ev.Annotation() {
					if out.Review != "" {
						t.Fatalf("review %q for annotation", out.Review)
					}
				} else if out.Review != ReviewBackwardTransition {
					t.Fatalf("review %q, want %q", out.Review, ReviewBackwardTransition)
				}
				assertEntry(t, out.Entry, from)
			})
		}
	}
}

// TestApplyRefused checks moves not in the table: a review, state unchanged.
func TestApplyRefused(t *testing.T) {
	tests := []struct {
		name   string
		from   Entry
		events []Event
	}{
		{"RELEASED to SUBMITTED", Entry{State: Released}, []Event{EventSubmitted}},
		{"RELEASED general order", Entry{State: Released}, []Event{EventGeneralOrder}},
		{"SUMMARY_FILED general order", Entry{State: SummaryFiled}, []Event{EventGeneralOrder}},
		{"RELEASED plain hold", Entry{State: Released}, []Event{HoldAdded}},
		{"ACCEPTED rejected", Entry{State: Accepted}, []Event{EventRejected}},
		{"FILE_READY release", Entry{State: FileReady}, []Event{ReleaseAuth}},
		{"ACCEPTED seized", Entry{State: Accepted}, []Event{EventSeized}},
		{"ACCEPTED exam done", Entry{State: Accepted}, []Event{ExamDone}},
		{"PLANNED validation", Entry{State: Planned}, []Event{ValidationPassed}},
		{"EXAM cancel reversed", Entry{State: Exam}, []Event{CancelReversed}},
		{"unknown event", Entry{State: Accepted}, []Event{"NO_SUCH"}},
		// all or nothing: 1B outside EXAM does not half-apply the release
		{"ACCEPTED 1B", Entry{State: Accepted}, []Event{ExamDone, ReleaseAuth}},
		{"SUBMITTED accept then backward", Entry{State: Submitted}, []Event{EventAccepted, EventRejected}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Apply(tt.from, tt.events, "")
			if out.Review == "" {
				t.Fatalf("no review, want one; entry %+v", out.Entry)
			}
			if out.Applied != nil {
				t.Errorf("applied %v, want none", out.Applied)
			}
			assertEntry(t, out.Entry, tt.from)
		})
	}
}

// TestApplyWarnings checks events that open a review but keep the state.
func TestApplyWarnings(t *testing.T) {
	tests := []struct {
		name   string
		from   Entry
		ev     Event
		review string
		want   Entry
	}{
		{"1R pending G.O. is a warning only", Entry{State: OnHold, Holds: []Hold{cbpHold}}, GOWarning, ReviewGOWarning, Entry{State: OnHold, Holds: []Hold{cbpHold}}},
		{"discrepancy", Entry{State: Released}, Discrepancy, ReviewDiscrepancy, Entry{State: Released}},
		{"release revoked after release", Entry{State: Released, ReleaseAuthorized: true}, ReleaseRevoked, ReviewReleaseRevoked, Entry{State: OnHold, Holds: []Hold{cbpHold}}},
		{"release revoked while held", Entry{State: OnHold, Holds: []Hold{cbpHold}, ReleaseAuthorized: true}, ReleaseRevoked, ReviewReleaseRevoked, Entry{State: OnHold, Holds: []Hold{cbpHold}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Apply(tt.from, []Event{tt.ev}, "CBP")
			if out.Review != tt.review {
				t.Fatalf("review %q, want %q", out.Review, tt.review)
			}
			assertEntry(t, out.Entry, tt.want)
		})
	}
}

// TestApplyDoesNotMutateInput guards the purity of Apply: the caller's
// hold slice is never changed.
func TestApplyDoesNotMutateInput(t *testing.T) {
	holds := []Hold{cbpHold, usdaHold}
	in := Entry{State: OnHold, Holds: holds}
	out := Apply(in, []Event{HoldRemoved}, "CBP")
	if got := out.Entry.Holds; !reflect.DeepEqual(got, []Hold{usdaHold}) {
		t.Fatalf("holds %v, want [USDA]", got)
	}
	if !reflect.DeepEqual(holds, []Hold{cbpHold, usdaHold}) {
		t.Fatalf("input holds changed to %v", holds)
	}
}

// TestApplyHoldRemovedWithoutAgency lifts every hold when the source does not
// say whose hold it was.
func TestApplyHoldRemovedWithoutAgency(t *testing.T) {
	out := Apply(Entry{State: OnHold, Holds: []Hold{cbpHold, usdaHold}}, []Event{HoldRemoved}, "")
	assertEntry(t, out.Entry, Entry{State: Accepted})
}
