package outbound

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/sqlite"
	"github.com/clearway/clearway/internal/sqlite/sqlitetest"
	"github.com/clearway/clearway/internal/testutil"
	"github.com/xuri/excelize/v2"
)

type fixture struct {
	t      *testing.T
	dir    string
	db     *sqlite.DB
	arc    *archive.Archive
	runner *Runner
	n      int
}

func newFixture(t *testing.T) *fixture {
	dir := t.TempDir()
	db, arc := sqlitetest.OpenStore(t, dir)
	clock := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	r := &Runner{DB: db, Archive: arc, DataDir: dir, Folders: testutil.Folders(t, dir), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { clock = clock.Add(time.Second); return clock }}
	return &fixture{t: t, dir: dir, db: db, arc: arc, runner: r}
}

// ingest journals a file of partner with the given bytes and applies recs.
func (f *fixture) ingest(partner string, body string, recs ...clearway.Record) {
	f.t.Helper()
	ctx := context.Background()
	f.n++
	src := filepath.Join(f.dir, "src")
	os.WriteFile(src, []byte(body), 0o644)
	sum, size, err := f.arc.PutFile(src)
	if err != nil {
		f.t.Fatal(err)
	}
	file := &clearway.File{Partner: partner, Channel: clearway.ChannelCLI, Name: "inbox/f" + string(rune('a'+f.n)), Size: size, SHA256: sum}
	if err := f.db.CreateFile(ctx, file); err != nil {
		f.t.Fatal(err)
	}
	in, err := f.db.BeginIngest(ctx, file, "test", "h")
	if err != nil {
		f.t.Fatal(err)
	}
	for _, r := range recs {
		if r.Kind == clearway.KindDocument {
			r.Fields["sha256"] = sum
		}
		if err := in.Apply(r); err != nil {
			in.Rollback()
			f.t.Fatal(err)
		}
	}
	if err := in.Commit(len(recs)); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) run(job Job) Result {
	f.t.Helper()
	res, err := f.runner.Run(context.Background(), job)
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func (f *fixture) outbox(partner string) []string {
	entries, _ := os.ReadDir(filepath.Join(f.dir, "partners", partner, "outbox"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func (f *fixture) read(partner, name string) []byte {
	b, err := os.ReadFile(filepath.Join(f.dir, "partners", partner, "outbox", name))
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func rec(kind clearway.Kind, kv ...string) clearway.Record {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return clearway.Record{Kind: kind, Fields: m, Source: clearway.Position{Row: 2}}
}

var (
	po  = rec(clearway.KindPurchaseOrderLine, "po_number", "PO-1", "line_no", "1", "hs_code", "8482105048", "origin_country", "CN", "quantity", "10", "unit_price", "1", "currency", "USD", "incoterm", "FOB", "incoterm_place", "Ningbo", "mode", "SEA")
	inv = rec(clearway.KindInvoiceLine, "invoice_number", "INV-1", "line_no", "1", "po_number", "PO-1", "po_line", "1", "hs_code", "8482105048", "origin_country", "CN", "quantity", "10", "uom", "NO", "unit_price", "1", "line_value", "10", "currency", "USD", "bill_of_lading", "MAEU1")
)

func doc(docType string) clearway.Record {
	return rec(clearway.KindDocument, "doc_type", docType, "original_name", docType+".pdf", "invoice_number", "INV-1")
}

func csvRows(t *testing.T, b []byte) [][]string {
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestDocumentRequests(t *testing.T) {
	f := newFixture(t)
	job := Job{Partner: "acme", Name: "doc-requests", Kind: KindDocumentRequests, Format: "csv"}
	if res := f.run(job); len(res.Files) != 0 {
		t.Fatalf("nothing owed yet, got %v", res.Files)
	}
	f.ingest("erp", "po", po)
	f.ingest("acme", "invoice", inv)
	res := f.run(job)
	if len(res.Files) != 1 || !strings.HasPrefix(res.Files[0], "doc-requests-20261122T07") || !strings.HasSuffix(res.Files[0], "-000001.csv") {
		t.Fatalf("files %v", res.Files)
	}
	rows := csvRows(t, f.read("acme", res.Files[0]))
	if len(rows) != 3 || rows[1][1] != "DOC_REQUIRED_MISSING" || !strings.Contains(rows[1][2]+rows[2][2], "bill of lading") || rows[1][3] != "PO-1" {
		t.Fatalf("requests %v", rows)
	}
	// Unchanged: nothing new. The ERP, which owes nothing, gets nothing.
	if res := f.run(job); len(res.Files) != 0 {
		t.Fatalf("an unchanged list was sent again: %v", res.Files)
	}
	if res := f.run(Job{Partner: "erp", Name: "doc-requests", Kind: KindDocumentRequests, Format: "csv"}); len(res.Files) != 0 {
		t.Fatalf("erp got %v", res.Files)
	}
	// One document arrives: a shorter list, as XLSX for a second job.
	f.ingest("acme", "ci pdf", doc("commercial_invoice"))
	res = f.run(Job{Partner: "acme", Name: "doc-requests-xlsx", Kind: KindDocumentRequests, Format: "xlsx"})
	if len(res.Files) != 1 || !strings.HasSuffix(res.Files[0], ".xlsx") {
		t.Fatalf("xlsx files %v", res.Files)
	}
	x, err := excelize.OpenReader(bytes.NewReader(f.read("acme", res.Files[0])))
	if err != nil {
		t.Fatal(err)
	}
	sheet, _ := x.GetRows("Document requests")
	if len(sheet) != 2 || sheet[0][0] != "shipment" || !strings.Contains(sheet[1][2], "bill of lading") {
		t.Fatalf("xlsx rows %v", sheet)
	}
	// Everything arrives: no request file, and nothing to write.
	f.ingest("acme", "bl pdf", doc("bill_of_lading"))
	if res := f.run(job); len(res.Files) != 0 {
		t.Fatalf("an empty list was sent: %v", res.Files)
	}
}

func TestStatusFeedExactlyOnce(t *testing.T) {
	f := newFixture(t)
	job := Job{Partner: "erp", Name: "status", Kind: KindStatus, Format: "csv"}
	f.ingest("erp", "po", po)
	f.ingest("acme", "invoice", inv, rec(clearway.KindMilestone, "bill_of_lading", "MAEU1", "event", "departed", "at", "2026-03-05T10:00:00Z", "location", "CNNGB"))
	first := f.run(job)
	if len(first.Files) != 1 {
		t.Fatalf("files %v", first.Files)
	}
	rows := csvRows(t, f.read("erp", first.Files[0]))
	var events []string
	for _, r := range rows[1:] {
		events = append(events, r[0]+":"+r[2])
	}
	if !slices.Equal(events, []string{"milestone:departed", "state:DOCS_INCOMPLETE"}) {
		t.Fatalf("events %v (%v)", events, rows)
	}
	if res := f.run(job); len(res.Files) != 0 {
		t.Fatalf("nothing new, got %v", res.Files)
	}

	// A crash after the reservation, before delivery: the next run delivers
	// the reserved file, once.
	f.ingest("acme", "docs", doc("commercial_invoice"), doc("bill_of_lading"))
	c, err := f.runner.next(context.Background(), job)
	if err != nil || c == nil {
		t.Fatalf("next: %v %v", c, err)
	}
	run, err := f.runner.reserve(context.Background(), job, c)
	if err != nil {
		t.Fatal(err)
	}
	res := f.run(job)
	if !slices.Equal(res.Files, []string{run.Name}) {
		t.Fatalf("after a crash before delivery: %v, want [%s]", res.Files, run.Name)
	}
	if rows := csvRows(t, f.read("erp", run.Name)); len(rows) != 2 || rows[1][2] != "FILE_READY" {
		t.Fatalf("rows %v", rows)
	}

	// A crash after the rename, before the journal knew: the partner already
	// took the file; the next run must not write it again.
	f.ingest("broker", "status", rec(clearway.KindStatusEvent, "code_list", "cargowise", "code", "CCC", "at", "2026-03-20T14:07:00Z", "bill_of_lading", "MAEU1"))
	c, _ = f.runner.next(context.Background(), job)
	run, err = f.runner.reserve(context.Background(), job, c)
	if err != nil {
		t.Fatal(err)
	}
	outbox := filepath.Join(f.dir, "partners", "erp", "outbox")
	temp := filepath.Join(outbox, ".cw-out-"+run.Name)
	data, _ := os.ReadFile(filepath.Join(f.dir, run.Spool))
	os.WriteFile(temp, data, 0o644)
	os.MkdirAll(filepath.Join(f.dir, "outbound", "sent", "erp"), 0o755)
	os.Link(temp, filepath.Join(f.dir, "outbound", "sent", "erp", run.Name))
	os.Rename(temp, filepath.Join(outbox, run.Name))
	os.Remove(filepath.Join(outbox, run.Name)) // the partner fetched and deleted it
	res = f.run(job)
	if len(res.Files) != 1 || res.Files[0] != run.Name {
		t.Fatalf("finished runs %v", res.Files)
	}
	if slices.Contains(f.outbox("erp"), run.Name) {
		t.Fatalf("a delivered file was written again: %v", f.outbox("erp"))
	}
	list, _ := f.db.ListOutbound(context.Background(), "erp")
	for _, r := range list {
		if r.State != sqlite.OutboundDelivered {
			t.Errorf("run %s is %s", r.Name, r.State)
		}
	}
	// A half-written temp from a crash mid-copy is replaced, not renamed.
	f.ingest("broker", "status2", rec(clearway.KindStatusEvent, "code_list", "cargowise", "code", "CEN", "at", "2026-03-20T14:09:00Z", "bill_of_lading", "MAEU1"))
	c, _ = f.runner.next(context.Background(), job)
	run, _ = f.runner.reserve(context.Background(), job, c)
	os.WriteFile(filepath.Join(outbox, ".cw-out-"+run.Name), []byte("type,shipm"), 0o644)
	f.run(job)
	data, _ = os.ReadFile(filepath.Join(f.dir, run.Spool))
	if got := f.read("erp", run.Name); !bytes.Equal(got, data) {
		t.Fatalf("delivered %q, want %q", got, data)
	}
	for _, name := range f.outbox("erp") {
		if strings.HasPrefix(name, ".") {
			t.Errorf("temp file left in the outbox: %s", name)
		}
	}
}

func TestStatusFeedJSONL(t *testing.T) {
	f := newFixture(t)
	f.ingest("acme", "invoice", po, inv)
	res := f.run(Job{Partner: "tms", Name: "feed", Kind: KindStatus, Format: "jsonl"})
	if len(res.Files) != 1 || !strings.HasSuffix(res.Files[0], ".jsonl") {
		t.Fatalf("files %v", res.Files)
	}
	var e map[string]any
	line, _, _ := strings.Cut(string(f.read("tms", res.Files[0])), "\n")
	if err := json.Unmarshal([]byte(line), &e); err != nil || e["type"] != "state" || e["event"] != "DOCS_INCOMPLETE" {
		t.Fatalf("line %s: %v", line, err)
	}
}

func TestPacketsAndAmendments(t *testing.T) {
	f := newFixture(t)
	job := Job{Partner: "fastclear", Name: "packets", Kind: KindPackets, Format: "zip"}
	f.ingest("acme", "invoice", po, inv)
	if res := f.run(job); len(res.Files) != 0 {
		t.Fatalf("a packet for a shipment not ready: %v", res.Files)
	}
	f.ingest("acme", "ci", doc("commercial_invoice"))
	f.ingest("acme", "bl", doc("bill_of_lading"))
	res := f.run(job)
	if len(res.Files) != 1 {
		t.Fatalf("files %v", res.Files)
	}
	m := manifest(t, f.read("fastclear", res.Files[0]))
	if m["ref"] != "CW-000001" || m["amendment"] != false || m["state"] != "FILE_READY" {
		t.Fatalf("manifest ref %v amendment %v state %v", m["ref"], m["amendment"], m["state"])
	}
	if res := f.run(job); len(res.Files) != 0 {
		t.Fatalf("the same packet again: %v", res.Files)
	}
	// A new CI version after delivery: an amended packet.
	f.ingest("acme", "ci v2", doc("commercial_invoice"))
	res = f.run(job)
	if len(res.Files) != 1 {
		t.Fatalf("amendment files %v", res.Files)
	}
	if m := manifest(t, f.read("fastclear", res.Files[0])); m["amendment"] != true {
		t.Fatalf("amendment flag %v", m["amendment"])
	}
	// A status message changes the entry, not the packet: nothing to send.
	f.ingest("fastclear", "status", rec(clearway.KindStatusEvent, "code_list", "cargowise", "code", "CCC", "at", "2026-03-20T14:07:00Z", "bill_of_lading", "MAEU1"))
	if res := f.run(job); len(res.Files) != 0 {
		t.Fatalf("a packet for a status change: %v", res.Files)
	}
}

func manifest(t *testing.T, b []byte) map[string]any {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := z.Open("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var m map[string]any
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}
