package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/sqlite"
	"github.com/clearway/clearway/internal/testutil"
)

// invoiceCSV is a test mapping: a supplier invoice as CSV with the B/L and
// container on each line.
const invoiceCSV = `name: invoice-csv
format: csv
match: {path: "inbox/invoices/*.csv"}
records:
  - kind: invoice_line
    fields:
      invoice_number: {column: Invoice, required: true}
      line_no: {column: Line, type: int, required: true}
      hs_code: {column: HTS, type: hs_code}
      quantity: {column: Qty, type: decimal}
      bill_of_lading: {column: BL}
  - kind: packing_line
    fields:
      invoice_number: {column: Invoice}
      container_number: {column: Container}
      bill_of_lading: {column: BL}
`

func (d *demo) withMappings(t *testing.T, files map[string]string, mappings string) {
	t.Helper()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(d.dir, "mappings", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, _ := os.ReadFile(d.config)
	os.WriteFile(d.config, []byte(strings.Replace(string(cfg), "mappings: []", "mappings: "+mappings, 1)), 0o644)
}

// waitFiles polls the journal until n files reached a final state.
func (d *demo) waitFiles(t *testing.T, n int, timeout time.Duration) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		files := d.journal(t)
		final := 0
		for _, f := range files {
			if s := f["state"]; s != "received" && s != "processing" {
				final++
			}
		}
		if final >= n {
			return files
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d files finished: %v", final, n, files)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestIngestOverSFTP(t *testing.T) {
	d := newDemo(t)
	repo, _ := filepath.Abs("../..")
	xlsxMap, _ := os.ReadFile(filepath.Join(repo, "mappings", "supplier-invoice-xlsx.yaml"))
	d.withMappings(t, map[string]string{"invoice-csv.yaml": invoiceCSV, "supplier-invoice-xlsx.yaml": string(xlsxMap)}, "[invoice-csv, supplier-invoice-xlsx]")
	dm := d.start(t)
	inv := filepath.Join(d.dir, "inv.csv")
	os.WriteFile(inv, []byte("Invoice,Line,HTS,Qty,BL,Container\nINV-9,1,8471.30.0100,5,MAEU240312345,MSKU7051237\nINV-9,2,8482.10.5048,7,MAEU240312345,MSKU7051237\n"), 0o644)
	bad := filepath.Join(d.dir, "bad.csv")
	os.WriteFile(bad, []byte("Invoice,Line,HTS,Qty,BL,Container\nINV-10,1,8471.30.0100,5,MAEU9,MSKU7051237\n,2,8471.30.0100,5,MAEU9,MSKU7051237\n"), 0o644)
	xlsx := filepath.Join(repo, "testdata/mappings/supplier-invoice-xlsx/inbox/invoices/INV-2026-0042_BL-MAEU240312345.xlsx")
	script := fmt.Sprintf("mkdir /inbox/invoices\nput %s /inbox/invoices/INV-9.csv\nput %s /inbox/invoices/INV-9-again.csv\nput %s /inbox/invoices/INV-10.csv\nput %s /inbox/invoices/INV-2026-0042_BL-MAEU240312345.xlsx\n", inv, inv, bad, xlsx)
	if out, err := d.sftp(t, dm.port, script); err != nil {
		t.Fatalf("sftp: %v\n%s", err, out)
	}
	files := d.waitFiles(t, 4, 30*time.Second)
	states := map[string]string{}
	for _, f := range files {
		states[f["name"].(string)] = f["state"].(string)
	}
	want := map[string]string{"inbox/invoices/INV-9.csv": "done", "inbox/invoices/INV-9-again.csv": "duplicate",
		"inbox/invoices/INV-10.csv": "rejected", "inbox/invoices/INV-2026-0042_BL-MAEU240312345.xlsx": "done"}
	for name, st := range want {
		if states[name] != st {
			t.Errorf("%s: state %q, want %q (journal %v)", name, states[name], st, states)
		}
	}

	// The B/L and the container both find the one shipment; the XLSX joined it.
	show := func(ref string) map[string]any {
		out, errOut, code := d.clearway(t, "shipment", "show", ref, "--json")
		if code != 0 {
			t.Fatalf("shipment show %s: exit %d: %s", ref, code, errOut)
		}
		var s map[string]any
		json.Unmarshal([]byte(out), &s)
		return s
	}
	byBL, byContainer := show("MAEU240312345"), show("MSKU7051237")
	if byBL["ref"] == nil || byBL["ref"] != byContainer["ref"] {
		t.Fatalf("B/L finds %v, container finds %v", byBL["ref"], byContainer["ref"])
	}
	if lines := byBL["lines"].([]any); len(lines) != 5 { // 2 CSV lines + 3 XLSX lines
		t.Fatalf("shipment has %d invoice lines, want 5", len(lines))
	}
	// Nothing of the rejected file reached the store; its report names row and field.
	if _, _, code := d.clearway(t, "shipment", "show", "INV-10"); code != 1 {
		t.Fatal("the rejected file's invoice reached the store")
	}
	errDir := filepath.Join(d.dir, "var", "partners", "acme", "errors")
	report, err := os.ReadFile(filepath.Join(errDir, "INV-10.csv.error.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(report), `row 3, column "Invoice"`) || !strings.Contains(string(report), "invoice_number") {
		t.Fatalf("report:\n%s", report)
	}
	if _, err := os.Stat(filepath.Join(errDir, "INV-10.csv")); err != nil {
		t.Fatal("the original is not kept beside its report")
	}
	// Handled files leave the inbox.
	if entries, _ := os.ReadDir(filepath.Join(d.dir, "var", "partners", "acme", "inbox", "invoices")); len(entries) != 0 {
		t.Fatalf("inbox still holds %d files", len(entries))
	}
	dm.stop(t)
}

// kill -9 while 60 uploaded files of 300 lines are being ingested, then a
// restart: every file ends done and every line exists exactly once.
func TestKill9DuringIngest(t *testing.T) {
	d := newDemo(t)
	d.withMappings(t, map[string]string{"invoice-csv.yaml": invoiceCSV}, "[invoice-csv]")
	dm := d.start(t)
	var script strings.Builder
	script.WriteString("mkdir /inbox/invoices\n")
	for i := 0; i < 60; i++ {
		var b strings.Builder
		b.WriteString("Invoice,Line,HTS,Qty,BL,Container\n")
		for l := 1; l <= 300; l++ {
			fmt.Fprintf(&b, "INV-%03d,%d,8471.30.0100,%d,BL%03d,MSKU7051237\n", i, l, l, i%7)
		}
		p := filepath.Join(d.dir, fmt.Sprintf("f%03d.csv", i))
		os.WriteFile(p, []byte(b.String()), 0o644)
		fmt.Fprintf(&script, "put %s /inbox/invoices/INV-%03d.csv\n", p, i)
	}
	if out, err := d.sftp(t, dm.port, script.String()); err != nil {
		t.Fatalf("sftp: %v\n%s", err, out)
	}
	// Kill while ingest is under way (some files done, not all).
	deadline := time.Now().Add(30 * time.Second)
	for {
		done := 0
		for _, f := range d.journal(t) {
			if f["state"] == "done" {
				done++
			}
		}
		if done >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	dm.cmd.Process.Signal(syscall.SIGKILL)
	<-dm.done
	dm2 := d.start(t)
	files := d.waitFiles(t, 60, 60*time.Second)
	if len(files) != 60 {
		t.Fatalf("journal has %d files, want 60", len(files))
	}
	for _, f := range files {
		if f["state"] != "done" {
			t.Fatalf("file %v ended %v: %v", f["name"], f["state"], f["error"])
		}
	}
	dm2.stop(t)
	db := sqlite.NewDB(filepath.Join(d.dir, "var", "clearway.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, err := sql.Open("sqlite3", sqlite.DSN(db.Path))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var lines, distinct int
	if err := raw.QueryRowContext(context.Background(), `SELECT COUNT(*), COUNT(DISTINCT key) FROM facts WHERE kind = 'invoice_line'`).Scan(&lines, &distinct); err != nil {
		t.Fatal(err)
	}
	if lines != 18000 || distinct != 18000 {
		t.Fatalf("%d invoice lines (%d distinct), want 18000 exactly once", lines, distinct)
	}
}

var _ = testutil.RequireTool
