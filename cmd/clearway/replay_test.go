package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// replayV1 requires a Currency column; three of the supplier's files have
// none and are rejected.
const replayV1 = `name: replay-invoice
format: csv
match: {path: "inbox/invoices/*.csv"}
records:
  - kind: invoice_line
    fields:
      invoice_number: {column: Invoice, required: true}
      line_no: {column: Line, type: int, required: true}
      hs_code: {column: HTS, type: hs_code}
      quantity: {column: Qty, type: decimal}
      line_value: {column: Amount, type: decimal}
      currency: {column: Currency, required: true}
      bill_of_lading: {column: BL}
`

// replayV2 takes the currency as the supplier's contract says (USD) and
// reads the country of origin, which v1 left out.
var replayV2 = strings.Replace(strings.Replace(replayV1, "{column: Currency, required: true}", "{value: USD}", 1),
	"      bill_of_lading:", "      origin_country: {column: COO, type: country}\n      bill_of_lading:", 1)

type replayResult struct {
	Files []struct {
		ID          int64  `json:"file_id"`
		Outcome     string `json:"outcome"`
		StateBefore string `json:"state_before"`
		StateAfter  string `json:"state_after"`
		Applied     bool   `json:"applied"`
		Counts      struct{ Added, Changed, Removed int }
		Lines       []struct {
			Op, Kind, Key string
			Fields        []struct{ Field, Before, After string }
		}
	}
	Applied bool `json:"applied"`
	Summary struct {
		Files   int            `json:"files"`
		Applied int            `json:"applied"`
		Outcome map[string]int `json:"outcomes"`
	} `json:"summary"`
}

func (d *demo) replay(t *testing.T, args ...string) replayResult {
	t.Helper()
	out, errOut, code := d.clearway(t, append([]string{"replay", "--json"}, args...)...)
	var r replayResult
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
		t.Fatalf("replay %v: exit %d\n%s\n%s", args, code, out, errOut)
	}
	return r
}

// A partner's ten invoices, three rejected for a column a new mapping
// version no longer needs: the dry run names exactly those three as newly
// accepted and the field changes of the seven others; --apply makes it so
// as an upload would; a second --apply changes nothing.
func TestReplayNewMappingVersion(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	d.withMappings(t, map[string]string{"replay-invoice.yaml": replayV1}, "[replay-invoice]")
	src := t.TempDir()
	var rejected []int64
	for i := 1; i <= 10; i++ {
		header, currency := "Invoice,Line,HTS,Qty,Amount,Currency,COO,BL", ",USD"
		if i%3 == 0 { // files 3, 6, 9: the supplier's new template
			header, currency = "Invoice,Line,HTS,Qty,Amount,COO,BL", ""
		}
		body := header + "\n"
		for line := 1; line <= 2; line++ {
			body += fmt.Sprintf("INV-%02d,%d,8471.30.0100,%d,%d.00%s,CN,BL-%02d\n", i, line, 10*line, 100*line, currency, i)
		}
		path := filepath.Join(src, fmt.Sprintf("INV-%02d.csv", i))
		os.WriteFile(path, []byte(body), 0o644)
		d.clearway(t, "ingest", "--partner", "acme", "--into", "inbox/invoices", path)
		if i%3 == 0 {
			rejected = append(rejected, int64(i))
		}
	}
	errorsDir := filepath.Join(d.dir, "var", "partners", "acme", "errors")
	for _, name := range []string{"INV-03.csv", "INV-03.csv.error.txt"} {
		if _, err := os.Stat(filepath.Join(errorsDir, name)); err != nil {
			t.Fatalf("the rejected file's report: %v", err)
		}
	}
	v2 := filepath.Join(t.TempDir(), "replay-invoice.yaml")
	os.WriteFile(v2, []byte(replayV2), 0o644)

	dry := d.replay(t, "--partner", "acme", "--with", v2, "--dry-run")
	var accepted []int64
	for _, f := range dry.Files {
		switch f.Outcome {
		case "newly accepted":
			accepted = append(accepted, f.ID)
		case "changed":
			if f.Counts.Changed != 2 || f.Counts.Added+f.Counts.Removed != 0 || len(f.Lines) != 2 {
				t.Errorf("file %d: %+v, want its two lines changed", f.ID, f)
			}
			for _, l := range f.Lines {
				if len(l.Fields) != 1 || l.Fields[0].Field != "origin_country" || l.Fields[0].Before != "" || l.Fields[0].After != "CN" {
					t.Errorf("file %d %s: %+v, want origin_country (none) → CN", f.ID, l.Key, l.Fields)
				}
			}
		default:
			t.Errorf("file %d: %s", f.ID, f.Outcome)
		}
	}
	if !slices.Equal(accepted, rejected) || len(dry.Files) != 10 || dry.Applied {
		t.Fatalf("dry run: newly accepted %v, want %v; %d files", accepted, rejected, len(dry.Files))
	}
	if n := countState(d.journal(t), "rejected"); n != 3 {
		t.Fatalf("the dry run wrote: %d rejected files left, want 3", n)
	}

	// v2 goes live; the rejected files are re-run with it.
	os.WriteFile(filepath.Join(d.dir, "mappings", "replay-invoice.yaml"), []byte(replayV2), 0o644)
	applied := d.replay(t, "--partner", "acme", "--apply")
	if applied.Summary.Applied != 10 || applied.Summary.Outcome["newly accepted"] != 3 || applied.Summary.Outcome["changed"] != 7 {
		t.Fatalf("apply: %+v", applied.Summary)
	}
	if n := countState(d.journal(t), "done"); n != 10 {
		t.Errorf("after --apply %d files done, want 10", n)
	}
	show, _, _ := d.clearway(t, "shipment", "show", "BL-03", "--json")
	if !strings.Contains(show, `"origin_country": "CN"`) || !strings.Contains(show, `"invoice_number": "INV-03"`) {
		t.Errorf("INV-03 after the replay:\n%s", show)
	}
	// As for an upload accepted the first time: no report in /errors,
	// a short note where the old one was.
	for _, gone := range []string{"INV-03.csv", "INV-03.csv.error.txt"} {
		if _, err := os.Stat(filepath.Join(errorsDir, gone)); !os.IsNotExist(err) {
			t.Errorf("%s still in /errors (%v)", gone, err)
		}
	}
	if note, err := os.ReadFile(filepath.Join(errorsDir, "INV-03.csv.accepted.txt")); err != nil || !strings.Contains(string(note), "Accepted after correction") {
		t.Errorf("the note: %v %s", err, note)
	}

	again := d.replay(t, "--partner", "acme", "--apply")
	if again.Summary.Applied != 0 || again.Summary.Outcome["unchanged"] != 10 {
		t.Errorf("a second --apply: %+v, want 10 unchanged and nothing written", again.Summary)
	}
	out, _, _ := d.clearway(t, "replay", "--partner", "acme", "--dry-run", "--file", "3")
	if !strings.Contains(out, "file 3  acme  /inbox/invoices/INV-03.csv") || !strings.Contains(out, "unchanged") {
		t.Errorf("text output:\n%s", out)
	}
}

func countState(files []map[string]any, state string) int {
	n := 0
	for _, f := range files {
		if f["state"] == state {
			n++
		}
	}
	return n
}
