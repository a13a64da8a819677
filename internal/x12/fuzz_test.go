package x12_test

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/clearway/clearway/internal/x12"
)

// addSeeds adds every fixture and a few edge cases to the corpus.
func addSeeds(f *testing.F) {
	paths, err := filepath.Glob("testdata/*.edi")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, p := range paths {
		f.Add(MustReadFile(f, p))
	}
	isa := isaLine('*', '^', "00501", "000000001", ':', '~')
	for _, s := range []string{"", "ISA", "\xEF\xBB\xBFISA*", isa, isa + "ISA*", isa + "\r\n~~ ~ST*1~SE*x~", "PK\x03\x04"} {
		f.Add([]byte(s))
	}
}

func FuzzReader(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		got := readAllLenient(bytes.NewReader(data))
		// Tokenizing must not depend on how the input is chunked.
		if one := readAllLenient(iotest.OneByteReader(bytes.NewReader(data))); !slices.Equal(one, got) {
			t.Fatalf("one byte at a time: first difference %q", firstDiff(one, got))
		}
		rd := x12.NewReader(bytes.NewReader(data))
		lastOffset, lastLine := int64(-1), 1
		for i := 1; ; i++ {
			seg, err := rd.Next()
			if err != nil {
				if msg := err.Error(); msg == "" || strings.Contains(msg, "\n") {
					t.Fatalf("got error %q, want one non-empty line", msg)
				}
				if !errors.Is(err, io.EOF) && !errors.Is(err, x12.ErrNotX12) {
					var syn *x12.SyntaxError
					if !errors.As(err, &syn) {
						t.Fatalf("got %T %v, want EOF, ErrNotX12 or *SyntaxError", err, err)
					}
				}
				return
			}
			if seg.Index != i || seg.Offset <= lastOffset || seg.Offset >= int64(len(data)) || seg.Line < lastLine {
				t.Fatalf("segment %d: index %d offset %d line %d after offset %d line %d", i, seg.Index, seg.Offset, seg.Line, lastOffset, lastLine)
			}
			if !bytes.HasPrefix(data[seg.Offset:], []byte(seg.ID)) {
				t.Fatalf("segment %d: offset %d does not start with %q", i, seg.Offset, seg.ID)
			}
			lastOffset, lastLine = seg.Offset, seg.Line
		}
	})
}

func FuzzValidate(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		visited := 0
		ics, err := x12.Validate(bytes.NewReader(data), func(ic *x12.Interchange, g *x12.Group, ts *x12.TransactionSet, seg *x12.Segment) error {
			if ic == nil || g == nil || ts == nil {
				t.Fatalf("segment %d visited without its envelopes", seg.Index)
			}
			visited++
			return nil
		})
		if err != nil {
			if err.Error() == "" || !errors.Is(err, x12.ErrNotX12) || ics != nil {
				t.Fatalf("got %v, %q; want only ErrNotX12 from in-memory input", ics, err)
			}
			return
		}
		if len(ics) == 0 {
			t.Fatal("no error and no interchange")
		}
		counted := 0
		check := func(errs []*x12.EnvelopeError, levels ...string) {
			for _, e := range errs {
				if e.Code == "" || e.Msg == "" || e.Error() == "" || !slices.Contains(levels, e.Level) {
					t.Fatalf("bad error %+v", e)
				}
				if e.Offset < 0 || e.Offset > int64(len(data)) || e.Line < 1 || e.SegmentIndex < 1 {
					t.Fatalf("bad position %+v (file %d bytes)", e, len(data))
				}
			}
		}
		for _, ic := range ics {
			check(ic.Errors, x12.LevelInterchange, x12.LevelSegment)
			for _, g := range ic.Groups {
				check(g.Errors, x12.LevelGroup)
				for _, ts := range g.Sets {
					check(ts.Errors, x12.LevelSet)
					counted += ts.SegmentCount
				}
			}
		}
		if counted != visited {
			t.Fatalf("visited %d segments, sets count %d", visited, counted)
		}
	})
}
