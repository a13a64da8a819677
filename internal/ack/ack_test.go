package ack_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/ack"
	"github.com/clearway/clearway/internal/testutil"
	"github.com/clearway/clearway/internal/x12"
)

// now is the clock of every acknowledgement built here.
var now = time.Date(2026, 3, 21, 9, 5, 0, 0, time.UTC)

func MustReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// MustValidate reads an X12 file with the tokenizer.
func MustValidate(tb testing.TB, data []byte) []*x12.Interchange {
	tb.Helper()
	ics, err := x12.Validate(bytes.NewReader(data), nil)
	if err != nil {
		tb.Fatalf("validate: %v", err)
	}
	return ics
}

// MustFixture reads testdata/name.edi and returns it with its only
// interchange.
func MustFixture(tb testing.TB, name string) ([]byte, *x12.Interchange) {
	tb.Helper()
	data := MustReadFile(tb, filepath.Join("testdata", name+".edi"))
	ics := MustValidate(tb, data)
	if len(ics) != 1 {
		tb.Fatalf("%s: got %d interchanges, want 1", name, len(ics))
	}
	return data, ics[0]
}

// checkGolden compares got with testdata/name, rewriting it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	testutil.CheckGolden(t, filepath.Join("testdata", name), got)
}

// parsedAck is an acknowledgement read back with the tokenizer.
type parsedAck struct {
	ic   *x12.Interchange
	segs []*x12.Segment // every segment from ST to SE, in order
}

// MustParseAck reads an acknowledgement back and fails unless it is one
// interchange without any envelope fault.
func MustParseAck(tb testing.TB, data []byte) *parsedAck {
	tb.Helper()
	a := &parsedAck{}
	ics, err := x12.Validate(bytes.NewReader(data), func(_ *x12.Interchange, _ *x12.Group, _ *x12.TransactionSet, seg *x12.Segment) error {
		a.segs = append(a.segs, seg.Clone())
		return nil
	})
	if err != nil {
		tb.Fatalf("read back acknowledgement: %v\n%s", err, data)
	}
	if len(ics) != 1 {
		tb.Fatalf("got %d interchanges, want 1:\n%s", len(ics), data)
	}
	if errs := envelopeErrors(ics[0]); len(errs) > 0 {
		tb.Fatalf("acknowledgement has envelope errors %v:\n%s", errs, data)
	}
	a.ic = ics[0]
	return a
}

// envelopeErrors returns every fault at every level of ic.
func envelopeErrors(ic *x12.Interchange) []*x12.EnvelopeError {
	errs := slices.Clone(ic.Errors)
	for _, g := range ic.Groups {
		errs = append(errs, g.Errors...)
		for _, ts := range g.Sets {
			errs = append(errs, ts.Errors...)
		}
	}
	return errs
}

// values renders each segment with the given id as its elements joined by
// "*", whatever the delimiters: "R*4".
func (a *parsedAck) values(id string) []string {
	var out []string
	for _, s := range a.segs {
		if s.ID == id {
			els := make([]string, len(s.Elements))
			for i, e := range s.Elements {
				els[i] = string(e)
			}
			out = append(out, strings.Join(els, "*"))
		}
	}
	return out
}

// badCodeProblems locates the X4 whose X4.07 is "ZZ" the way the caller
// turns a mapping.InputError (Pos.Segment, Pos.Element "X4.07") into a
// SetProblem.
func badCodeProblems(tb testing.TB, data []byte) map[int][]ack.SetProblem {
	tb.Helper()
	segment := 0
	ics, err := x12.Validate(bytes.NewReader(data), func(_ *x12.Interchange, _ *x12.Group, _ *x12.TransactionSet, seg *x12.Segment) error {
		if seg.ID == "X4" && string(seg.Element(7)) == "ZZ" {
			segment = seg.Index
		}
		return nil
	})
	if err != nil || segment == 0 {
		tb.Fatalf("no X4 with code ZZ (err %v)", err)
	}
	id, el, comp, ok := ack.ParseElementRef("X4.07")
	if !ok {
		tb.Fatal("ParseElementRef(X4.07) failed")
	}
	start, ok := ack.SetOf(ics, segment)
	if !ok {
		tb.Fatalf("SetOf(%d) found no set", segment)
	}
	return map[int][]ack.SetProblem{start: {{
		SegmentIndex: segment, SegmentID: id, LoopID: "X4", Element: el, Component: comp, Code: "7", Value: "ZZ",
	}}}
}

