package replay

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/validate"
)

func TestDiff(t *testing.T) {
	got := Diff(map[string]string{"a": "1", "b": "2", "c": "3"}, map[string]string{"a": "1", "b": "20", "d": "4"})
	want := []FieldChange{{"b", "2", "20"}, {"c", "3", ""}, {"d", "", "4"}}
	if len(got) != len(want) {
		t.Fatalf("%v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: %v, want %v", i, got[i], want[i])
		}
	}
	if d := Diff(map[string]string{"a": "1"}, map[string]string{"a": "1"}); d != nil {
		t.Errorf("same fields: %v", d)
	}
}

func TestCompareFindings(t *testing.T) {
	hs := validate.Finding{Rule: "HS_INVALID", Field: "hs_code", Line: 2, Message: "bad 1234"}
	hsAgain := hs
	hsAgain.Message = "bad 5678" // the same finding naming another value
	origin := validate.Finding{Rule: "ORIGIN_INVALID", Field: "origin_country", Line: 1}
	c, moved := Compare("CW-1", "DOCS_INCOMPLETE", "DOCS_INCOMPLETE", []validate.Finding{hs, origin}, []validate.Finding{hsAgain})
	if !moved || len(c.Cleared) != 1 || c.Cleared[0].Rule != "ORIGIN_INVALID" || len(c.Appeared) != 0 {
		t.Errorf("%+v", c)
	}
	if _, moved := Compare("CW-1", "READY", "READY", []validate.Finding{hs}, []validate.Finding{hsAgain}); moved {
		t.Error("a reworded finding is no change")
	}
	if c, moved := Compare("CW-1", "", "PLANNED", nil, nil); !moved || c.StateBefore != "" {
		t.Error("a new shipment is a change")
	}
}

func TestCollectorCountsBeyondTheList(t *testing.T) {
	f := &File{StateBefore: "done", StateAfter: "done"}
	c := &Collector{File: f, Max: 2}
	for range 5 {
		c.Add(LineChange{Op: Changed, Held: true})
	}
	c.Add(LineChange{Op: Kept})
	if len(f.Lines) != 2 || f.MoreLines != 4 || f.Counts.Changed != 5 || f.Counts.Held != 5 || f.Counts.Kept != 1 {
		t.Errorf("%+v %d listed", f.Counts, len(f.Lines))
	}
	f.Settle()
	if f.Outcome != Changes || !f.Changes() {
		t.Errorf("outcome %s", f.Outcome)
	}
}

func TestSettle(t *testing.T) {
	for _, c := range []struct {
		before, after string
		lines         int
		want          Outcome
	}{
		{"rejected", "done", 2, NewlyAccepted},
		{"done", "rejected", 0, NowRejected},
		{"rejected", "rejected", 0, StillRejected},
		{"done", "done", 1, Changes},
		{"done", "done", 0, Unchanged},
	} {
		f := &File{StateBefore: c.before, StateAfter: c.after, Counts: Counts{Added: c.lines}}
		f.Settle()
		if f.Outcome != c.want {
			t.Errorf("%s → %s with %d lines: %s, want %s", c.before, c.after, c.lines, f.Outcome, c.want)
		}
	}
}

func TestWriteText(t *testing.T) {
	f := &File{ID: 3, Partner: "acme", Name: "inbox/INV-3.csv", ReceivedAt: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC),
		Mapping: "inv", MappingBefore: "aaaaaaaaaaaaaaaa", MappingAfter: "bbbbbbbbbbbbbbbb", StateBefore: "done", StateAfter: "done",
		Lines: []LineChange{{Op: Changed, Kind: "invoice_line", Key: "acme|INV-3|1", Shipment: "CW-000001", Fields: []FieldChange{{"origin_country", "", "CN"}}}}}
	f.Counts.Changed = 1
	f.Settle()
	var b bytes.Buffer
	WriteText(&b, f)
	for _, want := range []string{"file 3  acme  /inbox/INV-3.csv  (received 2026-03-02 08:00)", "changed · mapping inv aaaaaaaaaaaa → bbbbbbbbbbbb",
		"~ invoice_line acme|INV-3|1 (CW-000001)", "origin_country: (none) → CN"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
}
