package csvx_test

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/clearway/clearway/internal/csvx"
)

// fuzzOptions picks the reader settings from one fuzzed byte.
func fuzzOptions(sel byte) csvx.Options {
	delims := []rune{0, ';', '\t', '|'}
	encodings := []string{"", "windows-1252", "iso-8859-1", "utf-8"}
	return csvx.Options{
		Delimiter: delims[sel&3],
		Encoding:  encodings[sel>>2&3],
		HeaderRow: int(sel>>4) % 4,
	}
}

// fuzzOptionsFor is the byte that fuzzOptions turns into opt, for seeds.
func fuzzOptionsFor(opt csvx.Options) byte {
	var sel byte
	switch opt.Delimiter {
	case ';':
		sel = 1
	case '\t':
		sel = 2
	case '|':
		sel = 3
	}
	switch strings.ToLower(opt.Encoding) {
	case "windows-1252":
		sel |= 1 << 2
	case "iso-8859-1":
		sel |= 2 << 2
	}
	return sel | byte(opt.HeaderRow%4)<<4
}

func FuzzReader(f *testing.F) {
	paths, err := filepath.Glob("testdata/*.csv")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, p := range paths {
		f.Add(MustReadFile(f, p), fuzzOptionsFor(optionsFor(filepath.Base(p))))
	}
	for _, s := range []string{"", "\"", "a,\"b\nc", "\xEF\xBB\xBF", "\r", "\n\n\n", "a\x00b", "PK\x03\x04", "\xFF\xFE", "x\"y", "\"\"\"", "a\rb\r\"c\rd\""} {
		f.Add([]byte(s), byte(0x10))
	}
	f.Fuzz(func(t *testing.T, data []byte, sel byte) {
		opt := fuzzOptions(sel)
		got := fuzzRead(t, bytes.NewReader(data), opt, len(data))
		if one := fuzzRead(t, iotest.OneByteReader(bytes.NewReader(data)), opt, len(data)); one != got {
			t.Fatalf("one byte at a time:\n%s\nwant\n%s", one, got)
		}
	})
}

// fuzzRead reads everything, checks the invariants the mapping engine relies
// on, and returns a transcript to compare between ways of reading.
func fuzzRead(t *testing.T, src io.Reader, opt csvx.Options, size int) string {
	var out strings.Builder
	checkErr := func(err error) {
		msg := err.Error()
		if msg == "" || strings.Contains(msg, "\n") {
			t.Fatalf("got error %q, want one non-empty line", msg)
		}
		if e, ok := errors.AsType[*csvx.Error](err); ok && (e.Line < 0 || e.Column < 0 || e.Msg == "") {
			t.Fatalf("got %+v, want a positioned error with a message", e)
		}
		out.WriteString("error: " + msg + "\n")
	}
	rd, err := csvx.NewReader(src, opt)
	if err != nil {
		checkErr(err)
		return out.String()
	}
	for _, h := range rd.Header() {
		if !utf8.ValidString(h) || h != strings.TrimSpace(h) {
			t.Fatalf("header %q: want trimmed UTF-8", h)
		}
	}
	lastNum := opt.HeaderRow
	for range size + 2 {
		row, err := rd.Next()
		if err == io.EOF {
			return out.String()
		}
		if err != nil {
			checkErr(err)
			continue
		}
		if row.Num <= lastNum || row.Num > row.Line || row.Blank() {
			t.Fatalf("row %d on line %d after row %d (blank %v)", row.Num, row.Line, lastNum, row.Blank())
		}
		lastNum = row.Num
		out.WriteString("row:")
		for _, c := range row.Cells {
			if !utf8.ValidString(c.Text) {
				t.Fatalf("row %d: cell %q is not UTF-8", row.Num, c.Text)
			}
			out.WriteString(" " + c.Text)
		}
		out.WriteString("\n")
	}
	t.Fatalf("Next did not reach io.EOF within %d calls", size+2)
	return ""
}
