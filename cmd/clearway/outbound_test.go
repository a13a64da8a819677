package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// feedConfig: the ERP gets the status feed, the supplier its document
// requests, both every second.
const feedConfig = `    outbound:
      - {job: doc-requests, kind: document_requests, format: csv, schedule: "@every 1s"}
  - id: erp
    name: ERP
    role: erp
    mappings: [erp-po-csv, broker-status-csv]
    outbound:
      - {job: status, kind: status, format: csv, schedule: "@every 1s"}
`

// statusEvents reads every status file in the ERP's outbox: "shipment event"
// per state change, in delivery order.
func statusEvents(t *testing.T, outbox string) []string {
	t.Helper()
	entries, _ := os.ReadDir(outbox)
	var events []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temp file left in the outbox: %s", e.Name())
			continue
		}
		f, err := os.Open(filepath.Join(outbox, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		for _, r := range rows[1:] {
			events = append(events, r[1]+" "+r[4]+" "+r[2])
		}
	}
	return events
}

// TestOutboundFeeds runs the status feed and document requests by hand and
// from the daemon's schedule, with restarts and kill -9 in between: every
// state change reaches the ERP exactly once.
func TestOutboundFeeds(t *testing.T) {
	d := newDemo(t)
	repo, _ := filepath.Abs("../..")
	d.writeConfig(t, "")
	cfg, _ := os.ReadFile(d.config)
	cfg = []byte(strings.Replace(string(cfg), "    mappings: []\n", "    mappings: [invoice-csv]\n"+feedConfig, 1))
	os.WriteFile(d.config, cfg, 0o644)
	os.WriteFile(filepath.Join(d.dir, "mappings", "invoice-csv.yaml"), []byte(invoiceCSV), 0o644)
	for _, m := range []string{"erp-po-csv", "broker-status-csv"} {
		b, _ := os.ReadFile(filepath.Join(repo, "mappings", m+".yaml"))
		os.WriteFile(filepath.Join(d.dir, "mappings", m+".yaml"), b, 0o644)
	}
	write := func(name, body string) string {
		p := filepath.Join(d.dir, "out", name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	ingest := func(partner, into, file string) {
		t.Helper()
		if out, errOut, code := d.clearway(t, "ingest", "--partner", partner, "--into", into, file); code != 0 {
			t.Fatalf("ingest %s: exit %d %s%s", file, code, out, errOut)
		}
	}
	run := func(partner, job string) string {
		t.Helper()
		out, errOut, code := d.clearway(t, "outbound", "run", "--partner", partner, "--job", job)
		if code != 0 {
			t.Fatalf("outbound run %s %s: exit %d %s%s", partner, job, code, out, errOut)
		}
		return out
	}
	erpOutbox := filepath.Join(d.dir, "var", "partners", "erp", "outbox")
	acmeOutbox := filepath.Join(d.dir, "var", "partners", "acme", "outbox")

	// Ten shipments: each an invoice for a B/L (DOCS_INCOMPLETE: no documents).
	for i := range 10 {
		ingest("acme", "inbox/invoices", write(fmt.Sprintf("inv%d.csv", i),
			fmt.Sprintf("Invoice,Line,HTS,Qty,BL,Container\nINV-%d,1,8471.30.0100,5,MAEU%07d,\n", i, i)))
	}
	if out := run("erp", "status"); !strings.Contains(out, "delivered status-") {
		t.Fatalf("outbound run: %s", out)
	}
	if out := run("erp", "status"); !strings.Contains(out, "nothing new") {
		t.Fatalf("second run: %s", out)
	}
	if out := run("acme", "doc-requests"); !strings.Contains(out, "delivered doc-requests-") {
		t.Fatalf("doc requests: %s", out)
	}
	entries, _ := os.ReadDir(acmeOutbox)
	if len(entries) != 1 {
		t.Fatalf("acme outbox: %v", entries)
	}
	req, _ := os.ReadFile(filepath.Join(acmeOutbox, entries[0].Name()))
	if n := strings.Count(string(req), "DOC_REQUIRED_MISSING"); n != 10 {
		t.Fatalf("%d document requests, want 10 (one per shipment):\n%s", n, req)
	}

	// The daemon takes over the schedule; broker statuses move the entries
	// (1S: General Order, allowed from any state before release) while it
	// is killed and restarted.
	for round := range 3 {
		dm := d.start(t)
		time.Sleep(time.Duration(300+round*450) * time.Millisecond)
		var rows strings.Builder
		rows.WriteString("Event Code,Event Time,Entry No,Master BL,House BL,Container,Message\n")
		for i := range 10 {
			if i%3 == round { // CBP sends the shipment to General Order
				fmt.Fprintf(&rows, "1S,2%d/03/2026 14:0%d,,MAEU%07d,,,\n", round, i, i)
			}
		}
		ingest("erp", "inbox/events", write(fmt.Sprintf("events%d.csv", round), rows.String()))
		time.Sleep(time.Duration(200+round*400) * time.Millisecond)
		dm.cmd.Process.Kill() // kill -9, wherever the scheduled run is
		<-dm.done
	}
	dm := d.start(t)
	deadline := time.Now().Add(20 * time.Second)
	for len(statusEvents(t, erpOutbox)) < 20 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // another scheduled run: it must add nothing
	dm.stop(t)

	events := statusEvents(t, erpOutbox)
	var want []string
	for i := range 10 {
		ref := fmt.Sprintf("CW-%06d", i+1)
		want = append(want, ref+" DOCS_INCOMPLETE", ref+" GENERAL_ORDER")
	}
	var got []string
	for _, e := range events {
		f := strings.Fields(e)
		got = append(got, f[0]+" "+f[2])
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("status events delivered (sorted):\n%s\nwant each once:\n%s\nlogs:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), dm.logs)
	}
	out, _, _ := d.clearway(t, "outbound", "list", "--partner", "erp")
	if strings.Contains(out, "pending") {
		t.Fatalf("a run left pending:\n%s", out)
	}
}
