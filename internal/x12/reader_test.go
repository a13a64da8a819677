package x12_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/clearway/clearway/internal/x12"
)

var errEOF = io.EOF

func MustReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read fixture: %v", err)
	}
	return data
}

// isaLine builds a fixed-length ISA segment with the given delimiters,
// ISA11, ISA12 and ISA13, terminated by term.
func isaLine(es, isa11 byte, version, control string, comp, term byte) string {
	f := []string{"ISA", "00", "          ", "00", "          ", "ZZ", "SENDER         ", "ZZ", "RECEIVER       ",
		"240101", "1200", string(isa11), version, control, "0", "P", string(comp)}
	return strings.Join(f, string(es)) + string(term)
}

// MustReadAll tokenizes data and returns one line per segment:
// "index line offset ID|el1|el2...".
func MustReadAll(tb testing.TB, r io.Reader) []string {
	tb.Helper()
	rd := x12.NewReader(r)
	var out []string
	for {
		seg, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			tb.Fatalf("next after %d segments: %v", len(out), err)
		}
		out = append(out, describe(seg))
	}
}

func describe(seg *x12.Segment) string {
	parts := []string{seg.ID}
	for _, e := range seg.Elements {
		parts = append(parts, string(e))
	}
	return strings.Join([]string{itoa(seg.Index), itoa(seg.Line), itoa(int(seg.Offset)), strings.Join(parts, "|")}, " ")
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestReaderDelimiters(t *testing.T) {
	tests := []struct {
		name string
		data string
		want x12.Delimiters
		ids  string // segment ids in order
	}{
		{"BOMCRLFIndent", "\xEF\xBB\xBF  \r\n" + isaLine('*', 'U', "00401", "000000001", '>', '~') + "\r\n  GS*SH~\r\n\t\tST*856*0001~\r\n",
			x12.Delimiters{Element: '*', Component: '>', Segment: '~'}, "ISA GS ST"},
		{"PlusApostrophe", isaLine('+', '^', "00403", "000000001", ':', '\'') + "GS+SH'ST+856+0001'",
			x12.Delimiters{Element: '+', Component: ':', Segment: '\'', Repetition: '^'}, "ISA GS ST"},
		{"CRThenLFIndent", isaLine('*', 'U', "00401", "000000001", '~', '\r') + "\n    GS*SO\r\n    ST*322*0001\r\n",
			x12.Delimiters{Element: '*', Component: '~', Segment: '\r'}, "ISA GS ST"},
		{"NAKTerminator", isaLine('*', 'U', "00401", "000000001", '>', 0x15) + "GS*FA\x15ST*997*0001\x15\r\n",
			x12.Delimiters{Element: '*', Component: '>', Segment: 0x15}, "ISA GS ST"},
		{"Pipe5010", isaLine('|', '{', "00501", "000000001", '^', '~') + "\nGS|HC~\nST|837|0001~\n",
			x12.Delimiters{Element: '|', Component: '^', Segment: '~', Repetition: '{'}, "ISA GS ST"},
		{"LFTerminator", isaLine('*', 'U', "00401", "000000001", '>', '\n') + "GS*QM\n  ST*214*0001\n\n",
			x12.Delimiters{Element: '*', Component: '>', Segment: '\n'}, "ISA GS ST"},
		{"RepetitionBefore00403", isaLine('*', '^', "00402", "000000001", ':', '~') + "GS*SH~",
			x12.Delimiters{Element: '*', Component: ':', Segment: '~'}, "ISA GS"},
		{"AlnumISA11In5010", isaLine('*', 'U', "00501", "000000001", ':', '~') + "GS*SH~",
			x12.Delimiters{Element: '*', Component: ':', Segment: '~'}, "ISA GS"},
		{"EmptySegmentsSkipped", isaLine('*', 'U', "00401", "000000001", ':', '~') + "~~GS*SH~ ~ST~",
			x12.Delimiters{Element: '*', Component: ':', Segment: '~'}, "ISA GS ST"},
		{"NoFinalTerminator", isaLine('*', 'U', "00401", "000000001", ':', '\n') + "GS*SH\nIEA*0*000000001",
			x12.Delimiters{Element: '*', Component: ':', Segment: '\n'}, "ISA GS IEA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := x12.NewReader(strings.NewReader(tt.data))
			var ids []string
			for {
				seg, err := rd.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, seg.ID)
			}
			if got := rd.Delimiters(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if got := strings.Join(ids, " "); got != tt.ids {
				t.Errorf("got ids %q, want %q", got, tt.ids)
			}
		})
	}
}

