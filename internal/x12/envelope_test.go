package x12_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/clearway/clearway/internal/testutil"
	"github.com/clearway/clearway/internal/x12"
)

// goldenFile is the JSON dump compared against testdata/<name>.golden.json.
type goldenFile struct {
	Segments     int                 `json:"segments"`
	First        []goldenSegment     `json:"first_segments"`
	Last         *goldenSegment      `json:"last_segment"`
	Interchanges []goldenInterchange `json:"interchanges"`
}

type goldenSegment struct {
	ID       string `json:"id"`
	Index    int    `json:"index"`
	Line     int    `json:"line"`
	Offset   int64  `json:"offset"`
	Elements int    `json:"elements"`
}

type goldenDelimiters struct {
	Element    string `json:"element"`
	Component  string `json:"component"`
	Segment    string `json:"segment"`
	Repetition string `json:"repetition"`
}

type goldenInterchange struct {
	Sender        string             `json:"sender"`
	Receiver      string             `json:"receiver"`
	Date          string             `json:"date"`
	Time          string             `json:"time"`
	Version       string             `json:"version"`
	Control       string             `json:"control"`
	AckRequested  bool               `json:"ack_requested"`
	Usage         string             `json:"usage"`
	Delimiters    goldenDelimiters   `json:"delimiters"`
	Index         int                `json:"index"`
	Line          int                `json:"line"`
	Offset        int64              `json:"offset"`
	EndIndex      int                `json:"end_index"`
	TechnicalAcks []x12.TechnicalAck `json:"technical_acks,omitempty"`
	Groups        []goldenGroup      `json:"groups"`
	Errors        []goldenError      `json:"errors"`
}

type goldenGroup struct {
	FunctionalID string        `json:"functional_id"`
	Sender       string        `json:"sender"`
	Receiver     string        `json:"receiver"`
	Control      string        `json:"control"`
	Version      string        `json:"version"`
	StartIndex   int           `json:"start_index"`
	EndIndex     int           `json:"end_index"`
	Sets         []goldenSet   `json:"sets"`
	Errors       []goldenError `json:"errors"`
}

type goldenSet struct {
	ID           string        `json:"id"`
	Control      string        `json:"control"`
	ImplRef      string        `json:"impl_ref,omitempty"`
	SegmentCount int           `json:"segment_count"`
	StartIndex   int           `json:"start_index"`
	EndIndex     int           `json:"end_index"`
	Errors       []goldenError `json:"errors"`
}

type goldenError struct {
	Level        string `json:"level"`
	Code         string `json:"code"`
	SegmentID    string `json:"segment_id"`
	SegmentIndex int    `json:"segment_index"`
	Line         int    `json:"line"`
	Offset       int64  `json:"offset"`
	Element      int    `json:"element"`
	Text         string `json:"text"`
}

func dumpDelimiters(d x12.Delimiters) goldenDelimiters {
	g := goldenDelimiters{
		Element:   fmt.Sprintf("%q", d.Element),
		Component: fmt.Sprintf("%q", d.Component),
		Segment:   fmt.Sprintf("%q", d.Segment),
	}
	if d.Repetition != 0 {
		g.Repetition = fmt.Sprintf("%q", d.Repetition)
	}
	return g
}

func dumpErrors(errs []*x12.EnvelopeError) []goldenError {
	out := []goldenError{}
	for _, e := range errs {
		out = append(out, goldenError{e.Level, e.Code, e.SegmentID, e.SegmentIndex, e.Line, e.Offset, e.Element, e.Error()})
	}
	return out
}

