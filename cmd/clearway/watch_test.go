package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A file dropped in a watched local folder is ingested like an upload.
func TestWatchedFolderIngested(t *testing.T) {
	d := newDemo(t)
	repo, _ := filepath.Abs("../..")
	poMap, _ := os.ReadFile(filepath.Join(repo, "mappings", "erp-po-csv.yaml"))
	drop := filepath.Join(d.dir, "erp-drop")
	os.MkdirAll(drop, 0o755)
	d.withMappings(t, map[string]string{"erp-po-csv.yaml": string(poMap)}, "[erp-po-csv]")
	cfg, _ := os.ReadFile(d.config)
	os.WriteFile(d.config, []byte(strings.Replace(string(cfg), "    mappings: [erp-po-csv]\n",
		"    mappings: [erp-po-csv]\n    watch: [{path: erp-drop, ready: done_file, interval: 200ms, prefix: inbox/po}]\n", 1)), 0o644)
	dm := d.start(t)
	src, _ := os.ReadFile(filepath.Join(repo, "testdata/mappings/erp-po-csv/inbox/po/PO-EXPORT-20260202.csv"))
	os.WriteFile(filepath.Join(drop, "PO-EXPORT-20260202.csv"), src, 0o644)
	time.Sleep(400 * time.Millisecond)
	if files := d.journal(t); len(files) != 0 {
		t.Fatalf("taken before its done file: %v", files)
	}
	os.WriteFile(filepath.Join(drop, "PO-EXPORT-20260202.csv.done"), nil, 0o644)
	files := d.waitFiles(t, 1, 20*time.Second)
	if files[0]["state"] != "done" || files[0]["channel"] != "watch" || files[0]["name"] != "inbox/po/PO-EXPORT-20260202.csv" {
		t.Fatalf("journal %v", files[0])
	}
	if out, _, code := d.clearway(t, "po", "show", "4500012345"); code != 0 || !strings.Contains(out, "3 line(s)") {
		t.Fatalf("the watched file's PO did not reach the store: %s", out)
	}
	if entries, _ := os.ReadDir(drop); len(entries) != 1 || entries[0].Name() != ".clearway" {
		t.Fatalf("drop folder still holds %v", entries)
	}
	dm.stop(t)
}

// An edit to a mapping file is picked up by the running daemon.
func TestMappingEditWithoutRestart(t *testing.T) {
	d := newDemo(t)
	old := strings.Replace(invoiceCSV, `inbox/invoices/*.csv`, `inbox/elsewhere/*.csv`, 1)
	d.withMappings(t, map[string]string{"invoice-csv.yaml": old}, "[invoice-csv]")
	dm := d.start(t)
	inv := filepath.Join(d.dir, "inv.csv")
	os.WriteFile(inv, []byte("Invoice,Line,HTS,Qty,BL,Container\nINV-1,1,8471.30.0100,5,BL1,MSKU7051237\n"), 0o644)
	if out, err := d.sftp(t, dm.port, "mkdir /inbox/invoices\nput "+inv+" /inbox/invoices/a.csv\n"); err != nil {
		t.Fatalf("sftp: %v\n%s", err, out)
	}
	if files := d.waitFiles(t, 1, 20*time.Second); files[0]["state"] != "rejected" {
		t.Fatalf("before the edit: %v", files[0])
	}
	os.WriteFile(filepath.Join(d.dir, "mappings", "invoice-csv.yaml"), []byte(invoiceCSV), 0o644)
	time.Sleep(3 * time.Second) // the reloader looks every 2 s
	os.WriteFile(inv, []byte("Invoice,Line,HTS,Qty,BL,Container\nINV-2,1,8471.30.0100,5,BL1,MSKU7051237\n"), 0o644)
	if out, err := d.sftp(t, dm.port, "put "+inv+" /inbox/invoices/b.csv\n"); err != nil {
		t.Fatalf("sftp: %v\n%s", err, out)
	}
	if files := d.waitFiles(t, 2, 20*time.Second); files[1]["state"] != "done" {
		t.Fatalf("after the edit: %v", files[1])
	}
	dm.stop(t)
}
