package fixed_test

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/clearway/clearway/internal/fixed"
)

func FuzzReader(f *testing.F) {
	paths, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, p := range paths {
		f.Add(MustReadFile(f, p), uint8(80))
	}
	for _, s := range []string{"", "\n", "\r\n\r\n", "T9", "T9\nS1", "\x1a", "PK\x03\x04", "L1\r\rT9\n", "H0\n\nT9\n\n"} {
		f.Add([]byte(s), uint8(4))
	}
	f.Fuzz(func(t *testing.T, data []byte, length uint8) {
		opt := brksts()
		if length < 80 {
			// A short layout: id in 1-2, counts and hash where they fit.
			n := int(length%16) + 3
			opt = fixed.Options{RecordLength: n, Trailer: &fixed.Trailer{
				Record:       "T9",
				TotalRecords: [2]int{3, n},
				Counts:       map[string][2]int{"S1": {3, n}},
				Hash:         &fixed.HashTotal{Record: "L1", Field: [2]int{3, n}, Total: [2]int{3, n}},
			}}
		}
		got := fuzzRead(t, bytes.NewReader(data), opt, len(data))
		if one := fuzzRead(t, iotest.OneByteReader(bytes.NewReader(data)), opt, len(data)); one != got {
			t.Fatalf("one byte at a time:\n%s\nwant\n%s", one, got)
		}
		opt.Trailer = nil
		fuzzRead(t, bytes.NewReader(data), opt, len(data))
	})
}

// fuzzRead reads everything, checks the invariants the mapping engine relies
// on, and returns a transcript to compare between ways of reading.
func fuzzRead(t *testing.T, src io.Reader, opt fixed.Options, size int) string {
	rd, err := fixed.NewReader(src, opt)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var out strings.Builder
	last := 0
	for range size + 3 {
		l, err := rd.Next()
		if err == io.EOF {
			return out.String()
		}
		if err != nil {
			for _, e := range strings.Split(err.Error(), "\n") {
				if e == "" {
					t.Fatalf("got error %q with an empty part", err)
				}
			}
			var fe *fixed.Error
			if !errors.As(err, &fe) && !errors.Is(err, fixed.ErrNotText) {
				t.Fatalf("got %T %v, want *fixed.Error", err, err)
			}
			if fe != nil && (fe.Line < 0 || fe.Msg == "" || (fe.Column > 0 && fe.EndColumn > opt.RecordLength)) {
				t.Fatalf("got %+v, want a positioned error with a message", fe)
			}
			out.WriteString("error: " + err.Error() + "\n")
			continue
		}
		if l.Num <= last || len(l.Text) != opt.RecordLength || l.ID != strings.Trim(l.Field(1, 2), " ") {
			t.Fatalf("got line %+v after line %d", l, last)
		}
		last = l.Num
		out.WriteString(l.Text + "\n")
	}
	t.Fatalf("Next did not reach io.EOF within %d calls", size+3)
	return ""
}
