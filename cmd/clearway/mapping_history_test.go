package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every mapping version used is kept: the one a process loaded, and the
// one the daemon hot-reloads after an edit; mapping diff shows the edit.
func TestMappingHistory(t *testing.T) {
	t.Parallel() // a daemon of its own on port 0, in its own folder
	d := newDemo(t)
	repo, _ := filepath.Abs("../..")
	v1, err := os.ReadFile(filepath.Join(repo, "mappings", "erp-po-csv.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d.withMappings(t, map[string]string{"erp-po-csv.yaml": string(v1)}, "[erp-po-csv]")
	dm := d.start(t)
	v2 := strings.Replace(string(v1), "description: Purchase-order lines from the ERP's nightly CSV export",
		"description: Purchase-order lines from the ERP's nightly CSV export (reviewed by compliance)", 1)
	if v2 == string(v1) {
		t.Fatal("the shipped mapping's description changed: update the test")
	}
	if err := os.WriteFile(filepath.Join(d.dir, "mappings", "erp-po-csv.yaml"), []byte(v2), 0o644); err != nil {
		t.Fatal(err)
	}
	var hist []map[string]any
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		out, _, _ := d.clearway(t, "mapping", "history", "erp-po-csv", "--json")
		json.Unmarshal([]byte(out), &hist)
		if len(hist) == 2 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(hist) != 2 || hist[0]["activated_by"] != "load" || hist[1]["activated_by"] != "reload" || hist[0]["hash"] == hist[1]["hash"] {
		t.Fatalf("history %v, want the loaded version and the reloaded one\n%s", hist, dm.logs)
	}
	out, errOut, code := d.clearway(t, "mapping", "diff", "erp-po-csv")
	if code != 0 || !strings.Contains(out, "-description: Purchase-order lines from the ERP's nightly CSV export\n") ||
		!strings.Contains(out, "+description: Purchase-order lines from the ERP's nightly CSV export (reviewed by compliance)") {
		t.Errorf("mapping diff: exit %d\n%s%s", code, out, errOut)
	}
	if out, _, _ := d.clearway(t, "mapping", "diff", "erp-po-csv", "2", "2"); !strings.Contains(out, "are the same") {
		t.Errorf("a version against itself: %s", out)
	}
	if _, errOut, code := d.clearway(t, "mapping", "history", "nothing-like-it"); code == 0 || !strings.Contains(errOut, "no history") {
		t.Errorf("an unknown mapping: exit %d %s", code, errOut)
	}
}