func dumpInterchanges(ics []*x12.Interchange) []goldenInterchange {
	out := []goldenInterchange{}
	for _, ic := range ics {
		gi := goldenInterchange{
			Sender:       ic.SenderQual + "/" + ic.SenderID,
			Receiver:     ic.ReceiverQual + "/" + ic.ReceiverID,
			Date:         ic.Date,
			Time:         ic.Time,
			Version:      ic.Version,
			Control:      ic.Control,
			AckRequested: ic.AckRequested,
			Usage:        ic.Usage,
			Delimiters:   dumpDelimiters(ic.Delimiters),
			Index:        ic.Index,
			Line:         ic.Line,
			Offset:       ic.Offset,
			EndIndex:     ic.EndIndex,
			Groups:       []goldenGroup{},
			Errors:       dumpErrors(ic.Errors),
		}
		for _, ta := range ic.TechnicalAcks {
			gi.TechnicalAcks = append(gi.TechnicalAcks, *ta)
		}
		for _, g := range ic.Groups {
			gg := goldenGroup{g.FunctionalID, g.Sender, g.Receiver, g.Control, g.Version, g.StartIndex, g.EndIndex, []goldenSet{}, dumpErrors(g.Errors)}
			for _, ts := range g.Sets {
				gg.Sets = append(gg.Sets, goldenSet{ts.ID, ts.Control, ts.ImplRef, ts.SegmentCount, ts.StartIndex, ts.EndIndex, dumpErrors(ts.Errors)})
			}
			gi.Groups = append(gi.Groups, gg)
		}
		out = append(out, gi)
	}
	return out
}

// dumpFile tokenizes and validates the fixture at path.
func dumpFile(tb testing.TB, path string) goldenFile {
	tb.Helper()
	data := MustReadFile(tb, path)
	var gf goldenFile
	r := x12.NewReader(bytes.NewReader(data))
	for {
		seg, err := r.Next()
		if err != nil {
			var syn *x12.SyntaxError
			if !errors.Is(err, errEOF) && !errors.As(err, &syn) {
				tb.Fatalf("read %s: %v", path, err)
			}
			break
		}
		gs := goldenSegment{seg.ID, seg.Index, seg.Line, seg.Offset, len(seg.Elements)}
		gf.Segments++
		if len(gf.First) < 4 {
			gf.First = append(gf.First, gs)
		}
		gf.Last = &gs
	}
	ics, err := x12.Validate(bytes.NewReader(data), nil)
	if err != nil {
		tb.Fatalf("validate %s: %v", path, err)
	}
	gf.Interchanges = dumpInterchanges(ics)
	return gf
}

func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.edi")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 15 {
		t.Fatalf("got %d fixtures, want at least 15", len(paths))
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".edi")
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(dumpFile(t, path)); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			golden := strings.TrimSuffix(path, ".edi") + ".golden.json"
			testutil.CheckGolden(t, golden, got)
		})
	}
}

// diffLines shows the first differing lines of two texts.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %s\n  got  %s\n", i+1, wl, gl)
			shown++
		}
	}
	return b.String()
}

// codes lists "level/code@segment" for every error in the interchanges.
func codes(ics []*x12.Interchange) []string {
	var out []string
	add := func(errs []*x12.EnvelopeError) {
		for _, e := range errs {
			out = append(out, fmt.Sprintf("%s/%s@%d", e.Level, e.Code, e.SegmentIndex))
		}
	}
	for _, ic := range ics {
		for _, g := range ic.Groups {
			for _, ts := range g.Sets {
				add(ts.Errors)
			}
			add(g.Errors)
		}
		add(ic.Errors)
	}
	return out
}

func MustValidate(tb testing.TB, data []byte) []*x12.Interchange {
	tb.Helper()
	ics, err := x12.Validate(bytes.NewReader(data), nil)
	if err != nil {
		tb.Fatalf("validate: %v", err)
	}
	return ics
}

