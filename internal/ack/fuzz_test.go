package ack_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clearway/clearway/internal/ack"
	"github.com/clearway/clearway/internal/x12"
)

// FuzzBuild builds a 997 or 999 and a TA1 for every interchange the
// tokenizer reads from mutated fixtures, with problems on every set: Build
// and TA1 must not panic, must refuse exactly the interchanges Needed
// refuses, and what they write must read back as one interchange without
// envelope faults that acknowledges every set.
func FuzzBuild(f *testing.F) {
	paths, err := filepath.Glob("testdata/*.edi")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, p := range paths {
		data := MustReadFile(f, p)
		f.Add(data, false)
		f.Add(data, true)
	}
	// Unusual delimiters: LF and space terminators, control characters.
	star := MustReadFile(f, "testdata/856-star-4010.edi")
	pipe := MustReadFile(f, "testdata/350-pipe-caret-5010.edi")
	for _, seed := range [][]byte{
		bytes.ReplaceAll(star, []byte("~"), []byte("\n")),
		bytes.ReplaceAll(star, []byte("~"), []byte(" ")),
		bytes.ReplaceAll(star, []byte("~"), []byte("\r\n")),
		bytes.ReplaceAll(bytes.ReplaceAll(pipe, []byte("|"), []byte("\x1d")), []byte("~\n"), []byte("\x1c")),
		bytes.ReplaceAll(pipe, []byte("^~"), []byte(" ~")),
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, is999 bool) {
		ics, err := x12.Validate(bytes.NewReader(data), nil)
		if err != nil {
			return
		}
		kind := ack.Kind997
		if is999 {
			kind = ack.Kind999
		}
		for i, ic := range ics {
			opt := ack.Options{Kind: kind, InterchangeControl: int64(i + 1), GroupControl: 999_999_990, Now: now, LineBreak: ack.LineBreakOf(data, ic)}
			wantAck, _ := ack.Needed(ic)
			out, err := ack.Build(ic, fuzzProblems(ic, data), opt)
			switch {
			case !wantAck:
				if !errors.Is(err, ack.ErrNoAck) {
					t.Fatalf("interchange %d: Build got %v, want ErrNoAck", i, err)
				}
			case err != nil:
				checkErrorLine(t, err)
			default:
				checkFuzzAck(t, ic, kind, out)
			}

			out, err = ack.TA1(ic, opt)
			switch {
			case (len(ic.Groups) > 0 || len(ic.TechnicalAcks) > 0) && !wantAck:
				if !errors.Is(err, ack.ErrNoAck) {
					t.Fatalf("interchange %d: TA1 got %v, want ErrNoAck", i, err)
				}
			case err != nil:
				checkErrorLine(t, err)
			default:
				a := MustParseAck(t, out)
				if len(a.ic.TechnicalAcks) != 1 || len(a.ic.Groups) != 0 {
					t.Fatalf("TA1 interchange holds %d TA1s and %d groups, want 1 and 0:\n%q", len(a.ic.TechnicalAcks), len(a.ic.Groups), out)
				}
				if ta := a.ic.TechnicalAcks[0]; (ta.AckCode == "A") != (ta.NoteCode == "000") || len(ta.NoteCode) != 3 {
					t.Fatalf("TA104/105 %s %s disagree", ta.AckCode, ta.NoteCode)
				}
			}
		}
	})
}

// fuzzProblems puts an element problem on each set's second segment, with a
// value cut from the input, a segment-level one on its last, and one outside
// it.
func fuzzProblems(ic *x12.Interchange, data []byte) map[int][]ack.SetProblem {
	problems := map[int][]ack.SetProblem{}
	for _, g := range ic.Groups {
		for _, ts := range g.Sets {
			value := string(data[min(ts.StartIndex, len(data)):min(ts.StartIndex+120, len(data))])
			problems[ts.StartIndex] = []ack.SetProblem{
				{SegmentIndex: ts.StartIndex + 1, SegmentID: "N1", LoopID: "N1", Element: 2, Component: ts.StartIndex % 3, Code: "7", Value: value},
				{SegmentIndex: ts.StartIndex + ts.SegmentCount - 1, SegmentID: "SE", Code: "2"},
				{SegmentIndex: ts.StartIndex + ts.SegmentCount, SegmentID: "GE", Code: "3"},
			}
		}
	}
	return problems
}

// checkFuzzAck asserts that out acknowledges every set of every group of ic
// but the FA groups, and rejects them all (each has a problem).
func checkFuzzAck(t *testing.T, ic *x12.Interchange, kind ack.Kind, out []byte) {
	t.Helper()
	a := MustParseAck(t, out)
	if got, want := len(a.ic.Groups), ack.GroupCount(ic, kind); got != want {
		t.Fatalf("got %d groups, GroupCount says %d", got, want)
	}
	if a.ic.ReceiverID != ic.SenderID || a.ic.ReceiverQual != ic.SenderQual {
		t.Fatalf("ISA08 %s/%s, want the inbound sender %s/%s", a.ic.ReceiverQual, a.ic.ReceiverID, ic.SenderQual, ic.SenderID)
	}
	groups, sets := 0, 0
	for _, g := range ic.Groups {
		if g.FunctionalID != "FA" {
			groups++
			sets += len(g.Sets)
		}
	}
	ak5 := "AK5"
	if kind == ack.Kind999 {
		ak5 = "IK5"
	}
	verdicts := a.values(ak5)
	if got := len(a.values("AK2")); got != sets || len(verdicts) != sets {
		t.Fatalf("got %d AK2 and %d %s, want %d sets", got, len(verdicts), ak5, sets)
	}
	for _, v := range verdicts {
		if !strings.HasPrefix(v, "R*") {
			t.Fatalf("%s %s: want R, every set has a problem", ak5, v)
		}
	}
	if got := len(a.values("AK9")); got != groups {
		t.Fatalf("got %d AK9, want %d groups", got, groups)
	}
	for _, v := range a.values("AK9") {
		if !strings.HasPrefix(v, "R*") {
			t.Fatalf("AK9 %s: want R, every set is rejected", v)
		}
	}
}

func checkErrorLine(t *testing.T, err error) {
	t.Helper()
	if msg := err.Error(); msg == "" || strings.Contains(msg, "\n") {
		t.Fatalf("got error %q, want one non-empty line", msg)
	}
}
