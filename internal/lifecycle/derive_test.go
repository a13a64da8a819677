package lifecycle

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

const (
	testBL = "MAEU123456789"
	entryA = "ABC-1234567-8"
	entryB = "ABC-7654321-0"
)

// fastclearTable is config/codes/fastclear.yaml: a BRKSTS partner's codes.
const fastclearTable = `codes:
  - {code: TRN, events: [SUBMITTED]}
  - {code: ACC, events: [ACCEPTED]}
  - {code: HLD, events: [INFO]}
  - {code: REL, events: [INFO]}
  - {code: HRM, events: [INFO]}
`

// t0 is when the stories start.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// at is t0 plus min minutes.
func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

// x350 is a CBP disposition code from an X12 350, on the test B/L.
func x350(code string, min int) Message {
	return Message{Source: "cbp350", CodeList: CodeListX12350, Code: code, At: at(min), Ref: testBL, BillOfLading: testBL}
}

// cw is a CargoWise event from the broker.
func cw(code string, min int) Message {
	return Message{Source: "broker1", CodeList: CodeListCargoWise, Code: code, At: at(min), Ref: testBL, BillOfLading: testBL}
}

// pgaMsg is a PGA status notification from agency.
func pgaMsg(code, agency string, min int) Message {
	return Message{Source: "ace", CodeList: CodeListPGA, Code: code, Agency: agency, At: at(min), Ref: testBL}
}

// manualMsg is a manual event setting target.
func manualMsg(target State, min int) Message {
	return Message{Source: "compliance", CodeList: CodeListManual, Code: string(target), At: at(min), Ref: testBL}
}

// withEntry returns m naming entry number n.
func withEntry(m Message, n string) Message { m.EntryNumber = n; return m }

// MustTables returns the default tables with the given tables loaded.
func MustTables(tb testing.TB, extra map[string]string) *Tables {
	tb.Helper()
	tabs := MustDefaultTables(tb)
	for list, y := range extra {
		if err := tabs.Load(list, []byte(y)); err != nil {
			tb.Fatalf("Load %s: %v", list, err)
		}
	}
	return tabs
}

// everReady is the readiness of a packet that was validated before filing.
var everReady = Readiness{State: FileReady, EverReady: true}

// deriveCase is a story: messages in event-time order, the state of their
// entry after each, and the overall state.
type deriveCase struct {
	name   string
	tabs   *Tables // default tables when nil
	ready  Readiness
	msgs   []Message
	states []State
	want   State
	check  func(t *testing.T, r Result)
}

// run derives c, checks its timeline and state, runs c.check, and checks
// every arrival order gives the same Result.
func (c deriveCase) run(t *testing.T) {
	t.Helper()
	tabs := c.tabs
	if tabs == nil {
		tabs = MustDefaultTables(t)
	}
	r := tabs.Derive(c.ready, c.msgs)
	if len(r.Messages) != len(c.states) {
		t.Fatalf("got %d outcomes, want %d", len(r.Messages), len(c.states))
	}
	for i, o := range r.Messages {
		if o.Message != c.msgs[i] {
			t.Fatalf("outcome %d is %s %s, want %s %s", i, o.Message.Code, o.Message.At, c.msgs[i].Code, c.msgs[i].At)
		}
		if o.State != c.states[i] {
			t.Errorf("after %s %s: state %s, want %s (note %q)", o.Message.CodeList, o.Message.Code, o.State, c.states[i], o.Note)
		}
	}
	if r.State != c.want {
		t.Errorf("overall state %s, want %s", r.State, c.want)
	}
	if c.check != nil {
		c.check(t, r)
	}
	assertOrderIndependent(t, tabs, c.ready, c.msgs, r)
}

// assertOrderIndependent derives msgs in every order (or, for many
// messages, in 300 shuffled orders) and wants the same Result each time.
func assertOrderIndependent(t *testing.T, tabs *Tables, rd Readiness, msgs []Message, want Result) {
	t.Helper()
	try := func(order []Message) bool {
		got := tabs.Derive(rd, order)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("order %v: result differs\n got %+v\nwant %+v", codesOf(order), got, want)
			return false
		}
		return true
	}
	if len(msgs) <= 7 {
		permute(slices.Clone(msgs), 0, try)
		return
	}
	rng := rand.New(rand.NewPCG(1, 2))
	order := slices.Clone(msgs)
	for range 300 {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		if !try(order) {
			return
		}
	}
}