func TestValidateNegativeSamples(t *testing.T) {
	t.Run("310", func(t *testing.T) {
		ics := MustValidate(t, MustReadFile(t, "testdata/310-freight-receipt-bad-envelope.edi"))
		// ST is segment 3, SE segment 48 (line 48), GE 49, IEA 50.
		want := []string{"set/4@48", "set/3@48", "group/4@49", "interchange/001@50"}
		if got := codes(ics); !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		se := ics[0].Groups[0].Sets[0].Errors[0]
		if got, want := se.Error(), "line 48 (segment 48, byte 1612): SE01 segment count 49 does not match 46 segments counted [AK5 4]"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		if got, want := ics[0].Groups[0].Sets[0].SegmentCount, 46; got != want {
			t.Errorf("segment count: got %d, want %d", got, want)
		}
		if e := ics[0].Groups[0].Sets[0].Errors[1]; e.Element != 2 || !strings.Contains(e.Msg, `"32353"`) || !strings.Contains(e.Msg, `"35353"`) {
			t.Errorf("SE02 error: got %+v", e)
		}
		if e := ics[0].Errors[0]; e.Element != 2 || e.Line != 50 {
			t.Errorf("IEA02 error: got %+v", e)
		}
	})
	t.Run("309", func(t *testing.T) {
		ics := MustValidate(t, MustReadFile(t, "testdata/309-customs-manifest-truncated.edi"))
		if got, want := codes(ics), []string{"set/4@297"}; !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		ts := ics[0].Groups[0].Sets[0]
		if ts.SegmentCount != 295 || !strings.Contains(ts.Errors[0].Msg, "SE01 segment count 622 does not match 295 segments counted") {
			t.Errorf("got count %d, error %q", ts.SegmentCount, ts.Errors[0].Msg)
		}
	})
	t.Run("TruncatedMidSet", func(t *testing.T) {
		data := MustReadFile(t, "testdata/bad-truncated.edi")
		ics := MustValidate(t, data)
		// The file ends inside segment 7 (M11, no terminator); the SE would be segment 8.
		if got, want := codes(ics), []string{"set/2@8", "group/3@8", "interchange/023@8"}; !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		e := ics[0].Groups[0].Sets[0].Errors[0]
		if e.Offset != int64(len(data)) || e.Line != 7 || e.SegmentID != "" {
			t.Errorf("got offset %d line %d id %q, want %d 7 \"\"", e.Offset, e.Line, e.SegmentID, len(data))
		}
	})
	t.Run("Duplicates", func(t *testing.T) {
		ics := MustValidate(t, MustReadFile(t, "testdata/bad-duplicates.edi"))
		want := []string{"set/23@6", "group/6@10", "interchange/025@16"}
		if got := codes(ics); !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
	t.Run("Structure", func(t *testing.T) {
		ics := MustValidate(t, MustReadFile(t, "testdata/bad-structure.edi"))
		want := []string{
			"group/3@9",          // GS 505 has no GE: the next GS closes it
			"set/2@12",           // ST 5060001 has no SE: the next ST closes it
			"group/5@15",         // GE01 1 but 2 sets
			"interchange/014@1",  // ISA09 241345
			"interchange/019@1",  // ISA14 2
			"segment/024@2",      // ST..SE before any GS
			"interchange/021@16", // IEA01 3 but 2 groups
			"segment/022@17",     // N1 after IEA
		}
		if got := codes(ics); !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		if msg := ics[0].Errors[2].Msg; !strings.Contains(msg, "and 2 more segments through segment 4") {
			t.Errorf("got %q, want a run of 3 misplaced segments", msg)
		}
	})
	t.Run("BadDelimiters", func(t *testing.T) {
		ics := MustValidate(t, MustReadFile(t, "testdata/bad-delimiters.edi"))
		if got, want := codes(ics), []string{"interchange/027@8"}; !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		if len(ics) != 2 || ics[1].Line != 8 || ics[1].Index != 8 {
			t.Fatalf("got %d interchanges, want the second at line 8", len(ics))
		}
	})
}

func TestValidateMissingTrailers(t *testing.T) {
	isa := func(ctl string) string { return isaLine('*', 'U', "00401", ctl, ':', '~') + "\n" }
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"SEMissingAtGE", isa("000000001") + "GS*SH*A*B*20240101*1200*1*X*004010~\nST*856*0001~\nBSN*00*1~\nGE*1*1~\nIEA*1*000000001~\n",
			[]string{"set/2@5"}},
		{"GEMissingAtIEA", isa("000000001") + "GS*SH*A*B*20240101*1200*1*X*004010~\nST*856*0001~\nSE*2*0001~\nIEA*1*000000001~\n",
			[]string{"group/3@5"}},
		{"IEAMissingAtISA", isa("000000001") + isa("000000002") + "IEA*0*000000002~\n",
			[]string{"interchange/023@2"}},
		{"SetOutsideGroupAfterGE", isa("000000001") + "GS*SH*A*B*20240101*1200*1*X*004010~\nGE*0*1~\nST*856*0001~\nSE*2*0001~\nIEA*1*000000001~\n",
			[]string{"segment/024@4"}},
		{"TA1Accepted", isa("000000001") + "TA1*000000009*240101*1200*A*000~\nIEA*0*000000001~\n", nil},
		{"BadGroupAndSetNumbers", isa("000000001") + "GS*SH*A*B*20240101*1200*X1*X*004010~\nST*85*01~\nSE*two*01~\nGE*1*X1~\nIEA*1*000000001~\n",
			[]string{"set/6@3", "set/7@3", "set/4@4", "group/6@2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := codes(MustValidate(t, []byte(tt.data))); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidateSeveralInterchanges(t *testing.T) {
	ics := MustValidate(t, MustReadFile(t, "testdata/multi-interchange.edi"))
	want := []struct {
		control, sender string
		d               x12.Delimiters
		index, line     int
		offset          int64
		set             string
	}{
		{"000000101", "SHIPPERA", x12.Delimiters{Element: '*', Component: '>', Segment: '~'}, 1, 1, 0, "214"},
		{"000000202", "SHIPPERB", x12.Delimiters{Element: '|', Component: ':', Segment: '\n'}, 9, 9, 272, "315"},
		{"000000303", "SHIPPERC", x12.Delimiters{Element: '+', Component: ':', Segment: '\'', Repetition: '^'}, 17, 17, 550, "810"},
	}
	if len(ics) != len(want) {
		t.Fatalf("got %d interchanges, want %d", len(ics), len(want))
	}
	for i, w := range want {
		ic := ics[i]
		if ic.Control != w.control || ic.SenderID != w.sender || ic.Delimiters != w.d || ic.Index != w.index || ic.Line != w.line || ic.Offset != w.offset {
			t.Errorf("interchange %d: got %s %s %v at %d/%d/%d, want %+v", i+1, ic.Control, ic.SenderID, ic.Delimiters, ic.Index, ic.Line, ic.Offset, w)
		}
		if len(ic.Groups) != 1 || len(ic.Groups[0].Sets) != 1 || ic.Groups[0].Sets[0].ID != w.set || ic.EndIndex != w.index+7 {
			t.Errorf("interchange %d: want one group with one %s set ending at %d", i+1, w.set, w.index+7)
		}
	}
	if got := codes(ics); len(got) != 0 {
		t.Errorf("got %v, want no errors", got)
	}
}

func TestValidateTechnicalAcks(t *testing.T) {
	ics := MustValidate(t, MustReadFile(t, "testdata/ta1-only.edi"))
	if len(ics) != 1 || len(ics[0].Groups) != 0 || len(ics[0].TechnicalAcks) != 2 {
		t.Fatalf("got %+v, want one interchange with two TA1 and no groups", ics)
	}
	ta := ics[0].TechnicalAcks[1]
	if ta.Control != "000000732" || ta.AckCode != "R" || ta.NoteCode != "022" || ta.Index != 3 || ta.Line != 3 {
		t.Errorf("got %+v", ta)
	}
	if got := codes(ics); len(got) != 0 {
		t.Errorf("got %v, want no errors", got)
	}
}

func TestValidateVisit(t *testing.T) {
	data := MustReadFile(t, "testdata/214-canadapost-lf.edi")
	var ids []string
	sets := map[*x12.TransactionSet]int{}
	ics, err := x12.Validate(bytes.NewReader(data), func(ic *x12.Interchange, g *x12.Group, ts *x12.TransactionSet, seg *x12.Segment) error {
		if ic == nil || g == nil || ts == nil {
			t.Fatalf("segment %d: nil envelope", seg.Index)
		}
		sets[ts]++
		if len(ids) < 3 {
			ids = append(ids, seg.ID+"*"+strings.TrimSpace(string(seg.Element(1))))
		}
		if seg.ID == "SE" && ts.EndIndex != seg.Index {
			t.Errorf("SE visit: got EndIndex %d, want %d", ts.EndIndex, seg.Index)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(ids, " "), "ST*214 B10*4343638097845589 L11*4343638097845589"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := len(sets), 19; got != want {
		t.Fatalf("got %d sets visited, want %d", got, want)
	}
	for ts, n := range sets {
		if n != ts.SegmentCount {
			t.Errorf("set %s: visited %d segments, counted %d", ts.Control, n, ts.SegmentCount)
		}
	}
	if n := len(codes(ics)); n != 0 {
		t.Errorf("got %d errors, want 0: %v", n, codes(ics))
	}

	t.Run("ErrorStops", func(t *testing.T) {
		boom := errors.New("boom")
		calls := 0
		_, err := x12.Validate(bytes.NewReader(data), func(*x12.Interchange, *x12.Group, *x12.TransactionSet, *x12.Segment) error {
			calls++
			if calls == 5 {
				return boom
			}
			return nil
		})
		if !errors.Is(err, boom) || calls != 5 {
			t.Fatalf("got %v after %d calls, want boom after 5", err, calls)
		}
	})
}

func TestValidateZeroPadding(t *testing.T) {
	data := []byte(isaLine('*', 'U', "00401", "000000001", '>', '~') + "\n" +
		"GS*SH*A*B*20240101*1200*00001*X*004010~ST*856*0001~SE*000002*0001~GE*0001*1~IEA*01*1~")
	ics := MustValidate(t, data)
	if got := codes(ics); len(got) != 0 {
		t.Fatalf("got %v, want no errors", got)
	}
	data = bytes.Replace(data, []byte("SE*000002*0001"), []byte("SE*000002*1"), 1)
	if got, want := codes(MustValidate(t, data)), []string{"set/3@4"}; !slices.Equal(got, want) {
		t.Fatalf("ST02/SE02 compare as text: got %v, want %v", got, want)
	}
}

func TestValidateNotX12(t *testing.T) {
	for name, in := range map[string]string{"Empty": "", "Zip": "PK\x03\x04\x14\x00", "CSV": "a,b\n1,2\n"} {
		t.Run(name, func(t *testing.T) {
			ics, err := x12.Validate(strings.NewReader(in), nil)
			if !errors.Is(err, x12.ErrNotX12) || ics != nil {
				t.Fatalf("got %v, %v; want ErrNotX12", ics, err)
			}
		})
	}
}

// TestValidateSharedSamples runs the samples that may not be copied here
// (GPL/CDDL) from the shared folder when it exists.
func TestValidateSharedSamples(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "testdata", "x12")
	want := map[string]struct {
		sets  int
		delim x12.Delimiters
	}{
		"322-rail-cr-terminator.edi":     {17, x12.Delimiters{Element: '*', Component: '~', Segment: '\r'}},
		"810-invoice-crlf.edi":           {2, x12.Delimiters{Element: '*', Component: ':', Segment: '~'}},
		"856-plus-apostrophe-delims.edi": {2, x12.Delimiters{Element: '+', Component: ':', Segment: '\'', Repetition: '^'}},
		"856-vics-bom-indented.edi":      {1, x12.Delimiters{Element: '*', Component: '>', Segment: '~'}},
		"997-nak-terminator.edi":         {1, x12.Delimiters{Element: '*', Component: '>', Segment: 0x15}},
		"999-partial-accept.edi":         {1, x12.Delimiters{Element: '*', Component: ':', Segment: '~', Repetition: '^'}},
		"ta1-only.edi":                   {0, x12.Delimiters{Element: '*', Component: '^', Segment: '~'}},
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("shared sample not available: %v", err)
			}
			data := MustReadFile(t, path)
			if whole, one := readAllLenient(bytes.NewReader(data)), readAllLenient(iotest.OneByteReader(bytes.NewReader(data))); !slices.Equal(whole, one) {
				t.Errorf("one byte at a time: first difference %q", firstDiff(one, whole))
			}
			ics := MustValidate(t, data)
			if len(ics) != 1 {
				t.Fatalf("got %d interchanges, want 1", len(ics))
			}
			if ics[0].Delimiters != w.delim {
				t.Errorf("got %v, want %v", ics[0].Delimiters, w.delim)
			}
			sets := 0
			for _, g := range ics[0].Groups {
				sets += len(g.Sets)
			}
			if sets != w.sets {
				t.Errorf("got %d sets, want %d", sets, w.sets)
			}
			if errs := codes(ics); len(errs) != 0 {
				t.Errorf("got errors %v, want none", errs)
			}
		})
	}
}
