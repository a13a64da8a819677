package lifecycle

import (
	"slices"
	"testing"
)

// TestManualReachesTarget checks a manual event reaches its target state
// from any history, whatever facts came before.
func TestManualReachesTarget(t *testing.T) {
	ax := Message{Source: "ace", CodeList: CodeListACESummary, Code: "A", At: at(4), Ref: entryA}
	histories := map[string][]Message{
		"nothing":            nil,
		"held and examined":  {cw("CCC", 0), x350("1H", 1), pgaMsg("02", "FDA", 2), x350("1A", 3)},
		"summary filed":      {withEntry(cw("CCC", 0), entryA), x350("1C", 1), ax},
		"rejected":           {cw("CCC", 0), cw("DCR", 1)},
		"seized":             {cw("CCC", 0), x350("1T", 1)},
		"cancelled":          {cw("CCC", 0), x350("23", 1)},
		"partially released": {cw("CCC", 0), func() Message { m := x350("1C", 1); m.ReleasedQty, m.Quantity = "1", "2"; return m }()},
	}
	tabs := MustDefaultTables(t)
	for target := range manualEvents {
		for name, h := range histories {
			msgs := append(slices.Clone(h), withEntry(manualMsg(target, 100), entryA))
			r := tabs.Derive(Readiness{State: DocsIncomplete}, msgs)
			e := onlyEntry(t, r)
			if e.State != target {
				t.Errorf("%s after %s: state %s, want %s", target, name, e.State, target)
			}
			if target == Released && (len(e.Holds) != 0 || len(e.Exams) != 0 || e.Label() != "RELEASED") {
				t.Errorf("RELEASED after %s: %+v, want no holds, no exams, a full release", name, e)
			}
		}
	}
}

// TestManualResubmission checks a manual SUBMITTED after a rejection counts
// a resubmission, as a new CCC would.
func TestManualResubmission(t *testing.T) {
	tabs := MustDefaultTables(t)
	r := tabs.Derive(everReady, []Message{cw("CCC", 0), cw("DCR", 1), manualMsg(Submitted, 2)})
	if e := onlyEntry(t, r); e.State != Submitted || e.Resubmissions != 1 {
		t.Errorf("entry %+v, want SUBMITTED with 1 resubmission", e)
	}
}

// TestOverallRank checks the overall state is the least advanced entry's,
// with cancelled entries counting only when all are and exceptions first.
func TestOverallRank(t *testing.T) {
	partial := EntryStatus{EntryNumber: "P", State: Released, Release: &Release{Partial: true, Quantity: "1", Of: "2"}}
	full := EntryStatus{EntryNumber: "F", State: Released, Release: &Release{}}
	tests := []struct {
		name    string
		entries []EntryStatus
		want    string
	}{
		{"cancelled beside live", []EntryStatus{{State: Cancelled}, {State: Released}}, "RELEASED"},
		{"all cancelled", []EntryStatus{{State: Cancelled}, {State: Cancelled}}, "CANCELLED"},
		{"seizure is not hidden", []EntryStatus{{State: Released}, {State: Seized}, {State: OnHold}}, "SEIZED"},
		{"hold before release", []EntryStatus{{State: Released}, {State: OnHold}}, "ON_HOLD"},
		{"rejected before submitted", []EntryStatus{{State: Submitted}, {State: Rejected}}, "REJECTED"},
		{"partial below full", []EntryStatus{full, partial}, "RELEASED (partial: 1 of 2)"},
		{"exam below release", []EntryStatus{partial, {State: UnderExam}}, "EXAM"},
		{"summary above release", []EntryStatus{{State: SummaryFiled}, full}, "RELEASED"},
	}
	for _, tt := range tests {
		e, _ := leastAdvanced(tt.entries)
		if got := (Result{Entries: tt.entries}).Label(); got != tt.want || e.Label() != tt.want {
			t.Errorf("%s: label %q, want %q", tt.name, got, tt.want)
		}
	}
}
