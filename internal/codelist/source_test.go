package codelist

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"regexp"
	"testing"
)

// TestSourceChecksums checks that every embedded file has the sha256 that
// SOURCE.md records, so a hand edit without regenerating fails.
func TestSourceChecksums(t *testing.T) {
	src, err := os.ReadFile("SOURCE.md")
	if err != nil {
		t.Fatal(err)
	}
	recorded := make(map[string]string)
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\| ([0-9a-f]{64}) \\|$")
	for _, m := range row.FindAllStringSubmatch(string(src), -1) {
		recorded[m[1]] = m[2]
	}
	embedded := map[string]string{
		"hs2022.txt":    hsFile,
		"iso3166-1.csv": countryFile,
		"iso4217.csv":   currencyFile,
		"uom.csv":       uomFile,
	}
	if len(recorded) != len(embedded) {
		t.Errorf("got %d checksums in SOURCE.md, want %d", len(recorded), len(embedded))
	}
	for name, data := range embedded {
		sum := sha256.Sum256([]byte(data))
		if got, want := hex.EncodeToString(sum[:]), recorded[name]; got != want {
			t.Errorf("%s: got sha256 %s, want %s (SOURCE.md); regenerate with go generate", name, got, want)
		}
	}
}

// TestEmbeddedTablesParse forces every lazy loader, so a malformed file
// fails here rather than panicking in production.
func TestEmbeddedTablesParse(t *testing.T) {
	if len(hsCodes()) == 0 || len(countries()) == 0 || len(currencies()) == 0 || len(uoms().cbp) == 0 {
		t.Fatal("got an empty table")
	}
	if _, err := readTable("x.csv", "a,b\n1,2\n", "a", "c"); err == nil {
		t.Error("readTable accepted a wrong header")
	}
	if _, err := readTable("x.csv", "a,b\n1,2,3\n", "a", "b"); err == nil {
		t.Error("readTable accepted a row with too many fields")
	}
}
