package lifecycle

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// MustDefaultTables returns the embedded tables or fails the test.
func MustDefaultTables(tb testing.TB) *Tables {
	tb.Helper()
	tabs, err := DefaultTables()
	if err != nil {
		tb.Fatalf("DefaultTables: %v", err)
	}
	return tabs
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// msg builds a message at t0 plus min minutes.
func msg(list, code string, min int) Message {
	return Message{Source: "broker1", CodeList: list, Code: code, At: t0.Add(time.Duration(min) * time.Minute), Ref: "ABC-1234567-8"}
}

// TestProcessStory is the story: CargoWise CEN and CCC, CBP 1H, then
// CLR (release waits on the hold), then 1I in a later batch releases.
func TestProcessStory(t *testing.T) {
	tabs := MustDefaultTables(t)
	e, outs := tabs.Process(Entry{State: FileReady}, []Message{
		msg(CodeListCargoWise, "CEN", 0),
		msg(CodeListCargoWise, "CCC", 1),
		msg(CodeListCBPDisposition, "1H", 2),
		msg(CodeListCargoWise, "CLR", 3),
	})
	wantStates := []State{FileReady, Submitted, OnHold, OnHold}
	for i, o := range outs {
		if o.Review != "" || o.Duplicate {
			t.Fatalf("outcome %d: review %q duplicate %v (%s)", i, o.Review, o.Duplicate, o.Reason)
		}
		if o.Entry.State != wantStates[i] {
			t.Errorf("outcome %d: state %s, want %s", i, o.Entry.State, wantStates[i])
		}
	}
	if e.State != OnHold || !e.ReleaseAuthorized {
		t.Fatalf("after batch 1: state %s authorized %v, want ON_HOLD true", e.State, e.ReleaseAuthorized)
	}
	wantHold := Hold{Agency: "CBP", Type: "1H", Ref: "ABC-1234567-8"}
	if !reflect.DeepEqual(e.Holds, []Hold{wantHold}) {
		t.Fatalf("holds %+v, want [%+v]", e.Holds, wantHold)
	}

	e, outs = tabs.Process(e, []Message{msg(CodeListCBPDisposition, "1I", 60)})
	if len(outs) != 1 || outs[0].Review != "" {
		t.Fatalf("batch 2 outcomes %+v", outs)
	}
	if e.State != Released || len(e.Holds) != 0 {
		t.Fatalf("after 1I: state %s holds %v, want RELEASED and none", e.State, e.Holds)
	}
	if len(e.Seen) != 5 {
		t.Errorf("seen %d keys, want 5", len(e.Seen))
	}
}

// TestProcessUnmapped checks an unknown code opens an unmapped_status review
// and leaves the state unchanged.
func TestProcessUnmapped(t *testing.T) {
	tabs := MustDefaultTables(t)
	for _, m := range []Message{
		msg(CodeListCargoWise, "HLD", 0),
		msg(CodeListCBPDisposition, "9Z", 0),
		msg("partner:nobody", "X", 0),
	} {
		e, outs := tabs.Process(Entry{State: Accepted}, []Message{m})
		if outs[0].Review != ReviewUnmappedStatus {
			t.Errorf("%s %s: review %q, want %q", m.CodeList, m.Code, outs[0].Review, ReviewUnmappedStatus)
		}
		if e.State != Accepted {
			t.Errorf("%s %s: state %s, want ACCEPTED", m.CodeList, m.Code, e.State)
		}
	}
}

// TestProcessDuplicate checks the same message twice, in one batch or a
// later one, is reported as a duplicate and changes nothing.
func TestProcessDuplicate(t *testing.T) {
	tabs := MustDefaultTables(t)
	hold := msg(CodeListCBPDisposition, "1H", 0)
	lift := msg(CodeListCBPDisposition, "1I", 1)
	hold2 := msg(CodeListCBPDisposition, "1H", 2) // a new hold, later
	e, outs := tabs.Process(Entry{State: Accepted}, []Message{hold, lift, hold})
	// outcomes come in time order: 1H, 1H again, 1I
	if outs[0].Duplicate || !outs[1].Duplicate || outs[2].Duplicate {
		t.Fatalf("duplicate flags %v %v %v, want false true false", outs[0].Duplicate, outs[1].Duplicate, outs[2].Duplicate)
	}
	if outs[1].Message != hold || outs[1].Entry.State != OnHold || len(outs[1].Entry.Holds) != 1 {
		t.Fatalf("duplicate outcome %+v", outs[1])
	}
	if e.State != Accepted {
		t.Fatalf("state %s, want ACCEPTED (the repeated 1H must not hold again)", e.State)
	}
	// redelivered in a later batch, with the code in lower case
	again := lift
	again.Code = "1i"
	e2, outs := tabs.Process(e, []Message{again})
	if !outs[0].Duplicate {
		t.Fatalf("later batch: duplicate false, want true")
	}
	assertEntry(t, e2, e)
	// a genuinely new message with the same code is not a duplicate
	e3, outs := tabs.Process(e, []Message{hold2})
	if outs[0].Duplicate || e3.State != OnHold {
		t.Fatalf("new 1H: duplicate %v state %s, want false ON_HOLD", outs[0].Duplicate, e3.State)
	}
}

// TestProcessOutOfOrder checks messages are applied by At, not arrival.
func TestProcessOutOfOrder(t *testing.T) {
	tabs := MustDefaultTables(t)
	e, outs := tabs.Process(Entry{State: FileReady}, []Message{
		msg(CodeListCBPDisposition, "1I", 30),
		msg(CodeListCargoWise, "CLR", 20),
		msg(CodeListCargoWise, "CCC", 0),
		msg(CodeListCBPDisposition, "1H", 10),
	})
	var codes []string
	for _, o := range outs {
		if o.Review != "" {
			t.Fatalf("review %q: %s", o.Review, o.Reason)
		}
	}
	for _, k := range e.Seen {
		codes = append(codes, k.Code)
	}
	if got := strings.Join(codes, ","); got != "CCC,1H,CLR,1I" {
		t.Errorf("applied order %s, want CCC,1H,CLR,1I", got)
	}
	if e.State != Released {
		t.Errorf("state %s, want RELEASED", e.State)
	}
}

// TestProcessBackward checks a backward move opens a review and changes nothing.
func TestProcessBackward(t *testing.T) {
	tabs := MustDefaultTables(t)
	e, outs := tabs.Process(Entry{State: Released, ReleaseAuthorized: true}, []Message{msg(CodeListCargoWise, "CCC", 0)})
	if outs[0].Review != ReviewBackwardTransition {
		t.Fatalf("review %q, want %q", outs[0].Review, ReviewBackwardTransition)
	}
	if e.State != Released || !strings.Contains(outs[0].Reason, "CCC") {
		t.Fatalf("state %s reason %q", e.State, outs[0].Reason)
	}
}

// TestProcessCancellation checks CBP 23 cancels and 24 returns to the
// previous state, and 1R only warns.
func TestProcessCancellation(t *testing.T) {
	tabs := MustDefaultTables(t)
	start := Entry{State: OnHold, Holds: []Hold{cbpHold}}
	e, outs := tabs.Process(start, []Message{
		msg(CodeListCBPDisposition, "1R", 0),
		msg(CodeListCBPDisposition, "23", 1),
	})
	if outs[0].Review != ReviewGOWarning || outs[0].Entry.State != OnHold {
		t.Fatalf("1R: review %q state %s, want go_warning ON_HOLD", outs[0].Review, outs[0].Entry.State)
	}
	if e.State != Cancelled || e.PrevState != OnHold {
		t.Fatalf("23: state %s prev %s", e.State, e.PrevState)
	}
	e, _ = tabs.Process(e, []Message{msg(CodeListCBPDisposition, "24", 2)})
	if e.State != OnHold || e.PrevState != "" || len(e.Holds) != 1 {
		t.Fatalf("24: %+v, want ON_HOLD with its hold", e)
	}
}

// TestDefaultTables pins a few mappings of the embedded tables.
func TestDefaultTables(t *testing.T) {
	tabs := MustDefaultTables(t)
	tests := []struct {
		list, code string
		events     []Event
		agency     string
	}{
		{CodeListCBPDisposition, "1B", []Event{ExamDone, ReleaseAuth}, "CBP"},
		{CodeListCBPDisposition, "2H", []Event{HoldAdded}, "USDA"},
		{CodeListCBPDisposition, "3I", []Event{HoldRemoved}, "OTHER"},
		{CodeListCBPDisposition, "1r", []Event{GOWarning}, "CBP"},
		{CodeListCBPDisposition, "23", []Event{EventCancelled}, "CBP"},
		{CodeListCBPDisposition, "24", []Event{CancelReversed}, "CBP"},
		{CodeListCargoWise, "CEN", []Event{EntryNumberAssigned}, ""},
		{CodeListCargoWise, "CLR", []Event{ReleaseAuth}, ""},
	}
	for _, tt := range tests {
		evs, agency, ok := tabs.Events(tt.list, tt.code)
		if !ok || !reflect.DeepEqual(evs, tt.events) || agency != tt.agency {
			t.Errorf("%s %s: got %v %q %v, want %v %q", tt.list, tt.code, evs, agency, ok, tt.events, tt.agency)
		}
	}
	if _, _, ok := tabs.Events(CodeListCargoWise, "CES"); ok {
		t.Errorf("CES mapped, want no fixed mapping")
	}
}

// TestTablesLoad checks partner tables load, replace and reject bad input.
func TestTablesLoad(t *testing.T) {
	tabs := MustDefaultTables(t)
	list := PartnerCodeList("acme")
	if err := tabs.Load(list, []byte("codes:\n  - {code: HLD, events: [hold_added], agency: CBP}\n  - {code: REL, events: [RELEASE_AUTH]}\n")); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if evs, agency, ok := tabs.Events(list, "hld"); !ok || agency != "CBP" || !reflect.DeepEqual(evs, []Event{HoldAdded}) {
		t.Fatalf("HLD: got %v %q %v", evs, agency, ok)
	}
	if err := tabs.Load(list, []byte("codes:\n  - {code: DCR, events: [CANCELLED]}\n")); err != nil {
		t.Fatalf("Load replace: %v", err)
	}
	if _, _, ok := tabs.Events(list, "HLD"); ok {
		t.Errorf("HLD still mapped after replacing the table")
	}
	e, _ := tabs.Process(Entry{State: Accepted}, []Message{{Source: "acme", CodeList: list, Code: "DCR", At: t0}})
	if e.State != Cancelled {
		t.Errorf("partner DCR: state %s, want CANCELLED", e.State)
	}

	bad := map[string]string{
		"unknown event":  "codes:\n  - {code: X, events: [NOPE]}\n",
		"no events":      "codes:\n  - {code: X}\n",
		"empty code":     "codes:\n  - {code: '', events: [INFO]}\n",
		"duplicate code": "codes:\n  - {code: X, events: [INFO]}\n  - {code: x, events: [INFO]}\n",
		"unknown field":  "codes:\n  - {code: X, event: [INFO]}\n",
		"not yaml":       "codes: [",
	}
	for name, y := range bad {
		if err := tabs.Load(list, []byte(y)); err == nil || !strings.Contains(err.Error(), list) {
			t.Errorf("%s: err %v, want an error naming %q", name, err, list)
		}
	}
	var zero Tables
	if err := zero.Load("partner:z", []byte("codes: []\n")); err != nil {
		t.Errorf("zero Tables Load: %v", err)
	}
}
