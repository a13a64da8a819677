package main

import (
	"archive/zip"
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// storyConfig adds the ERP and the broker beside the supplier acme, each
// with the shipped mappings, and FastClear's code table.
const storyConfig = `  - id: erp
    name: ERP
    role: erp
    mappings: [erp-po-csv]
  - id: fastclear
    name: FastClear
    role: broker
    mappings: [broker-status-csv]
    status_codes: fastclear.yaml
`

const storyPO = `PO Number,PO Line,Vendor,Material,Short Text,HTS Code,Country of Origin,PO Quantity,Order Unit,Net Price,Currency,Incoterms,Incoterms Location,Ship Mode
4500012345,00010,V-20417,BRG-6204-2RS,Ball bearing,8482.10.5048,CN,"50,000",PC,0.6200,USD,FOB,Ningbo,SEA
4500012345,00020,V-20417,GBX-NMRV040-30,Worm gear reducer,8483.40.5010,CN,"1,200",PC,38.5000,USD,FOB,Ningbo,SEA
`

// storyInvoice writes the supplier's invoice workbook (sheet Invoice,
// header on row 3) with line 2 classified as hs2.
func storyInvoice(t *testing.T, path, hs2 string) {
	writeInvoice(t, path, "INV-2026-0042", "4500012345", "CN", hs2)
}

// writeInvoice writes an invoice workbook like the supplier's: invoice
// inv for purchase order po, two lines from origin (line 2 classified as
// hs2), 31,000 + 46,200 USD.
func writeInvoice(t *testing.T, path, inv, po, origin, hs2 string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "Invoice")
	rows := [][]any{
		{"COMMERCIAL INVOICE"}, {"Ningbo Haitai Precision Co., Ltd."},
		{"Invoice No", "Line", "Invoice Date", "PO #", "PO Line", "Part No", "Description", "HTS", "COO", "Qty", "UOM", "Unit Price", "Amount", "Currency"},
		{inv, 1, "2026-03-02", po, 10, "BRG-6204-2RS", "Ball bearing", "8482.10.5048", origin, 50000, "PCS", 0.62, 31000, "USD"},
		{inv, 2, "2026-03-02", po, 20, "GBX-NMRV040-30", "Worm gear reducer", hs2, origin, 1200, "PCS", 38.5, 46200, "USD"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Invoice", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func storyPacking(container string) string {
	return "Invoice No,PO No,Item No,Cartons,Qty,UOM,Net Wt (kg),Gross Wt (kg),Container No\n" +
		"INV-2026-0042,4500012345,BRG-6204-2RS,100,50000,PCS,2100,2250," + container + "\n" +
		"INV-2026-0042,4500012345,GBX-NMRV040-30,60,1200,PCS,3600,3800," + container + "\n"
}

// TestPacketReviewLifecycle is the story of the validation issue, told
// through the binary with the shipped mappings: findings block filing, the
// corrections wait for review, approval makes the packet FILE_READY, broker
// statuses move the entry to ON_HOLD and RELEASED, and the audit packet has
// it all.
func TestPacketReviewLifecycle(t *testing.T) {
	d := newDemo(t)
	d.useShippedMappings(t, storyConfig)

	write := func(name, body string) string {
		p := filepath.Join(d.dir, "out", name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ingest := func(partner, into string, files ...string) string {
		t.Helper()
		out, errOut, code := d.clearway(t, append([]string{"ingest", "--partner", partner, "--into", into}, files...)...)
		if code != 0 {
			t.Fatalf("ingest %v: exit %d\n%s%s", files, code, out, errOut)
		}
		return out
	}
	show := func(ref string) map[string]any {
		t.Helper()
		out, errOut, code := d.clearway(t, "shipment", "show", ref, "--json")
		if code != 0 {
			t.Fatalf("shipment show %s: exit %d: %s", ref, code, errOut)
		}
		var s map[string]any
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	rulesOf := func(s map[string]any) []string {
		var out []string
		for _, f := range s["findings"].([]any) {
			out = append(out, f.(map[string]any)["rule"].(string))
		}
		return out
	}

	// Round 1: the ERP's PO, an invoice whose line 2 has another HS6, and a
	// packing list naming a container with a bad check digit.
	ingest("erp", "inbox/po", write("PO-EXPORT-1.csv", storyPO))
	inv1 := filepath.Join(d.dir, "out", "v1", "INV-2026-0042_BL-MAEU240312345.xlsx")
	os.MkdirAll(filepath.Dir(inv1), 0o755)
	storyInvoice(t, inv1, "8482.10.5048")
	ingest("acme", "inbox/invoices", inv1)
	ingest("acme", "inbox/packing", write("v1/PL_INV-2026-0042.csv", storyPacking("CSQU3054384")))
	s := show("MAEU240312345")
	for _, want := range []string{"HS_MISMATCH_PO", "CONTAINER_CHECK_DIGIT", "DOC_REQUIRED_MISSING"} {
		if !slices.Contains(rulesOf(s), want) {
			t.Errorf("findings %v lack %s", rulesOf(s), want)
		}
	}
	if s["state"] == "FILE_READY" || s["ready"] == true {
		t.Fatalf("state %v ready %v with error findings", s["state"], s["ready"])
	}

	// Round 2: the corrected invoice and packing list, and the PDFs.
	inv2 := filepath.Join(d.dir, "out", "v2", "INV-2026-0042_BL-MAEU240312345.xlsx")
	os.MkdirAll(filepath.Dir(inv2), 0o755)
	storyInvoice(t, inv2, "8483.40.5010")
	ingest("acme", "inbox/invoices", inv2)
	ingest("acme", "inbox/packing", write("v2/PL_INV-2026-0042.csv", storyPacking("CSQU3054383")))
	ingest("acme", "inbox/docs/MAEU240312345",
		write("CI_INV-2026-0042_BL-MAEU240312345.pdf", "%PDF-1.4 commercial invoice v1"),
		write("PL_INV-2026-0042_BL-MAEU240312345.pdf", "%PDF-1.4 packing list"),
		write("BL_MAEU240312345.pdf", "%PDF-1.4 bill of lading"))

	out, errOut, code := d.clearway(t, "review", "list", "--json")
	if code != 0 {
		t.Fatalf("review list: %d %s", code, errOut)
	}
	// Two open reviews: the HS_MISMATCH_PO finding (a "→ review" rule,
	// opened in round 1) and the corrected HS code held for a classifier.
	var reviews []map[string]any
	json.Unmarshal([]byte(out), &reviews)
	if len(reviews) != 2 || reviews[0]["kind"] != "finding" || !strings.Contains(reviews[0]["summary"].(string), "HS_MISMATCH_PO") ||
		reviews[1]["kind"] != "classification_change" || reviews[1]["status"] != "open" {
		t.Fatalf("reviews %s", out)
	}
	findingID := string(mustJSON(t, reviews[0]["id"]))
	id := string(mustJSON(t, reviews[1]["id"]))
	if s := show("INV-2026-0042"); s["state"] == "FILE_READY" || !slices.Equal(rulesOf(s), []string{"HS_MISMATCH_PO"}) {
		t.Fatalf("before approval: state %v findings %v", s["state"], rulesOf(s))
	}
	if _, errOut, code := d.clearway(t, "review", "approve", id, "--reason", "BECAUSE", "--by", "ana"); code != 1 || !strings.Contains(errOut, `"BECAUSE" is not one of`) {
		t.Fatalf("made-up reason: exit %d %s", code, errOut)
	}
	ruling := write("ruling/NY-N312345.pdf", "%PDF-1.4 CBP ruling NY N312345")
	if out, errOut, code := d.clearway(t, "review", "approve", id, "--reason", "CLASSIFICATION_CORRECTION", "--by", "ana", "--note", "supplier confirmed", "--attach", ruling); code != 0 {
		t.Fatalf("approve: exit %d %s%s", code, out, errOut)
	}
	s = show("MAEU240312345")
	if s["state"] != "FILE_READY" || s["ready"] != true {
		t.Fatalf("after approval: state %v findings %v", s["state"], rulesOf(s))
	}
	// The corrected code cleared the mismatch: its finding review closed
	// itself, saying why.
	out, _, _ = d.clearway(t, "review", "list", "--status", "superseded", "--json")
	json.Unmarshal([]byte(out), &reviews)
	if len(reviews) != 1 || string(mustJSON(t, reviews[0]["id"])) != findingID || !strings.Contains(reviews[0]["note"].(string), "no longer arises") {
		t.Fatalf("superseded reviews %s, want the HS_MISMATCH_PO finding review", out)
	}

	// A second CI is version 2 and supersedes version 1.
	ingest("acme", "inbox/docs/MAEU240312345", write("v3/CI_INV-2026-0042_BL-MAEU240312345.pdf", "%PDF-1.4 commercial invoice v2"))
	var ci []map[string]any
	for _, doc := range show("CW-000001")["documents"].([]any) {
		if m := doc.(map[string]any); m["doc_type"] == "commercial_invoice" {
			ci = append(ci, m)
		}
	}
	if len(ci) != 2 || ci[0]["superseded"] != true || ci[1]["version"] != 2.0 || ci[1]["superseded"] != false {
		t.Fatalf("commercial invoices %v", ci)
	}

	// The broker: CEN, CCC, 1H, CLR; then 1I in a later file; an unknown code.
	ingest("fastclear", "inbox/events", write("CW_EVENTS_1.csv", "Event Code,Event Time,Entry No,Master BL,House BL,Container,Message\n"+
		"CEN,20/03/2026 14:05,597-2603117-8,MAEU240312345,,,Customs number entered\n"+
		"CCC,20/03/2026 14:07,597-2603117-8,MAEU240312345,,,Entry transmitted\n"+
		"1H,21/03/2026 08:12,597-2603117-8,MAEU240312345,,,CBP hold\n"+
		"CLR,22/03/2026 10:00,597-2603117-8,MAEU240312345,,,Customs cleared\n"))
	if s := show("59726031178"); s["state"] != "ON_HOLD" || len(s["holds"].([]any)) != 1 {
		t.Fatalf("after CLR: state %v holds %v timeline %v", s["state"], s["holds"], s["timeline"])
	}
	ingest("fastclear", "inbox/events", write("CW_EVENTS_2.csv", "Event Code,Event Time,Entry No,Master BL,House BL,Container,Message\n"+
		"1I,25/03/2026 10:22,597-2603117-8,MAEU240312345,,,Hold removed\n"+
		"XYZ,25/03/2026 11:00,597-2603117-8,MAEU240312345,,,Something new\n"))
	s = show("59726031178")
	if s["state"] != "RELEASED" {
		t.Fatalf("after 1I: state %v timeline %v", s["state"], s["timeline"])
	}
	var codes []string
	for _, e := range s["timeline"].([]any) {
		if m := e.(map[string]any); m["code_list"] != "clearway" {
			codes = append(codes, m["code"].(string))
		}
	}
	if want := []string{"CEN", "CCC", "1H", "CLR", "1I", "XYZ"}; !slices.Equal(codes, want) {
		t.Fatalf("timeline codes %v, want %v", codes, want)
	}
	out, _, _ = d.clearway(t, "review", "list", "--json")
	if !strings.Contains(out, `"kind": "unmapped_status"`) {
		t.Fatalf("no unmapped_status review: %s", out)
	}

	// The audit packet.
	zipPath := filepath.Join(d.dir, "packet.zip")
	if out, errOut, code := d.clearway(t, "packet", "export", "MAEU240312345", "--out", zipPath); code != 0 {
		t.Fatalf("packet export: exit %d %s%s", code, out, errOut)
	}
	z, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	names := map[string]string{}
	for _, f := range z.File {
		r, _ := f.Open()
		b, _ := io.ReadAll(r)
		r.Close()
		names[f.Name] = string(b)
	}
	for _, want := range []string{"manifest.json", "lines.csv", "documents/commercial_invoice/v1_CI_INV-2026-0042_BL-MAEU240312345.pdf",
		"documents/commercial_invoice/v2_CI_INV-2026-0042_BL-MAEU240312345.pdf", "documents/bill_of_lading/v1_BL_MAEU240312345.pdf"} {
		if _, ok := names[want]; !ok {
			t.Errorf("packet lacks %s (has %v)", want, slices.Sorted(maps.Keys(names)))
		}
	}
	if names["reviews/"+id+"/1_NY-N312345.pdf"] != "%PDF-1.4 CBP ruling NY N312345" {
		t.Errorf("packet lacks the review's attachment (has %v)", slices.Sorted(maps.Keys(names)))
	}
	if names["documents/commercial_invoice/v2_CI_INV-2026-0042_BL-MAEU240312345.pdf"] != "%PDF-1.4 commercial invoice v2" {
		t.Errorf("CI v2 bytes differ")
	}
	var manifest map[string]any
	if err := json.Unmarshal([]byte(names["manifest.json"]), &manifest); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"identifiers", "lines", "findings", "state", "entries", "timeline", "reviews", "attachments", "audit"} {
		if _, ok := manifest[key]; !ok {
			t.Errorf("manifest.json lacks %q", key)
		}
	}
	if !strings.Contains(names["manifest.json"], `"actor": "user:ana"`) {
		t.Errorf("the audit trail lacks ana's decision")
	}
	if lines := strings.Split(strings.TrimSpace(names["lines.csv"]), "\n"); len(lines) != 3 || !strings.Contains(lines[2], "8483405010") {
		t.Errorf("lines.csv:\n%s", names["lines.csv"])
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