func TestBuild(t *testing.T) {
	tests := []struct {
		fixture  string
		kind     ack.Kind
		problems bool // report X4.07 "ZZ" as an invalid code value
		wantAK5  []string
		wantAK9  string
		wantAK3  []string
		wantAK4  []string
	}{
		{fixture: "350-pipe-caret-5010", kind: ack.Kind997, wantAK5: []string{"A", "A"}, wantAK9: "A*2*2*2"},
		{fixture: "350-pipe-caret-5010", kind: ack.Kind999, wantAK5: []string{"A", "A"}, wantAK9: "A*2*2*2"},
		{fixture: "856-star-4010", kind: ack.Kind997, wantAK5: []string{"A"}, wantAK9: "A*1*1*1"},
		{fixture: "856-star-4010", kind: ack.Kind999, wantAK5: []string{"A"}, wantAK9: "A*1*1*1"},
		{fixture: "856-bad-se-count", kind: ack.Kind997, wantAK5: []string{"R*4", "A"}, wantAK9: "P*2*2*1"},
		{fixture: "350-ta1-requested", kind: ack.Kind997, wantAK5: []string{"A", "A"}, wantAK9: "A*2*2*2"},
		{fixture: "350-bad-envelope", kind: ack.Kind997, wantAK5: []string{"A", "A"}, wantAK9: "R*2*2*2*4"},
		{fixture: "350-bad-x4-code", kind: ack.Kind997, problems: true, wantAK5: []string{"R*5", "A"}, wantAK9: "P*2*2*1",
			wantAK3: []string{"X4*6*X4*8"}, wantAK4: []string{"7**7*ZZ"}},
		{fixture: "350-bad-x4-code", kind: ack.Kind999, problems: true, wantAK5: []string{"R*5", "A"}, wantAK9: "P*2*2*1",
			wantAK3: []string{"X4*6*X4*8"}, wantAK4: []string{"7**7*ZZ"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+"/"+string(tt.kind), func(t *testing.T) {
			data, in := MustFixture(t, tt.fixture)
			var problems map[int][]ack.SetProblem
			if tt.problems {
				problems = badCodeProblems(t, data)
			}
			opt := ack.Options{Kind: tt.kind, InterchangeControl: 4711, GroupControl: 815, Now: now, LineBreak: ack.LineBreakOf(data, in)}
			if got := ack.GroupCount(in, tt.kind); got != 1 {
				t.Errorf("GroupCount: got %d, want 1", got)
			}
			out, err := ack.Build(in, problems, opt)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.fixture+"."+string(tt.kind)+".golden.edi", out)

			a := MustParseAck(t, out)
			checkEnvelope(t, in, a.ic, opt)
			if len(a.ic.Groups) != 1 || len(a.ic.Groups[0].Sets) != 1 {
				t.Fatalf("got %d groups, want 1 with 1 set", len(a.ic.Groups))
			}
			g, ig := a.ic.Groups[0], in.Groups[0]
			if g.FunctionalID != "FA" || g.Control != "815" || g.Sender != ig.Receiver || g.Receiver != ig.Sender {
				t.Errorf("GS: got %s %s from %s to %s, want FA 815 from %s to %s", g.FunctionalID, g.Control, g.Sender, g.Receiver, ig.Receiver, ig.Sender)
			}
			if g.Date != "20260321" || g.Time != "0905" {
				t.Errorf("GS04/05: got %s %s, want 20260321 0905", g.Date, g.Time)
			}
			wantVersion, ak5, ak3, ak4 := ig.Version, "AK5", "AK3", "AK4"
			wantAK1 := ig.FunctionalID + "*" + ig.Control
			if tt.kind == ack.Kind999 {
				wantVersion, ak5, ak3, ak4 = "005010X231A1", "IK5", "IK3", "IK4"
				wantAK1 += "*" + ig.Version
			}
			if g.Version != wantVersion {
				t.Errorf("GS08: got %s, want %s", g.Version, wantVersion)
			}
			if ts := g.Sets[0]; ts.ID != string(tt.kind) || ts.Control != "0001" {
				t.Errorf("ST: got %s %s, want %s 0001", ts.ID, ts.Control, tt.kind)
			}
			if got := a.values("AK1"); !slices.Equal(got, []string{wantAK1}) {
				t.Errorf("AK1: got %q, want %q", got, wantAK1)
			}
			var wantAK2 []string
			for _, ts := range ig.Sets {
				wantAK2 = append(wantAK2, ts.ID+"*"+ts.Control)
			}
			if got := a.values("AK2"); !slices.Equal(got, wantAK2) {
				t.Errorf("AK2: got %q, want %q", got, wantAK2)
			}
			if got := a.values(ak5); !slices.Equal(got, tt.wantAK5) {
				t.Errorf("%s: got %q, want %q", ak5, got, tt.wantAK5)
			}
			if got := a.values("AK9"); !slices.Equal(got, []string{tt.wantAK9}) {
				t.Errorf("AK9: got %q, want %q", got, tt.wantAK9)
			}
			if got := a.values(ak3); !slices.Equal(got, tt.wantAK3) {
				t.Errorf("%s: got %q, want %q", ak3, got, tt.wantAK3)
			}
			if got := a.values(ak4); !slices.Equal(got, tt.wantAK4) {
				t.Errorf("%s: got %q, want %q", ak4, got, tt.wantAK4)
			}
			if tt.kind == ack.Kind997 && (len(a.values("IK5")) > 0 || len(a.values("IK3")) > 0) {
				t.Error("997 carries IK segments")
			}
			if lb := opt.LineBreak; !bytes.HasSuffix(out, []byte("IEA"+string(in.Delimiters.Element)+"1"+string(in.Delimiters.Element)+"000004711~"+lb)) {
				t.Errorf("output does not end with IEA, the terminator and %q:\n%s", lb, out)
			}
		})
	}
}

