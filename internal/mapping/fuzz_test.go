package mapping

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clearway/clearway/mappings"
)

// FuzzMap feeds random and mutated inputs to every shipped mapping: no
// panic, and every problem is a positioned, non-empty one-line error.
func FuzzMap(f *testing.F) {
	var ms []*Mapping
	names, _ := fs.Glob(mappings.FS, "*.yaml")
	for _, n := range names {
		data, _ := fs.ReadFile(mappings.FS, n)
		m, err := Parse(data, n)
		if err != nil {
			f.Fatal(err)
		}
		ms = append(ms, m)
	}
	filepath.WalkDir(samplesDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".json") && !strings.HasSuffix(p, ".md") && !strings.HasSuffix(p, ".go") {
			if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
		return nil
	})
	f.Add([]byte{})
	f.Add([]byte("ISA*00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, m := range ms {
			res, err := m.Run(Input{Name: "inbox/fuzz.bin", R: bytes.NewReader(data)}, func(*Record) error { return nil })
			if err != nil {
				t.Fatalf("%s: Run returned %v (only emit and I/O errors may come back)", m.Name, err)
			}
			for _, e := range res.Errors {
				if msg := e.Error(); msg == "" || strings.Contains(msg, "\n") {
					t.Fatalf("%s: bad error text %q", m.Name, msg)
				}
			}
		}
	})
}