// permute calls try with every permutation of s[k:] after s[:k], stopping
// at the first that fails.
func permute(s []Message, k int, try func([]Message) bool) bool {
	if k == len(s) {
		return try(s)
	}
	for i := k; i < len(s); i++ {
		s[k], s[i] = s[i], s[k]
		ok := permute(s, k+1, try)
		s[k], s[i] = s[i], s[k]
		if !ok {
			return false
		}
	}
	return true
}

// codesOf lists the codes of msgs, for failure messages.
func codesOf(msgs []Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Code)
	}
	return out
}

// anomaliesWith returns the anomalies of r that match.
func anomaliesWith(r Result, match func(Anomaly) bool) []Anomaly {
	var out []Anomaly
	for _, a := range r.Anomalies {
		if match(a) {
			out = append(out, a)
		}
	}
	return out
}

// wantNoAnomalies fails when r has any anomaly.
func wantNoAnomalies(t *testing.T, r Result) {
	t.Helper()
	if len(r.Anomalies) != 0 {
		t.Errorf("anomalies %+v, want none", r.Anomalies)
	}
}

// wantAnomaly fails unless r has exactly one anomaly with rule and review.
func wantAnomaly(t *testing.T, r Result, rule, review string) Anomaly {
	t.Helper()
	got := anomaliesWith(r, func(a Anomaly) bool { return a.Rule == rule && a.Review == review })
	if len(got) != 1 {
		t.Fatalf("anomalies with rule %q review %q: %+v (all %+v), want one", rule, review, got, r.Anomalies)
	}
	return got[0]
}

// onlyEntry returns r's single entry.
func onlyEntry(t *testing.T, r Result) EntryStatus {
	t.Helper()
	if len(r.Entries) != 1 {
		t.Fatalf("entries %+v, want one", r.Entries)
	}
	return r.Entries[0]
}

// TestDeriveHoldBeforeFiling is the §4.7 story: a 350 1H dated before the
// broker's CCC holds the entry; CBP's 1C does not release it while the hold
// is active (CAMIR: held intact); 1I does.
func TestDeriveHoldBeforeFiling(t *testing.T) {
	deriveCase{
		ready:  everReady,
		msgs:   []Message{x350("1H", 0), cw("CCC", 1), withEntry(cw("CEN", 2), entryA), x350("1C", 3), x350("1I", 4)},
		states: []State{OnHold, OnHold, OnHold, OnHold, Released},
		want:   Released,
		check: func(t *testing.T, r Result) {
			wantNoAnomalies(t, r)
			e := onlyEntry(t, r)
			want := EntryStatus{EntryNumber: entryA, State: Released, Holds: []Hold{}, Exams: []Exam{}, Release: &Release{Agencies: []string{"CBP"}}}
			if !reflect.DeepEqual(e, want) {
				t.Errorf("entry %+v, want %+v", e, want)
			}
			for _, o := range r.Messages {
				if o.Entry != entryA {
					t.Errorf("%s attached to %q, want %q (the pending entry becomes the first numbered one)", o.Message.Code, o.Entry, entryA)
				}
			}
		},
	}.run(t)
}

// TestDeriveBrokerStatusWithoutTransmission is a BRKSTS partner that sends
// ACC with an entry number and never TRN.
func TestDeriveBrokerStatusWithoutTransmission(t *testing.T) {
	tabs := MustTables(t, map[string]string{PartnerCodeList("fastclear"): fastclearTable})
	acc := withEntry(Message{Source: "fastclear", CodeList: PartnerCodeList("fastclear"), Code: "ACC", At: at(0), Ref: entryA}, entryA)
	rel := withEntry(Message{Source: "fastclear", CodeList: PartnerCodeList("fastclear"), Code: "REL", At: at(5), Ref: entryA}, entryA)
	t.Run("OK", func(t *testing.T) {
		deriveCase{tabs: tabs, ready: everReady, msgs: []Message{acc, rel}, states: []State{Accepted, Accepted}, want: Accepted,
			check: wantNoAnomalies}.run(t)
	})
	t.Run("FiledBeforeReady", func(t *testing.T) {
		deriveCase{tabs: tabs, ready: Readiness{State: DocsIncomplete}, msgs: []Message{acc, rel},
			states: []State{Accepted, Accepted}, want: Accepted,
			check: func(t *testing.T, r Result) {
				a := wantAnomaly(t, r, RuleFiledBeforeReady, "")
				if a.Severity != SeverityWarning || a.Key != acc.Key() || a.Entry != entryA {
					t.Errorf("anomaly %+v, want a warning on ACC for %s", a, entryA)
				}
				if len(r.Anomalies) != 1 {
					t.Errorf("anomalies %+v, want only FILED_BEFORE_READY, once", r.Anomalies)
				}
			}}.run(t)
	})
}