// checkEnvelope asserts the ISA of the acknowledgement got of in.
func checkEnvelope(t *testing.T, in, got *x12.Interchange, opt ack.Options) {
	t.Helper()
	if got.SenderQual != in.ReceiverQual || got.SenderID != in.ReceiverID || got.ReceiverQual != in.SenderQual || got.ReceiverID != in.SenderID {
		t.Errorf("ISA: got from %s/%s to %s/%s, want from %s/%s to %s/%s", got.SenderQual, got.SenderID, got.ReceiverQual, got.ReceiverID,
			in.ReceiverQual, in.ReceiverID, in.SenderQual, in.SenderID)
	}
	if want := fmt.Sprintf("%09d", opt.InterchangeControl); got.Control != want {
		t.Errorf("ISA13: got %s, want %s", got.Control, want)
	}
	if got.Date != "260321" || got.Time != "0905" || got.AckRequested || got.Usage != in.Usage {
		t.Errorf("ISA09/10/14/15: got %s %s %v %s, want 260321 0905 false %s", got.Date, got.Time, got.AckRequested, got.Usage, in.Usage)
	}
	d, w := got.Delimiters, in.Delimiters
	if d.Element != w.Element || d.Component != w.Component || d.Segment != w.Segment {
		t.Errorf("delimiters: got %v, want the inbound's %v", d, w)
	}
	wantVersion := in.Version
	if opt.Kind == ack.Kind999 {
		wantVersion = "00501"
	}
	if got.Version != wantVersion {
		t.Errorf("ISA12: got %s, want %s", got.Version, wantVersion)
	}
	if got.Version >= "00403" && d.Repetition == 0 {
		t.Errorf("ISA11: no repetition separator at version %s", got.Version)
	}
}

