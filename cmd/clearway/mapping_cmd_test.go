package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMappingCommands(t *testing.T) {
	d := newDemo(t)
	repo, _ := filepath.Abs("../..")
	shipped := func(name string) string { return filepath.Join(repo, "mappings", name+".yaml") }
	sample := func(rel string) string { return filepath.Join(repo, "testdata", "mappings", rel) }

	t.Run("CheckShipped", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join(repo, "mappings", "*.yaml"))
		out, errOut, code := d.clearway(t, append([]string{"mapping", "check"}, files...)...)
		if code != 0 || strings.Count(out, ": ok") != len(files) {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("CheckBad", func(t *testing.T) {
		bad := filepath.Join(d.dir, "bad.yaml")
		os.WriteFile(bad, []byte("name: bad\nformat: csv\nmatch: {path: '*'}\nrecords:\n  - kind: invoice_line\n    fields:\n      hts: {column: HTS}\n"), 0o644)
		_, errOut, code := d.clearway(t, "mapping", "check", bad)
		if code != 1 || !strings.Contains(errOut, bad+":7: records[0].fields.hts: unknown field") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("TestJSON", func(t *testing.T) {
		out, errOut, code := d.clearway(t, "mapping", "test", shipped("x12-350"), sample("x12-350/inbox/edi/350/350_000000101.edi"), "--json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		var rec struct {
			Kind   string            `json:"kind"`
			Fields map[string]string `json:"fields"`
			Source map[string]any    `json:"source"`
		}
		if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
			t.Fatalf("%v: %s", err, lines[0])
		}
		if rec.Kind != "status_event" || rec.Fields["code"] != "1H" || rec.Source["segment"] == nil || rec.Source["loop"] != "X4" {
			t.Fatalf("got %s", lines[0])
		}
	})
	t.Run("TestRejected", func(t *testing.T) {
		out, errOut, code := d.clearway(t, "mapping", "test", shipped("supplier-invoice-xlsx"),
			sample("supplier-invoice-xlsx/bad/inbox/invoices/INV-2026-0042_BL-MAEU240312345_missing-invno.xlsx"), "--json")
		if code != 1 || out != "" || !strings.Contains(errOut, `row 5, column "Invoice No", field invoice_number: required value is missing`) {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	t.Run("ConfigCheckCompilesMappings", func(t *testing.T) {
		os.WriteFile(filepath.Join(d.dir, "mappings", "po.yaml"), []byte("name: po\nformat: csv\nmatch: {path: '*'}\nrecords:\n  - kind: purchase_order_line\n    fields:\n      po_number: {column: PO, type: decimel}\n"), 0o644)
		d.writeConfig(t, "")
		cfg, _ := os.ReadFile(d.config)
		os.WriteFile(d.config, []byte(strings.Replace(string(cfg), "mappings: []", "mappings: [po]", 1)), 0o644)
		_, errOut, code := d.clearway(t, "config", "check")
		if code != 1 || !strings.Contains(errOut, "po.yaml:7: records[0].fields.po_number.type: unknown type") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
}