func TestReaderFixtureDelimiters(t *testing.T) {
	tests := map[string]x12.Delimiters{
		"856-bom-crlf-indent.edi": {Element: '*', Component: '>', Segment: '~'},
		"856-plus-apostrophe.edi": {Element: '+', Component: ':', Segment: '\'', Repetition: '^'},
		"322-cr-terminator.edi":   {Element: '*', Component: '~', Segment: '\r'},
		"997-nak-terminator.edi":  {Element: '*', Component: '>', Segment: 0x15},
		"837-pipe-caret-5010.edi": {Element: '|', Component: '^', Segment: '~', Repetition: '{'},
		"999-5010.edi":            {Element: '*', Component: ':', Segment: '~', Repetition: '^'},
		"214-canadapost-lf.edi":   {Element: '*', Component: '>', Segment: '\n'},
		"ta1-only.edi":            {Element: '*', Component: '^', Segment: '~'},
		"850-po-textbook.edi":     {Element: '*', Component: '>', Segment: '~'},
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			rd := x12.NewReader(bytes.NewReader(MustReadFile(t, filepath.Join("testdata", name))))
			if _, err := rd.Next(); err != nil {
				t.Fatal(err)
			}
			if got := rd.Delimiters(); got != want {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestReaderPositions(t *testing.T) {
	tests := []struct {
		file   string
		id     string
		el1    string
		index  int
		line   int
		offset int64
	}{
		{"856-bom-crlf-indent.edi", "ISA", "00", 1, 1, 3}, // after the BOM
		{"856-bom-crlf-indent.edi", "HL", "4", 16, 16, 572},
		{"856-bom-crlf-indent.edi", "LIN", "", 20, 20, 675},
		{"322-cr-terminator.edi", "W2", "MSCU", 12, 12, 462},
		{"997-nak-terminator.edi", "AK9", "A", 7, 1, 215},
		{"multi-interchange.edi", "ISA", "00", 9, 9, 272},
		{"multi-interchange.edi", "N9", "BM", 13, 13, 500},
		{"multi-interchange.edi", "ISA", "00", 17, 17, 550},
		{"multi-interchange.edi", "TDS", "10000", 21, 17, 746},
		{"310-freight-receipt-bad-envelope.edi", "SE", "49", 48, 48, 1612},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.id, func(t *testing.T) {
			data := MustReadFile(t, filepath.Join("testdata", tt.file))
			rd := x12.NewReader(bytes.NewReader(data))
			for {
				seg, err := rd.Next()
				if err != nil {
					t.Fatalf("segment %d not found: %v", tt.index, err)
				}
				if seg.Index != tt.index {
					continue
				}
				if seg.ID != tt.id || string(seg.Element(1)) != tt.el1 || seg.Line != tt.line || seg.Offset != tt.offset {
					t.Fatalf("got %s*%s line %d offset %d, want %s*%s line %d offset %d",
						seg.ID, seg.Element(1), seg.Line, seg.Offset, tt.id, tt.el1, tt.line, tt.offset)
				}
				if !bytes.HasPrefix(data[seg.Offset:], []byte(seg.ID)) {
					t.Fatalf("offset %d does not point at %s", seg.Offset, seg.ID)
				}
				return
			}
		})
	}
}

func TestReaderLineBreaks(t *testing.T) {
	isa := isaLine('*', 'U', "00401", "000000001", ':', '~')
	tests := []struct {
		name  string
		data  string
		lines []int
	}{
		{"LF", isa + "\nA~\nB~\n", []int{1, 2, 3}},
		{"CRLF", isa + "\r\nA~\r\nB~\r\n", []int{1, 2, 3}},
		{"CROnly", isa + "\rA~\rB~\r", []int{1, 2, 3}},
		{"BlankLines", isa + "\n\n\nA~\r\n\r\nB~", []int{1, 4, 6}},
		{"NoBreaks", isa + "A~B~", []int{1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			for _, s := range MustReadAll(t, strings.NewReader(tt.data)) {
				var line int
				for _, c := range strings.Fields(s)[1] {
					line = line*10 + int(c-'0')
				}
				got = append(got, line)
			}
			if !slices.Equal(got, tt.lines) {
				t.Errorf("got lines %v, want %v", got, tt.lines)
			}
		})
	}
}

// TestReaderChunking reads every fixture through readers that return one
// byte or half the request at a time, exercising every refill path, and
// expects the same segments as reading it whole.
func TestReaderChunking(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*.edi")
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data := MustReadFile(t, path)
			want := readAllLenient(bytes.NewReader(data))
			if len(want) < 4 {
				t.Fatalf("got %d segments, want more", len(want))
			}
			for name, r := range map[string]io.Reader{
				"OneByte": iotest.OneByteReader(bytes.NewReader(data)),
				"Half":    iotest.HalfReader(bytes.NewReader(data)),
				"Data":    iotest.DataErrReader(bytes.NewReader(data)),
			} {
				if got := readAllLenient(r); !slices.Equal(got, want) {
					t.Errorf("%s: got %d segments, want %d; first difference %q", name, len(got), len(want), firstDiff(got, want))
				}
			}
		})
	}
}