// TestDeriveHoldsAndExams checks each removal lifts its own hold and an exam
// is not a hold.
func TestDeriveHoldsAndExams(t *testing.T) {
	msgs := []Message{cw("CCC", 0), x350("1H", 1), x350("2H", 2), x350("2I", 3), x350("1A", 4), x350("1I", 5), x350("1B", 6)}
	t.Run("2I lifts only the USDA hold", func(t *testing.T) {
		deriveCase{ready: everReady, msgs: msgs[:4], states: []State{Submitted, OnHold, OnHold, OnHold}, want: OnHold,
			check: func(t *testing.T, r Result) {
				want := []Hold{{Agency: "CBP", Type: "1H", Ref: testBL}}
				if got := onlyEntry(t, r).Holds; !reflect.DeepEqual(got, want) {
					t.Errorf("holds %+v, want %+v", got, want)
				}
			}}.run(t)
	})
	t.Run("exam outlasts the hold", func(t *testing.T) {
		deriveCase{ready: everReady, msgs: msgs,
			states: []State{Submitted, OnHold, OnHold, OnHold, UnderExam, UnderExam, Released}, want: Released,
			check: func(t *testing.T, r Result) {
				wantNoAnomalies(t, r)
				if e := onlyEntry(t, r); len(e.Holds) != 0 || len(e.Exams) != 0 {
					t.Errorf("holds %+v exams %+v, want none", e.Holds, e.Exams)
				}
				if got := r.Messages[5].Entry; got != "" {
					t.Errorf("entry %q, want the pending entry", got)
				}
			}}.run(t)
	})
	t.Run("1F does not lift the port-of-discharge hold", func(t *testing.T) {
		deriveCase{ready: everReady, msgs: []Message{x350("1H", 0), x350("1G", 1), x350("1F", 2)},
			states: []State{OnHold, OnHold, OnHold}, want: OnHold,
			check: func(t *testing.T, r Result) {
				want := []Hold{{Agency: "CBP", Type: "1H", Ref: testBL}}
				if got := onlyEntry(t, r).Holds; !reflect.DeepEqual(got, want) {
					t.Errorf("holds %+v, want %+v", got, want)
				}
			}}.run(t)
	})
}

// TestDeriveRejectedAndResubmitted checks DCR rejects and a new CCC re-files.
func TestDeriveRejectedAndResubmitted(t *testing.T) {
	deriveCase{ready: everReady, msgs: []Message{cw("CCC", 0), cw("DCR", 1), cw("CCC", 2)},
		states: []State{Submitted, Rejected, Submitted}, want: Submitted,
		check: func(t *testing.T, r Result) {
			wantNoAnomalies(t, r)
			if got := onlyEntry(t, r).Resubmissions; got != 1 {
				t.Errorf("resubmissions %d, want 1", got)
			}
		}}.run(t)
}

// TestDeriveHoldAfterRelease checks a hold after a release is a finding
// unless a revocation came between.
func TestDeriveHoldAfterRelease(t *testing.T) {
	t.Run("finding", func(t *testing.T) {
		deriveCase{ready: everReady, msgs: []Message{cw("CCC", 0), x350("1C", 1), x350("1H", 2)},
			states: []State{Submitted, Released, OnHold}, want: OnHold,
			check: func(t *testing.T, r Result) {
				a := wantAnomaly(t, r, RuleHoldAfterRelease, ReviewFinding)
				if a.Severity != SeverityWarning || a.Key != x350("1H", 2).Key() || r.Messages[2].Note == "" {
					t.Errorf("anomaly %+v note %q", a, r.Messages[2].Note)
				}
			}}.run(t)
	})
	t.Run("after a revocation", func(t *testing.T) {
		deriveCase{ready: everReady, msgs: []Message{cw("CCC", 0), x350("1C", 1), x350("15", 2), x350("1H", 3)},
			states: []State{Submitted, Released, Submitted, OnHold}, want: OnHold,
			check: func(t *testing.T, r Result) {
				wantAnomaly(t, r, "", ReviewReleaseRevoked)
				if len(r.Anomalies) != 1 {
					t.Errorf("anomalies %+v, want only release_revoked", r.Anomalies)
				}
			}}.run(t)
	})
}

