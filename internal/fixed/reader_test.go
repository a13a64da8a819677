package fixed_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/clearway/clearway/internal/codelist"
	"github.com/clearway/clearway/internal/fixed"
	"github.com/clearway/clearway/internal/testutil"
)

// brksts is the broker status layout of EDI.md §4: 80-character records, id
// in columns 1-2, T9 trailer with the total, S1 and L1 counts and the hash
// total of the L1 entered values.
func brksts() fixed.Options {
	return fixed.Options{
		RecordLength: 80,
		Trailer: &fixed.Trailer{
			Record:       "T9",
			TotalRecords: [2]int{12, 18},
			Counts:       map[string][2]int{"S1": {19, 25}, "L1": {26, 32}},
			Hash:         &fixed.HashTotal{Record: "L1", Field: [2]int{44, 55}, Total: [2]int{33, 46}},
		},
	}
}

func MustReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// event is one call to Next in the golden files: a line or an error.
type event struct {
	Num   int          `json:"num,omitempty"`
	ID    string       `json:"id,omitempty"`
	Text  string       `json:"text,omitempty"`
	Error *goldenError `json:"error,omitempty"`
}

type goldenError struct {
	Line      int    `json:"line"`
	Column    int    `json:"column,omitempty"`
	EndColumn int    `json:"end_column,omitempty"`
	Record    string `json:"record,omitempty"`
	Field     string `json:"field,omitempty"`
	Text      string `json:"text"`
}

// readEvents reads everything the way the mapping engine would with
// on_error: skip_row, splitting joined errors into their parts.
func readEvents(tb testing.TB, src io.Reader, opt fixed.Options) []event {
	tb.Helper()
	rd, err := fixed.NewReader(src, opt)
	if err != nil {
		tb.Fatalf("NewReader: %v", err)
	}
	events := []event{}
	for range 100000 {
		l, err := rd.Next()
		if err == io.EOF {
			return events
		}
		if err != nil {
			for _, e := range splitErrors(tb, err) {
				events = append(events, event{Error: &goldenError{e.Line, e.Column, e.EndColumn, e.Record, e.Field, e.Error()}})
			}
			continue
		}
		events = append(events, event{Num: l.Num, ID: l.ID, Text: l.Text})
	}
	tb.Fatal("Next never returned io.EOF")
	return nil
}

// splitErrors returns the *fixed.Error values err is made of.
func splitErrors(tb testing.TB, err error) []*fixed.Error {
	tb.Helper()
	if e, ok := err.(*fixed.Error); ok {
		return []*fixed.Error{e}
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		tb.Fatalf("got %T %v, want *fixed.Error or joined ones", err, err)
	}
	var out []*fixed.Error
	for _, e := range joined.Unwrap() {
		out = append(out, splitErrors(tb, e)...)
	}
	return out
}

func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data := MustReadFile(t, path)
			got := readEvents(t, bytes.NewReader(data), brksts())
			// Reading must not depend on how the input arrives.
			if one := readEvents(t, iotest.OneByteReader(bytes.NewReader(data)), brksts()); !bytes.Equal(testutil.GoldenJSON(t, one), testutil.GoldenJSON(t, got)) {
				t.Fatalf("one byte at a time: got %+v, want %+v", one, got)
			}
			out := testutil.GoldenJSON(t, got)
			golden := strings.TrimSuffix(path, ".txt") + ".golden.json"
			testutil.CheckGolden(t, golden, out)
		})
	}
}

// readLines reads a file that must have no faults.
func readLines(tb testing.TB, data []byte, opt fixed.Options) []*fixed.Line {
	tb.Helper()
	rd, err := fixed.NewReader(bytes.NewReader(data), opt)
	if err != nil {
		tb.Fatal(err)
	}
	var lines []*fixed.Line
	for {
		l, err := rd.Next()
		if err == io.EOF {
			return lines
		}
		if err != nil {
			tb.Fatalf("Next: %v", err)
		}
		lines = append(lines, l)
	}
}