// readAllLenient tokenizes until any error and renders what it read and the
// error.
func readAllLenient(r io.Reader) []string {
	rd := x12.NewReader(r)
	var out []string
	for {
		seg, err := rd.Next()
		if err != nil {
			return append(out, "error: "+err.Error())
		}
		out = append(out, describe(seg))
	}
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] + " vs " + b[i]
		}
	}
	return "length"
}

func TestReaderNotX12(t *testing.T) {
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	random[0] = 0x89
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"Empty", nil, `not an X12 file: empty input`},
		{"Whitespace", []byte("\xEF\xBB\xBF \r\n\t"), `not an X12 file: no data, only whitespace`},
		{"Zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), `not an X12 file: does not start with ISA (found "PK\x03\x04")`},
		{"CSV", []byte("po,sku,qty\n4471,WIDGET,24\n"), `not an X12 file: does not start with ISA (found "po,s")`},
		{"Short", []byte("IS"), `not an X12 file: does not start with ISA (found "IS")`},
		{"Random", random, ""},
		{"EDIFACT", []byte("UNA:+.? 'UNB+UNOA:1+SENDER+RECEIVER'"), `not an X12 file: does not start with ISA (found "UNA:")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := x12.NewReader(bytes.NewReader(tt.data))
			seg, err := rd.Next()
			if seg != nil || !errors.Is(err, x12.ErrNotX12) {
				t.Fatalf("got %v, %v; want ErrNotX12", seg, err)
			}
			msg := err.Error()
			if tt.want != "" && msg != tt.want {
				t.Errorf("got %q, want %q", msg, tt.want)
			}
			if msg == "" || strings.ContainsAny(msg, "\r\n") {
				t.Errorf("got %q, want one non-empty line", msg)
			}
			if _, again := rd.Next(); again != err {
				t.Errorf("got %v on the second call, want the same error", again)
			}
		})
	}
}

func TestReaderSyntaxErrors(t *testing.T) {
	good := isaLine('*', 'U', "00401", "000000001", ':', '~')
	tests := []struct {
		name  string
		data  string
		code  string
		index int
	}{
		{"TruncatedISA", "ISA*00*          *00*", "022", 1},
		{"AlnumElement", strings.ReplaceAll(good, "*", "A"), "026", 1},
		{"AlnumComponent", isaLine('*', 'U', "00401", "000000001", 'Z', '~'), "027", 1},
		{"ComponentIsElement", isaLine('*', 'U', "00401", "000000001", '*', '~') + "GS*X~", "027", 1},
		{"TerminatorIsComponent", isaLine('*', 'U', "00401", "000000001", ':', ':'), "004", 1},
		{"RepetitionIsComponent", isaLine('*', ':', "00501", "000000001", ':', '~'), "016", 1},
		{"NoTerminator", strings.TrimSuffix(good, "~"), "004", 1},
		{"NoISA16", strings.TrimSuffix(good, ":~"), "027", 1},
		{"SecondISABad", good + "GS*SH~GE*0*1~IEA*1*000000001~\n" + isaLine('*', 'U', "00401", "000000002", ':', 'x'), "004", 5},
		{"TooLong", good + "GS*" + strings.Repeat("x", x12.MaxSegmentSize+10), "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := x12.NewReader(strings.NewReader(tt.data))
			var err error
			for err == nil {
				_, err = rd.Next()
			}
			var syn *x12.SyntaxError
			if !errors.As(err, &syn) {
				t.Fatalf("got %v, want a *SyntaxError", err)
			}
			if syn.Code != tt.code || syn.Index != tt.index {
				t.Errorf("got code %q index %d (%v), want %q %d", syn.Code, syn.Index, err, tt.code, tt.index)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("got %q, want one line", err)
			}
		})
	}
}

func TestReaderLongSegment(t *testing.T) {
	long := strings.Repeat("y", 300<<10) // longer than the initial buffer
	data := isaLine('*', 'U', "00401", "000000001", ':', '~') + "\nGS*" + long + "~\nGE*1~"
	got := MustReadAll(t, strings.NewReader(data))
	if len(got) != 3 || !strings.HasSuffix(got[1], "GS|"+long) || got[2] != "3 3 "+itoa(len(data)-5)+" GE|1" {
		t.Fatalf("got %d segments, want ISA, a 300 KiB GS, GE", len(got))
	}
}

func TestReaderReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	data := isaLine('*', 'U', "00401", "000000001", ':', '~') + "GS*SH~"
	rd := x12.NewReader(io.MultiReader(strings.NewReader(data), iotest.ErrReader(boom)))
	var err error
	n := 0
	for err == nil {
		_, err = rd.Next()
		n++
	}
	if !errors.Is(err, boom) || n != 3 {
		t.Fatalf("got %v after %d calls, want %v after 3", err, n, boom)
	}
	if _, err := x12.Validate(io.MultiReader(strings.NewReader(data), iotest.ErrReader(boom)), nil); !errors.Is(err, boom) {
		t.Fatalf("validate: got %v, want %v", err, boom)
	}
}

func TestSegmentAccessors(t *testing.T) {
	rd := x12.NewReader(bytes.NewReader(MustReadFile(t, "testdata/837-pipe-caret-5010.edi")))
	var clm, hi *x12.Segment
	for {
		seg, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch seg.ID {
		case "CLM":
			clm = seg.Clone()
		case "HI":
			hi = seg.Clone()
		}
	}
	d := rd.Delimiters()
	if clm == nil || hi == nil {
		t.Fatal("CLM or HI missing")
	}
	checks := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"CLM01", clm.Element(1), []byte("PATIENTACCT77")},
		{"CLM03 empty", clm.Element(3), []byte{}},
		{"CLM10 absent", clm.Element(10), nil},
		{"CLM00 absent", clm.Element(0), nil},
		{"CLM05-1", clm.Component(5, 1, d), []byte("11")},
		{"CLM05-2", clm.Component(5, 2, d), []byte("B")},
		{"CLM05-3", clm.Component(5, 3, d), []byte("1")},
		{"CLM05-4 absent", clm.Component(5, 4, d), nil},
		{"CLM01-1 whole", clm.Component(1, 1, d), []byte("PATIENTACCT77")},
		{"CLM01-2 absent", clm.Component(1, 2, d), nil},
		{"CLM12 absent", clm.Component(12, 1, d), nil},
	}
	for _, c := range checks {
		if !bytes.Equal(c.got, c.want) || (c.want == nil) != (c.got == nil) {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	reps := hi.Repetitions(1, d)
	if len(reps) != 2 || string(reps[0]) != "ABK^J020" || string(reps[1]) != "ABF^R509" {
		t.Errorf("HI01 repetitions: got %q", reps)
	}
	if got := hi.Repetitions(1, x12.Delimiters{}); len(got) != 1 {
		t.Errorf("without a repetition separator: got %d repetitions, want 1", len(got))
	}
}

// TestReaderReusesSegment documents that the Segment is reused by Next and
// a Clone is not.
func TestReaderReusesSegment(t *testing.T) {
	rd := x12.NewReader(strings.NewReader(isaLine('*', 'U', "00401", "000000001", ':', '~') + "GS*SH~ST*856*0001~"))
	first, _ := rd.Next()
	kept := first.Clone()
	second, _ := rd.Next()
	if first != second || second.ID != "GS" {
		t.Fatalf("got %p %p %s, want the same reused Segment", first, second, second.ID)
	}
	if kept.ID != "ISA" || string(kept.Element(13)) != "000000001" {
		t.Fatalf("clone changed: %s %s", kept.ID, kept.Element(13))
	}
}

func TestCopyToReuses(t *testing.T) {
	r := x12.NewReader(strings.NewReader("ISA*00*          *00*          *ZZ*A              *ZZ*B              *260301*1200*U*00401*000000001*0*P*>~GS*SH*A*B*20260301*1200*1*X*004010~"))
	var keep *x12.Segment
	for {
		s, err := r.Next()
		if err != nil {
			break
		}
		keep = s.CopyTo(keep)
		if got, want := string(keep.Element(1)), string(s.Element(1)); got != want || keep.ID != s.ID {
			t.Fatalf("copy %s %q, want %s %q", keep.ID, got, s.ID, want)
		}
	}
	if keep.ID != "GS" || string(keep.Element(8)) != "004010" {
		t.Fatalf("kept %s %q", keep.ID, keep.Element(8))
	}
	// Appending to a copied element must not spill into the next one.
	e := append(keep.Elements[0], 'X')
	if string(keep.Element(2)) != "A" || string(e) != "SHX" {
		t.Fatalf("elements share storage: %q %q", keep.Element(2), e)
	}
}