// TestDeriveSplitShipment checks two entries keep their own states and the
// overall state is the least advanced.
func TestDeriveSplitShipment(t *testing.T) {
	b := func(m Message) Message { m.BillOfLading, m.Ref = "HBL-2", "HBL-2"; return m }
	deriveCase{ready: everReady,
		msgs: []Message{
			x350("1H", 0),                      // pending: becomes entry A
			withEntry(cw("CEN", 1), entryA),    // A
			withEntry(b(cw("CCC", 2)), entryB), // B, house B/L 2: numbered, so ACCEPTED
			b(x350("1H", 3)),                   // no number, B/L of B
			x350("1I", 4),                      // no number, B/L of A and not of B: A
			x350("1C", 5),
		},
		states: []State{OnHold, OnHold, Accepted, OnHold, Accepted, Released},
		want:   OnHold,
		check: func(t *testing.T, r Result) {
			var got []string
			for _, o := range r.Messages {
				got = append(got, o.Entry)
			}
			if want := []string{entryA, entryA, entryB, entryB, entryA, entryA}; !slices.Equal(got, want) {
				t.Errorf("attached to %v, want %v", got, want)
			}
			if len(r.Entries) != 2 || r.Entries[0].EntryNumber != entryA || r.Entries[0].State != Released ||
				r.Entries[1].EntryNumber != entryB || r.Entries[1].State != OnHold {
				t.Errorf("entries %+v, want A RELEASED and B ON_HOLD", r.Entries)
			}
		}}.run(t)
}

// TestDeriveAirDisposition checks air 1J is a hold (permit to proceed
// denied) that 1L lifts, and ocean 1J is informational.
func TestDeriveAirDisposition(t *testing.T) {
	air := func(m Message) Message { m.Mode = "air"; return m }
	deriveCase{ready: everReady, msgs: []Message{air(x350("1J", 0)), air(x350("1L", 1))},
		states: []State{OnHold, Submitted}, want: Submitted, check: wantNoAnomalies}.run(t)
	deriveCase{ready: everReady, msgs: []Message{x350("1J", 0)}, states: []State{FileReady}, want: FileReady,
		check: func(t *testing.T, r Result) {
			if o := r.Messages[0]; !slices.Equal(o.Events, []Event{InBond}) || o.Note == "" {
				t.Errorf("ocean 1J: events %v note %q, want IN_BOND, informational", o.Events, o.Note)
			}
		}}.run(t)
}

// TestDerivePGA checks an FDA hold waits for FDA's may-proceed, and a
// redeliver after release revokes it without a HOLD_AFTER_RELEASE finding.
func TestDerivePGA(t *testing.T) {
	deriveCase{ready: everReady,
		msgs:   []Message{cw("CCC", 0), pgaMsg("02", "FDA", 1), x350("1C", 2), pgaMsg("07-23", "FDA", 3)},
		states: []State{Submitted, OnHold, OnHold, Released}, want: Released,
		check: func(t *testing.T, r Result) {
			wantNoAnomalies(t, r)
			if got := onlyEntry(t, r).Release; got == nil || !slices.Equal(got.Agencies, []string{"CBP", "FDA"}) {
				t.Errorf("release %+v, want CBP and FDA", got)
			}
		}}.run(t)
	deriveCase{ready: everReady,
		msgs:   []Message{cw("CCC", 0), x350("1C", 1), pgaMsg("02-27", "FDA", 2), pgaMsg("07", "FDA", 3)},
		states: []State{Submitted, Released, OnHold, Released}, want: Released,
		check: func(t *testing.T, r Result) {
			wantAnomaly(t, r, "", ReviewReleaseRevoked)
			if len(r.Anomalies) != 1 {
				t.Errorf("anomalies %+v, want only release_revoked", r.Anomalies)
			}
		}}.run(t)
}

