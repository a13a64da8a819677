package testutil

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"
)

// Update is the -update flag of every golden test: rewrite the golden
// files from the current output instead of comparing with them.
var Update = flag.Bool("update", false, "rewrite golden files from the current output")

// GoldenJSON renders v as indented JSON without HTML escaping, so "&" and
// "<" read as themselves in golden files.
func GoldenJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// CheckGolden compares got with the golden file at path, or rewrites the
// file under -update. A difference names the first line that differs.
func CheckGolden(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if *Update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			tb.Errorf("%s differs at line %d (run go test -update to accept):\n got: %s\nwant: %s\nwhole output:\n%s", path, i+1, gl, wl, got)
			return
		}
	}
}