func TestReader(t *testing.T) {
	want := readLines(t, MustReadFile(t, "testdata/brksts.txt"), brksts())

	t.Run("OK", func(t *testing.T) {
		var ids string
		for _, l := range want {
			ids += l.ID + " "
			if len(l.Text) != 80 {
				t.Fatalf("line %d: got %d characters, want 80", l.Num, len(l.Text))
			}
		}
		if ids != "H0 S1 S2 L1 L1 D1 S1 S2 L1 L1 D1 T9 " {
			t.Fatalf("got ids %q", ids)
		}
		// Spot checks against the EDI.md §4 positions.
		for _, c := range []struct {
			line       int
			start, end int
			want       string
		}{
			{1, 3, 8, "BRKSTS"}, {1, 40, 48, "000000042"}, {1, 49, 49, "P"},
			{2, 20, 22, "REL"}, {2, 59, 80, "RELEASED BY CBP       "},
			{3, 46, 56, "CSQU3054383"},
			{4, 17, 26, "8471300100"}, {4, 29, 40, "000000012500"}, {4, 44, 55, "000000004500"},
			{6, 14, 16, "CI "}, {6, 17, 17, "R"},
			{12, 19, 25, "0000002"}, {12, 33, 46, "00000000266944"},
		} {
			if got := want[c.line-1].Field(c.start, c.end); got != c.want {
				t.Fatalf("line %d columns %d-%d: got %q, want %q", c.line, c.start, c.end, got, c.want)
			}
		}
		for _, l := range want {
			if l.ID == "S1" && !codelist.EntryNumberCheckDigitValid(l.Field(3, 13)) {
				t.Fatalf("line %d: entry %q has a bad check digit", l.Num, l.Field(3, 13))
			}
		}
	})

	for _, name := range []string{"brksts-stripped.txt", "brksts-crlf.txt"} {
		t.Run("Identical/"+name, func(t *testing.T) {
			got := readLines(t, MustReadFile(t, "testdata/"+name), brksts())
			if len(got) != len(want) {
				t.Fatalf("got %d lines, want %d", len(got), len(want))
			}
			for i := range got {
				if *got[i] != *want[i] {
					t.Fatalf("got %+v, want %+v", *got[i], *want[i])
				}
			}
		})
	}

	t.Run("LinesAreNotReused", func(t *testing.T) {
		rd, err := fixed.NewReader(strings.NewReader("H0 a\nS1 b\n"), fixed.Options{RecordLength: 10})
		if err != nil {
			t.Fatal(err)
		}
		first, _ := rd.Next()
		second, _ := rd.Next()
		if first.ID != "H0" || first.Text != "H0 a      " || second.ID != "S1" || second.Num != 2 {
			t.Fatalf("got %+v and %+v", first, second)
		}
	})

	t.Run("RecordID", func(t *testing.T) {
		got := readLines(t, []byte("xx10 a\nxxZZ\nxx9\n"), fixed.Options{RecordLength: 8, RecordID: [2]int{3, 4}})
		if got[0].ID != "10" || got[1].ID != "ZZ" || got[2].ID != "9" {
			t.Fatalf("got ids %q %q %q", got[0].ID, got[1].ID, got[2].ID)
		}
	})

	t.Run("TrailingBlankLinesIgnored", func(t *testing.T) {
		got := readLines(t, []byte("A1\nA2\n\n  \n\x1a"), fixed.Options{RecordLength: 4})
		if len(got) != 2 {
			t.Fatalf("got %d lines, want 2", len(got))
		}
	})

	t.Run("LastLineWithoutNewline", func(t *testing.T) {
		got := readLines(t, []byte("A1\r\nA2"), fixed.Options{RecordLength: 4})
		if len(got) != 2 || got[1].Text != "A2  " {
			t.Fatalf("got %+v", got)
		}
	})
}

func TestField(t *testing.T) {
	l := &fixed.Line{Num: 1, ID: "L1", Text: "L1ABC     "}
	for _, c := range []struct {
		start, end int
		want       string
	}{
		{1, 2, "L1"}, {3, 5, "ABC"}, {6, 10, "     "}, {9, 12, "  "}, {11, 20, ""}, {0, 2, "L1"}, {5, 4, ""},
	} {
		if got := l.Field(c.start, c.end); got != c.want {
			t.Fatalf("Field(%d, %d): got %q, want %q", c.start, c.end, got, c.want)
		}
	}
}

func TestReaderErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		file string
		want []string // every error, in order
	}{
		{"LongLine", "brksts-long-line.txt", []string{"line 7 (S1): record is 83 characters, longer than the record length 80"}},
		{"BadS1Count", "brksts-bad-s1-count.txt", []string{"line 12 (T9), columns 19-25: S1 count 3 does not match 2 S1 records in the file"}},
		{"BadHash", "brksts-bad-hash.txt", []string{"line 12 (T9), columns 33-46: hash total 267044 does not match 266944, the sum of L1 columns 44-55"}},
		{"NoTrailer", "brksts-no-trailer.txt", []string{"line 11: the file ends without a T9 trailer record (was it cut short?)"}},
		{"EmptyLine", "brksts-empty-line.txt", []string{"line 7: empty line in the middle of the file"}},
		{"AfterTrailer", "brksts-after-trailer.txt", []string{
			"line 13 (S1): record after the T9 trailer on line 12; the trailer must be the last record (2 records follow it)",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, ev := range readEvents(t, bytes.NewReader(MustReadFile(t, "testdata/"+tt.file)), brksts()) {
				if ev.Error != nil {
					got = append(got, ev.Error.Text)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}

	t.Run("MismatchesJoined", func(t *testing.T) {
		data := MustReadFile(t, "testdata/brksts-bad-s1-count.txt")
		data = bytes.Replace(data, []byte("00000000266944"), []byte("0000000026694X"), 1)
		rd, err := fixed.NewReader(bytes.NewReader(data), brksts())
		if err != nil {
			t.Fatal(err)
		}
		var last error
		for {
			_, err := rd.Next()
			if err == io.EOF {
				break
			}
			last = err
		}
		if errs := splitErrors(t, last); len(errs) != 2 || errs[0].Field != "S1 count" || errs[1].Field != "hash total" || errs[1].Column != 33 || errs[1].EndColumn != 46 {
			t.Fatalf("got %v, want the S1 count and the hash total", last)
		}
		if _, err := rd.Next(); err != io.EOF {
			t.Fatalf("got %v after the final check, want io.EOF", err)
		}
	})

	t.Run("BadHashValue", func(t *testing.T) {
		data := bytes.Replace(MustReadFile(t, "testdata/brksts.txt"), []byte("NO 000000012345"), []byte("NO 0000000123A5"), 1)
		events := readEvents(t, bytes.NewReader(data), brksts())
		last := events[len(events)-1].Error
		if last == nil || last.Text != `line 5 (L1), columns 44-55: "0000000123A5" is not a whole number, so the T9 hash total cannot be checked` {
			t.Fatalf("got %+v", last)
		}
	})

	t.Run("SignedHashValues", func(t *testing.T) {
		opt := fixed.Options{RecordLength: 12, Trailer: &fixed.Trailer{Record: "T9", Hash: &fixed.HashTotal{Record: "L1", Field: [2]int{3, 8}, Total: [2]int{3, 12}}}}
		data := "L1   -12\nL1+00020\nL1     \nL1  0007\nT9        15\n"
		if got := readLines(t, []byte(data), opt); len(got) != 5 {
			t.Fatalf("got %d lines, want 5", len(got))
		}
	})

	t.Run("EmptyFileWithTrailer", func(t *testing.T) {
		rd, _ := fixed.NewReader(strings.NewReader("\n\n"), brksts())
		_, err := rd.Next()
		if err == nil || err.Error() != "the file is empty: it has no T9 trailer record" {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("VeryLongLine", func(t *testing.T) {
		data := "A1\n" + strings.Repeat("B", 200000) + "\r\nA3\n"
		rd, err := fixed.NewReader(strings.NewReader(data), fixed.Options{RecordLength: 80})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for {
			l, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				got = append(got, err.Error())
				continue
			}
			got = append(got, l.ID)
		}
		want := "A1|line 2 (BB): record is 200000 characters, longer than the record length 80|A3"
		if strings.Join(got, "|") != want {
			t.Fatalf("got %q, want %q", strings.Join(got, "|"), want)
		}
	})

	t.Run("NotText", func(t *testing.T) {
		rd, _ := fixed.NewReader(strings.NewReader("PK\x03\x04\x14\x00"), fixed.Options{RecordLength: 80})
		if _, err := rd.Next(); !errors.Is(err, fixed.ErrNotText) || !strings.Contains(err.Error(), "ZIP archive") {
			t.Fatalf("got %v, want ErrNotText", err)
		}
	})
}

func TestOptions(t *testing.T) {
	for _, tt := range []struct {
		name string
		opt  fixed.Options
		want string
	}{
		{"NoLength", fixed.Options{}, "fixed record_length 0"},
		{"IDOutside", fixed.Options{RecordLength: 80, RecordID: [2]int{79, 81}}, "fixed record_id positions [79, 81]"},
		{"IDBackwards", fixed.Options{RecordLength: 80, RecordID: [2]int{3, 2}}, "fixed record_id positions [3, 2]"},
		{"CountOutside", fixed.Options{RecordLength: 80, Trailer: &fixed.Trailer{Record: "T9", Counts: map[string][2]int{"S1": {79, 85}}}}, "fixed trailer count of S1 positions [79, 85]"},
		{"TrailerIDTooLong", fixed.Options{RecordLength: 80, Trailer: &fixed.Trailer{Record: "T99"}}, `fixed trailer record "T99": longer than the record id's 2 characters`},
		{"NoTrailerID", fixed.Options{RecordLength: 80, Trailer: &fixed.Trailer{}}, "fixed trailer record: record id is empty"},
		{"HashOutside", fixed.Options{RecordLength: 80, Trailer: &fixed.Trailer{Record: "T9", Hash: &fixed.HashTotal{Record: "L1", Field: [2]int{44, 55}, Total: [2]int{70, 90}}}}, "fixed hash total positions [70, 90]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fixed.NewReader(strings.NewReader(""), tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