// TestDeriveSummary checks AX A after release files the summary, LIQ
// finalizes and a manual close closes; an early summary is a timeline note.
func TestDeriveSummary(t *testing.T) {
	ax := func(code string, min int) Message {
		return Message{Source: "ace", CodeList: CodeListACESummary, Code: code, At: at(min), Ref: entryA}
	}
	deriveCase{ready: everReady,
		msgs:   []Message{cw("CCC", 0), x350("1C", 1), ax("A", 2), ax("LIQ", 3), manualMsg(Closed, 4)},
		states: []State{Submitted, Released, SummaryFiled, Finalized, Closed}, want: Closed, check: wantNoAnomalies}.run(t)
	// Every state of the walk reachable through the shipped tables alone.
	deriveCase{ready: everReady,
		msgs:   []Message{cw("CCC", 0), cw("DCR", 1), cw("CCC", 2), x350("1C", 3), ax("A", 4), ax("LIQ", 5), ax("CLS", 6)},
		states: []State{Submitted, Rejected, Submitted, Released, SummaryFiled, Finalized, Closed}, want: Closed, check: wantNoAnomalies}.run(t)
	deriveCase{ready: everReady,
		msgs:   []Message{cw("CCC", 0), ax("A", 1), x350("1C", 2)},
		states: []State{Submitted, Submitted, SummaryFiled}, want: SummaryFiled,
		check: func(t *testing.T, r Result) {
			a := wantAnomaly(t, r, "", "")
			if a.Severity != "" || a.Key != ax("A", 1).Key() {
				t.Errorf("anomaly %+v, want a plain note on AX A", a)
			}
		}}.run(t)
}

// TestDeriveUnmapped checks an unknown code opens an unmapped_status review
// and leaves the state unchanged.
func TestDeriveUnmapped(t *testing.T) {
	deriveCase{ready: everReady, msgs: []Message{cw("CCC", 0), withEntry(x350("9Z", 1), entryB)},
		states: []State{Submitted, Submitted}, want: Submitted,
		check: func(t *testing.T, r Result) {
			wantAnomaly(t, r, "", ReviewUnmappedStatus)
			if o := r.Messages[1]; !o.Unmapped || len(o.Events) != 0 || o.Entry != "" {
				t.Errorf("outcome %+v, want unmapped on the pending entry", o)
			}
			onlyEntry(t, r)
		}}.run(t)
}

// TestDeriveCES checks a CES takes its status from its text.
func TestDeriveCES(t *testing.T) {
	ces := func(text string, min int) Message { m := cw("CES", min); m.Text = text; return m }
	deriveCase{ready: everReady, msgs: []Message{cw("CCC", 0), ces("Declaration status changed from CCC to CLR", 1)},
		states: []State{Submitted, Released}, want: Released, check: wantNoAnomalies}.run(t)
	deriveCase{ready: everReady, msgs: []Message{cw("CCC", 0), ces("Broker note: commercial invoice received", 1)},
		states: []State{Submitted, Submitted}, want: Submitted,
		check: func(t *testing.T, r Result) {
			wantNoAnomalies(t, r)
			if o := r.Messages[1]; o.Unmapped || !slices.Equal(o.Events, []Event{Info}) {
				t.Errorf("outcome %+v, want INFO", o)
			}
		}}.run(t)
}

// TestDerivePartnerOverride checks a partner's override of a cargowise code
// applies to that partner's messages only.
func TestDerivePartnerOverride(t *testing.T) {
	tabs := MustTables(t, map[string]string{PartnerCodeList("acme"): "codes:\n  - {list: cargowise, code: DCR, events: [INFO]}\n"})
	acme := func(m Message) Message { m.Source = "acme"; return m }
	deriveCase{tabs: tabs, ready: everReady, msgs: []Message{acme(cw("CCC", 0)), acme(cw("DCR", 1))},
		states: []State{Submitted, Submitted}, want: Submitted, check: wantNoAnomalies}.run(t)
	deriveCase{tabs: tabs, ready: everReady, msgs: []Message{cw("CCC", 0), cw("DCR", 1)},
		states: []State{Submitted, Rejected}, want: Rejected}.run(t)
}