func TestTA1(t *testing.T) {
	tests := []struct {
		fixture string
		want    string // TA104*TA105
	}{
		{"350-ta1-requested", "A*000"},
		{"350-bad-envelope", "R*001"},
		{"856-star-4010", "A*000"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			data, in := MustFixture(t, tt.fixture)
			opt := ack.Options{InterchangeControl: 99, Now: now, LineBreak: ack.LineBreakOf(data, in)}
			out, err := ack.TA1(in, opt)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.fixture+".ta1.golden.edi", out)
			a := MustParseAck(t, out)
			checkEnvelope(t, in, a.ic, opt)
			if len(a.ic.Groups) != 0 || len(a.ic.TechnicalAcks) != 1 {
				t.Fatalf("got %d groups and %d TA1s, want 0 and 1", len(a.ic.Groups), len(a.ic.TechnicalAcks))
			}
			ta := a.ic.TechnicalAcks[0]
			if ta.Control != in.Control || ta.Date != in.Date || ta.Time != in.Time {
				t.Errorf("TA101-103: got %s %s %s, want %s %s %s", ta.Control, ta.Date, ta.Time, in.Control, in.Date, in.Time)
			}
			if got := ta.AckCode + "*" + ta.NoteCode; got != tt.want {
				t.Errorf("TA104*TA105: got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestTA1BadDelimiters answers an interchange whose ISA declares an
// alphanumeric segment terminator: the tokenizer stops there, and the TA1
// goes out with default delimiters.
func TestTA1BadDelimiters(t *testing.T) {
	data := []byte("ISA*00*          *00*          *ZZ*PARTNER        *ZZ*CLEARWAY       *260321*0820*U*00401*000000042*0*P*>AGS*SH*X~")
	ics := MustValidate(t, data)
	if len(ics) != 1 {
		t.Fatalf("got %d interchanges, want 1", len(ics))
	}
	if ackWanted, ta1 := ack.Needed(ics[0]); ackWanted || !ta1 {
		t.Errorf("Needed: got %v %v, want false true", ackWanted, ta1)
	}
	out, err := ack.TA1(ics[0], ack.Options{InterchangeControl: 7, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	a := MustParseAck(t, out)
	if d := a.ic.Delimiters; d.Element != '*' || d.Component != ':' || d.Segment != '~' {
		t.Errorf("delimiters: got %v, want * : ~", d)
	}
	if ta := a.ic.TechnicalAcks; len(ta) != 1 || ta[0].AckCode != "R" || ta[0].NoteCode != "004" || ta[0].Control != "000000042" {
		t.Errorf("TA1: got %+v, want R 004 for 000000042", ta)
	}
	if a.ic.ReceiverID != "PARTNER" || a.ic.SenderID != "CLEARWAY" {
		t.Errorf("ISA: got from %s to %s, want from CLEARWAY to PARTNER", a.ic.SenderID, a.ic.ReceiverID)
	}
}

func TestNeeded(t *testing.T) {
	tests := []struct {
		fixture  string
		ack, ta1 bool
	}{
		{"350-pipe-caret-5010", true, false},
		{"856-star-4010", true, false},
		{"856-bad-se-count", true, false}, // set-level faults go in the 997, not a TA1
		{"350-ta1-requested", true, true},
		{"350-bad-envelope", true, true}, // IEA02 mismatch: TA1 001
		{"997-inbound", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			_, in := MustFixture(t, tt.fixture)
			if a, ta1 := ack.Needed(in); a != tt.ack || ta1 != tt.ta1 {
				t.Errorf("got %v %v, want %v %v", a, ta1, tt.ack, tt.ta1)
			}
		})
	}
	t.Run("AckRequestedOn997", func(t *testing.T) {
		data := bytes.Replace(MustReadFile(t, "testdata/997-inbound.edi"), []byte("*000000777*0*P"), []byte("*000000777*1*P"), 1)
		in := MustValidate(t, data)[0]
		if !in.AckRequested {
			t.Fatal("fixture edit did not set ISA14")
		}
		if a, ta1 := ack.Needed(in); a || ta1 {
			t.Errorf("got %v %v, want false false", a, ta1)
		}
	})
	t.Run("TA1Only", func(t *testing.T) {
		data := []byte("ISA*00*          *00*          *ZZ*PARTNER        *ZZ*CLEARWAY       *260321*0820*U*00401*000000043*1*P*>~" +
			"TA1*000000101*260321*0820*A*000~IEA*0*000000043~")
		in := MustValidate(t, data)[0]
		if len(in.TechnicalAcks) != 1 {
			t.Fatalf("got %d TA1s, want 1", len(in.TechnicalAcks))
		}
		if a, ta1 := ack.Needed(in); a || ta1 {
			t.Errorf("got %v %v, want false false", a, ta1)
		}
		if _, err := ack.TA1(in, ack.Options{InterchangeControl: 1, Now: now}); !errors.Is(err, ack.ErrNoAck) {
			t.Errorf("TA1: got %v, want ErrNoAck", err)
		}
	})
}

func TestBuildNoAckForAcks(t *testing.T) {
	_, in := MustFixture(t, "997-inbound")
	opt := ack.Options{InterchangeControl: 1, GroupControl: 1, Now: now}
	for _, kind := range []ack.Kind{ack.Kind997, ack.Kind999} {
		opt.Kind = kind
		if out, err := ack.Build(in, nil, opt); !errors.Is(err, ack.ErrNoAck) {
			t.Errorf("Build %s: got %q, %v, want ErrNoAck", kind, out, err)
		}
	}
	if out, err := ack.TA1(in, opt); !errors.Is(err, ack.ErrNoAck) {
		t.Errorf("TA1: got %q, %v, want ErrNoAck", out, err)
	}
}

func TestBuildErrors(t *testing.T) {
	_, in := MustFixture(t, "350-pipe-caret-5010")
	good := ack.Options{InterchangeControl: 1, GroupControl: 1, Now: now}
	start := in.Groups[0].Sets[0].StartIndex
	tests := []struct {
		name     string
		edit     func(*ack.Options)
		problems map[int][]ack.SetProblem
	}{
		{name: "ZeroNow", edit: func(o *ack.Options) { o.Now = time.Time{} }},
		{name: "ZeroControl", edit: func(o *ack.Options) { o.InterchangeControl = 0 }},
		{name: "TenDigitControl", edit: func(o *ack.Options) { o.InterchangeControl = 1_000_000_000 }},
		{name: "ZeroGroupControl", edit: func(o *ack.Options) { o.GroupControl = 0 }},
		{name: "GroupControlTooBig", edit: func(o *ack.Options) { o.GroupControl = 1_000_000_000 }},
		{name: "BadUsage", edit: func(o *ack.Options) { o.Usage = "X" }},
		{name: "BadKind", edit: func(o *ack.Options) { o.Kind = "998" }},
		{name: "BadLineBreak", edit: func(o *ack.Options) { o.LineBreak = "\t" }},
		{name: "ProblemWithoutCode", problems: map[int][]ack.SetProblem{start: {{SegmentIndex: start + 3, SegmentID: "X4", Element: 7}}}},
		{name: "ProblemElement100", problems: map[int][]ack.SetProblem{start: {{SegmentIndex: start + 3, SegmentID: "X4", Element: 100, Code: "7"}}}},
		{name: "ComponentWithoutElement", problems: map[int][]ack.SetProblem{start: {{SegmentIndex: start + 3, SegmentID: "X4", Component: 1, Code: "7"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := good
			if tt.edit != nil {
				tt.edit(&opt)
			}
			out, err := ack.Build(in, tt.problems, opt)
			if err == nil {
				t.Fatalf("got %q, want an error", out)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, in.Control) {
				t.Errorf("error %q: want one line naming interchange %s", msg, in.Control)
			}
		})
	}
	t.Run("BlankReceiver", func(t *testing.T) {
		bad := *in
		bad.SenderID = ""
		if out, err := ack.Build(&bad, nil, good); err == nil {
			t.Errorf("got %q, want an error for a blank ISA06", out)
		}
		if out, err := ack.TA1(&bad, good); err == nil {
			t.Errorf("TA1: got %q, want an error for a blank ISA06", out)
		}
	})
	t.Run("BadQualifier", func(t *testing.T) {
		bad := *in
		bad.ReceiverQual = "Z"
		if out, err := ack.Build(&bad, nil, good); err == nil {
			t.Errorf("got %q, want an error for a 1-character ISA07", out)
		}
	})
}

// TestBuildDetail covers AK3/AK4 (IK3/IK4) details: component positions,
// segment-level codes, values cleaned and cut, problems outside the set.
func TestBuildDetail(t *testing.T) {
	_, in := MustFixture(t, "350-pipe-caret-5010")
	set1, set2 := in.Groups[0].Sets[0].StartIndex, in.Groups[0].Sets[1].StartIndex
	long := "A|B^C{D~E\nF" + strings.Repeat("x", 150)
	problems := map[int][]ack.SetProblem{
		set1: {
			{SegmentIndex: set1 + 5, SegmentID: "X4", LoopID: "X4", Element: 7, Code: "7", Value: "1Q"},
			{SegmentIndex: set1 + 3, SegmentID: "X4", LoopID: "X4", Element: 4, Code: "6", Value: long},
			{SegmentIndex: set1 + 3, SegmentID: "X4", LoopID: "X4", Element: 5, Component: 2, Code: "8", Value: "20261340"},
			{SegmentIndex: set1 + 2, SegmentID: "P4", LoopID: "P4LOOP", Code: "3"}, // loop id too long: left out
			{SegmentIndex: set1 + 2, SegmentID: "P4", Code: "5"},
		},
		set2: {{SegmentIndex: 10_000, SegmentID: "X4", Element: 1, Code: "1"}}, // outside the set: no AK3
		9999: {{SegmentIndex: 1, SegmentID: "ISA", Code: "1"}},                 // no such set: ignored
	}
	out, err := ack.Build(in, problems, ack.Options{Kind: ack.Kind999, InterchangeControl: 5, GroupControl: 6, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	a := MustParseAck(t, out)
	wantIK3 := []string{"P4*3**3", "P4*3**5", "X4*4*X4*8", "X4*6*X4*8"}
	if got := a.values("IK3"); !slices.Equal(got, wantIK3) {
		t.Errorf("IK3: got %q, want %q", got, wantIK3)
	}
	cleaned := "ABCDEF" + strings.Repeat("x", 93)
	wantIK4 := []string{"4**6*" + cleaned, "5^2**8*20261340", "7**7*1Q"}
	if got := a.values("IK4"); !slices.Equal(got, wantIK4) {
		t.Errorf("IK4: got %q, want %q", got, wantIK4)
	}
	for _, s := range a.segs {
		if s.ID == "IK4" && len(s.Element(4)) > 99 {
			t.Errorf("IK404 is %d bytes, want at most 99", len(s.Element(4)))
		}
	}
	if got, want := a.values("IK5"), []string{"R*5", "R*5"}; !slices.Equal(got, want) {
		t.Errorf("IK5: got %q, want %q", got, want)
	}
	if got, want := a.values("AK9"), []string{"R*2*2*0"}; !slices.Equal(got, want) {
		t.Errorf("AK9: got %q, want %q", got, want)
	}
	// IK4 follows its IK3: the component position is split with ISA16.
	for i, s := range a.segs {
		if s.ID == "IK4" && string(s.Component(1, 2, a.ic.Delimiters)) == "2" {
			if prev := a.segs[i-1]; prev.ID != "IK4" && prev.ID != "IK3" {
				t.Errorf("IK4 at %d follows %s", i, prev.ID)
			}
			if string(s.Component(1, 1, a.ic.Delimiters)) != "5" {
				t.Errorf("IK401-1: got %q, want 5", s.Component(1, 1, a.ic.Delimiters))
			}
		}
	}
}

// TestBuildGroups acknowledges three groups: two to the same application
// share one FA group, the third (another receiver) gets its own.
func TestBuildGroups(t *testing.T) {
	isa := "ISA*00*          *00*          *ZZ*PARTNER        *ZZ*CLEARWAY       *260321*0820*^*00501*000000050*0*T*:~"
	set := func(ctrl string) string { return "ST*856*" + ctrl + "~BSN*00*1*20260321*0820~SE*3*" + ctrl + "~" }
	data := []byte(isa +
		"GS*SH*PARTNER*CLEARWAY*20260321*0820*1*X*005010~" + set("0001") + "GE*1*1~" +
		"GS*PO*PARTNER*CLEARWAY*20260321*0820*2*X*005010~" + set("0001") + set("0002") + "GE*2*2~" +
		"GS*SH*PARTNER*CWEU*20260321*0820*3*X*005010~" + set("0001") + "GE*1*3~" +
		"GS*FA*PARTNER*CLEARWAY*20260321*0820*4*X*005010~ST*997*0001~AK1*SH*1~AK9*A*1*1*1~SE*4*0001~GE*1*4~" +
		"IEA*4*000000050~")
	in := MustValidate(t, data)[0]
	if errs := envelopeErrors(in); len(errs) > 0 {
		t.Fatalf("fixture has errors: %v", errs)
	}
	if got := ack.GroupCount(in, ack.Kind997); got != 2 {
		t.Errorf("GroupCount: got %d, want 2", got)
	}
	out, err := ack.Build(in, nil, ack.Options{InterchangeControl: 10, GroupControl: 20, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	a := MustParseAck(t, out)
	var got []string
	for _, g := range a.ic.Groups {
		var sets []string
		for _, ts := range g.Sets {
			sets = append(sets, ts.ID+":"+ts.Control)
		}
		got = append(got, fmt.Sprintf("%s %s %s>%s %v", g.FunctionalID, g.Control, g.Sender, g.Receiver, sets))
	}
	want := []string{"FA 20 CLEARWAY>PARTNER [997:0001 997:0002]", "FA 21 CWEU>PARTNER [997:0003]"}
	if !slices.Equal(got, want) {
		t.Errorf("groups: got %q, want %q", got, want)
	}
	if got, want := a.values("AK1"), []string{"SH*1", "PO*2", "SH*3"}; !slices.Equal(got, want) {
		t.Errorf("AK1: got %q, want %q (no ack for the FA group)", got, want)
	}
	if got, want := a.values("AK9"), []string{"A*1*1*1", "A*2*2*2", "A*1*1*1"}; !slices.Equal(got, want) {
		t.Errorf("AK9: got %q, want %q", got, want)
	}
	if a.ic.Usage != "T" {
		t.Errorf("ISA15: got %s, want the inbound's T", a.ic.Usage)
	}
}

// TestBuildMissingTrailers acknowledges a file cut inside a set: the set
// gets AK5 2, the group AK9 3, and the TA1 023.
func TestBuildMissingTrailers(t *testing.T) {
	data := MustReadFile(t, "testdata/856-star-4010.edi")
	data = data[:bytes.Index(data, []byte("CTT*"))]
	in := MustValidate(t, data)[0]
	if a, ta1 := ack.Needed(in); !a || !ta1 {
		t.Fatalf("Needed: got %v %v, want true true", a, ta1)
	}
	out, err := ack.Build(in, nil, ack.Options{InterchangeControl: 1, GroupControl: 1, Now: now, Usage: "T"})
	if err != nil {
		t.Fatal(err)
	}
	a := MustParseAck(t, out)
	if got, want := a.values("AK5"), []string{"R*2"}; !slices.Equal(got, want) {
		t.Errorf("AK5: got %q, want %q", got, want)
	}
	if got, want := a.values("AK9"), []string{"R*1*1*0*3"}; !slices.Equal(got, want) {
		t.Errorf("AK9: got %q, want %q", got, want)
	}
	out, err = ack.TA1(in, ack.Options{InterchangeControl: 2, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if ta := MustParseAck(t, out).ic.TechnicalAcks; len(ta) != 1 || ta[0].AckCode != "R" || ta[0].NoteCode != "023" {
		t.Errorf("TA1: got %+v, want R 023", ta)
	}
}

func TestSetOf(t *testing.T) {
	data := MustReadFile(t, "testdata/350-pipe-caret-5010.edi")
	data = append(data, MustReadFile(t, "testdata/856-bad-se-count.edi")...)
	ics := MustValidate(t, data)
	if len(ics) != 2 {
		t.Fatalf("got %d interchanges, want 2", len(ics))
	}
	// 350: ISA 1, GS 2, ST 3…SE 10, ST 11…SE 17, GE 18, IEA 19;
	// 856: ISA 20, GS 21, ST 22…SE 30 (SE01 says 10), ST 31…SE 39.
	tests := []struct {
		index, start int
		ok           bool
	}{
		{1, 0, false}, {2, 0, false}, {3, 3, true}, {8, 3, true}, {10, 3, true}, {11, 11, true}, {17, 11, true},
		{18, 0, false}, {22, 22, true}, {30, 22, true}, {31, 31, true}, {39, 31, true}, {40, 0, false}, {0, 0, false},
	}
	for _, tt := range tests {
		if start, ok := ack.SetOf(ics, tt.index); start != tt.start || ok != tt.ok {
			t.Errorf("SetOf(%d): got %d %v, want %d %v", tt.index, start, ok, tt.start, tt.ok)
		}
	}
}

func TestParseElementRef(t *testing.T) {
	tests := []struct {
		ref      string
		id       string
		el, comp int
		ok       bool
	}{
		{"X4.07", "X4", 7, 0, true},
		{"X4.07.2", "X4", 7, 2, true},
		{"REF[BM].02", "REF", 2, 0, true},
		{"N1[ST].04", "N1", 4, 0, true},
		{"SE01", "SE", 1, 0, true},
		{"HL02", "HL", 2, 0, true},
		{"N101", "N1", 1, 0, true},
		{"X4", "", 0, 0, false},
		{"X4.00", "", 0, 0, false},
		{"X4.100", "", 0, 0, false},
		{"X4.07.0", "", 0, 0, false},
		{"x4.07", "", 0, 0, false},
		{"4X.07", "", 0, 0, false},
		{"", "", 0, 0, false},
	}
	for _, tt := range tests {
		id, el, comp, ok := ack.ParseElementRef(tt.ref)
		if id != tt.id || el != tt.el || comp != tt.comp || ok != tt.ok {
			t.Errorf("ParseElementRef(%q): got %q %d %d %v, want %q %d %d %v", tt.ref, id, el, comp, ok, tt.id, tt.el, tt.comp, tt.ok)
		}
	}
}

func TestLineBreakOf(t *testing.T) {
	isa := func(term string) string {
		return "ISA*00*          *00*          *ZZ*PARTNER        *ZZ*CLEARWAY       *260321*0820*U*00401*000000001*0*P*>" + term
	}
	body := "GS*SH*A*B*20260321*0820*1*X*004010"
	tests := []struct {
		name, data, want string
	}{
		{"None", isa("~") + body + "~", ""},
		{"LF", isa("~") + "\n" + body + "~\n", "\n"},
		{"CRLF", isa("~") + "\r\n" + body + "~\r\n", "\r\n"},
		{"CR", isa("~") + "\r" + body + "~\r", "\r"},
		{"LFTerminator", isa("\n") + body + "\n", ""},
		{"CRTerminatorLF", isa("\r") + "\n" + body + "\r\n", "\n"},
		{"BOMIndented", "\xEF\xBB\xBF  " + isa("~") + "\n  " + body + "~\n", "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.data)
			ics := MustValidate(t, data)
			if got := ack.LineBreakOf(data, ics[0]); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("SecondInterchange", func(t *testing.T) {
		data := []byte(isa("~") + body + "~GE*0*1~IEA*1*000000001~" + strings.Replace(isa("~"), "000000001", "000000002", 1) + "\r\n" + body + "~\r\n")
		ics := MustValidate(t, data)
		if len(ics) != 2 {
			t.Fatalf("got %d interchanges, want 2", len(ics))
		}
		if got := ack.LineBreakOf(data, ics[0]) + "|" + ack.LineBreakOf(data, ics[1]); got != "|\r\n" {
			t.Errorf("got %q, want %q", got, "|\r\n")
		}
	})
}

// TestBuild999From4010 answers a 00401 interchange with a 999: ISA12 goes
// to 00501 and a repetition separator is picked that clashes with nothing.
func TestBuild999From4010(t *testing.T) {
	_, in := MustFixture(t, "856-star-4010")
	out, err := ack.Build(in, nil, ack.Options{Kind: ack.Kind999, InterchangeControl: 1, GroupControl: 1, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	a := MustParseAck(t, out)
	if a.ic.Version != "00501" || a.ic.Delimiters.Repetition != '^' {
		t.Errorf("ISA11/12: got %q %s, want '^' 00501", a.ic.Delimiters.Repetition, a.ic.Version)
	}
	out, err = ack.Build(in, nil, ack.Options{InterchangeControl: 1, GroupControl: 1, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if a := MustParseAck(t, out); a.ic.Version != "00401" || a.ic.Delimiters.Repetition != 0 || !bytes.Contains(out, []byte("*U*00401*")) {
		t.Errorf("997 ISA11/12: got %q %s, want U 00401", a.ic.Delimiters.Repetition, a.ic.Version)
	}
}

func BenchmarkBuild(b *testing.B) {
	var sets strings.Builder
	for i := 1; i <= 1000; i++ {
		c := fmt.Sprintf("%04d", i)
		sets.WriteString("ST*856*" + c + "~BSN*00*1*20260321*0820~HL*1**S~SE*4*" + c + "~")
	}
	data := []byte("ISA*00*          *00*          *ZZ*PARTNER        *ZZ*CLEARWAY       *260321*0820*^*00501*000000050*0*P*:~" +
		"GS*SH*PARTNER*CLEARWAY*20260321*0820*1*X*005010~" + sets.String() + "GE*1000*1~IEA*1*000000050~")
	in := MustValidate(b, data)[0]
	problems := map[int][]ack.SetProblem{}
	for _, ts := range in.Groups[0].Sets[:100] {
		problems[ts.StartIndex] = []ack.SetProblem{{SegmentIndex: ts.StartIndex + 2, SegmentID: "HL", LoopID: "HL", Element: 3, Code: "7", Value: "S" + strconv.Itoa(ts.StartIndex)}}
	}
	opt := ack.Options{Kind: ack.Kind999, InterchangeControl: 1, GroupControl: 1, Now: now}
	var n int
	for b.Loop() {
		out, err := ack.Build(in, problems, opt)
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.SetBytes(int64(n))
}

// RejectAll: a file refused as a whole acknowledges every set R, the sets
// without an error of their own with code 5 and no AK3 detail.
func TestBuildRejectAll(t *testing.T) {
	data, in := MustFixture(t, "350-pipe-caret-5010")
	opt := ack.Options{Kind: ack.Kind997, InterchangeControl: 4712, GroupControl: 816, Now: now, LineBreak: ack.LineBreakOf(data, in), RejectAll: true}
	out, err := ack.Build(in, nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	a := MustParseAck(t, out)
	if got, want := a.values("AK5"), []string{"R*5", "R*5"}; !slices.Equal(got, want) {
		t.Errorf("AK5: got %q, want %q", got, want)
	}
	if got, want := a.values("AK9"), []string{"R*2*2*0"}; !slices.Equal(got, want) {
		t.Errorf("AK9: got %q, want %q", got, want)
	}
	if got := a.values("AK3"); len(got) != 0 {
		t.Errorf("AK3: got %q, want none", got)
	}
}