// TestDeriveDuplicates checks a redelivered message counts once.
func TestDeriveDuplicates(t *testing.T) {
	again := x350("1H", 1)
	again.Code = "1h"
	resent := x350("1H", 1) // same key, other payload: which copy counts must not depend on arrival
	resent.Text = "resent"
	deriveCase{ready: everReady, msgs: []Message{cw("CCC", 0), x350("1H", 1), resent, again, x350("1C", 2), x350("1I", 3)},
		states: []State{Submitted, OnHold, OnHold, OnHold, OnHold, Released}, want: Released,
		check: func(t *testing.T, r Result) {
			for _, o := range r.Messages[2:4] {
				if !o.Duplicate || len(o.Events) != 0 || o.Note == "" {
					t.Errorf("outcome %+v, want a duplicate", o)
				}
			}
			if r.Messages[1].Duplicate {
				t.Errorf("first 1H flagged duplicate")
			}
		}}.run(t)
}

// TestDerivePartialRelease checks a 350 releasing less than the B/L
// quantity reads as a partial release, and a later full one replaces it.
func TestDerivePartialRelease(t *testing.T) {
	qty := func(m Message, released, of string) Message { m.ReleasedQty, m.Quantity = released, of; return m }
	deriveCase{ready: everReady, msgs: []Message{cw("CCC", 0), qty(x350("1C", 1), "40", "100")},
		states: []State{Submitted, Released}, want: Released,
		check: func(t *testing.T, r Result) {
			want := &Release{Agencies: []string{"CBP"}, Partial: true, Quantity: "40", Of: "100"}
			if got := onlyEntry(t, r).Release; !reflect.DeepEqual(got, want) {
				t.Errorf("release %+v, want %+v", got, want)
			}
			if got := r.Label(); got != "RELEASED (partial: 40 of 100)" {
				t.Errorf("label %q", got)
			}
		}}.run(t)
	deriveCase{ready: everReady, msgs: []Message{qty(x350("1C", 1), "40", "100"), qty(x350("1C", 2), "100", "100.0")},
		states: []State{Released, Released}, want: Released,
		check: func(t *testing.T, r Result) {
			if got := r.Label(); got != "RELEASED" {
				t.Errorf("label %q, want RELEASED", got)
			}
		}}.run(t)
}

// TestDeriveManualRelease checks a manual RELEASED clears holds and exams,
// and later evidence still applies on top.
func TestDeriveManualRelease(t *testing.T) {
	deriveCase{ready: everReady,
		msgs:   []Message{cw("CCC", 0), x350("1H", 1), x350("2H", 2), x350("1A", 3), manualMsg(Released, 4), x350("3H", 5)},
		states: []State{Submitted, OnHold, OnHold, UnderExam, Released, OnHold}, want: OnHold,
		check: func(t *testing.T, r Result) {
			if e := r.Messages[4]; !slices.Equal(e.Events, []Event{ReleaseAuth}) {
				t.Errorf("manual events %v", e.Events)
			}
			wantAnomaly(t, r, RuleHoldAfterRelease, ReviewFinding)
			e := onlyEntry(t, r)
			if len(e.Holds) != 1 || e.Holds[0].Type != "3H" || len(e.Exams) != 0 || !slices.Equal(e.Release.Agencies, []string{AgencyManual}) {
				t.Errorf("entry %+v", e)
			}
		}}.run(t)
}

// TestDeriveCancelled checks a message for a cancelled entry is a timeline
// note and 24 reverses the cancellation.
func TestDeriveCancelled(t *testing.T) {
	deriveCase{ready: everReady, msgs: []Message{cw("CCC", 0), x350("23", 1), x350("1C", 2), x350("24", 3)},
		states: []State{Submitted, Cancelled, Cancelled, Released}, want: Released,
		check: func(t *testing.T, r Result) {
			a := wantAnomaly(t, r, "", "")
			if a.Key != x350("1C", 2).Key() {
				t.Errorf("anomaly %+v, want on 1C", a)
			}
		}}.run(t)
}

// TestDeriveNoMessages checks an empty shipment shows its readiness on one
// pending entry.
func TestDeriveNoMessages(t *testing.T) {
	tabs := MustDefaultTables(t)
	r := tabs.Derive(Readiness{}, nil)
	want := Result{State: Planned, Messages: []MessageOutcome{},
		Entries: []EntryStatus{{State: Planned, Holds: []Hold{}, Exams: []Exam{}}}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got %+v, want %+v", r, want)
	}
}

// MustDefaultTables returns the shipped code tables or fails the test.
func MustDefaultTables(tb testing.TB) *Tables {
	tb.Helper()
	t, err := DefaultTables()
	if err != nil {
		tb.Fatal(err)
	}
	return t
}
