package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/clearway/clearway/internal/clearway"
)

// ingestFile journals a fake file and applies records in one transaction.
func ingestFile(t *testing.T, db *DB, sum string, recs ...clearway.Record) *Ingest {
	t.Helper()
	return ingestAs(t, db, "acme", sum, recs...)
}

// ingestAs is ingestFile for a file the partner sent.
func ingestAs(t *testing.T, db *DB, partner, sum string, recs ...clearway.Record) *Ingest {
	t.Helper()
	ctx := context.Background()
	f := &clearway.File{Partner: partner, Channel: clearway.ChannelCLI, Name: "inbox/x", Size: 1, SHA256: strings.Repeat(sum, 64)[:64]}
	if err := db.CreateFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	in, err := db.BeginIngest(ctx, f, "test-map", "hash1")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := in.Apply(r); err != nil {
			in.Rollback()
			t.Fatal(err)
		}
	}
	if err := in.Commit(len(recs)); err != nil {
		t.Fatal(err)
	}
	return in
}

func rec(kind clearway.Kind, kv ...string) clearway.Record {
	f := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i]] = kv[i+1]
	}
	return clearway.Record{Kind: kind, Fields: f, Source: clearway.Position{Row: 2}}
}

func count(t *testing.T, db *DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.db.QueryRow(query, args...).Scan(&n); err != nil && err != sql.ErrNoRows {
		t.Fatal(err)
	}
	return n
}

func TestIngestResolution(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	// A PO line belongs to its order (no shipment); an invoice line naming
	// the PO and a B/L makes shipment 1, which carries the PO.
	ingestFile(t, db, "a", rec(clearway.KindPurchaseOrderLine, "po_number", "PO-1", "line_no", "1", "quantity", "10"))
	ingestFile(t, db, "b", rec(clearway.KindInvoiceLine, "invoice_number", "INV-1", "line_no", "1", "po_number", "PO-1", "bill_of_lading", "BL1"))
	s, err := db.FindShipment(ctx, "BL1")
	if err != nil {
		t.Fatal(err)
	}
	if s.Ref != "CW-000001" || len(s.Lines) != 1 || len(s.POLines) != 1 {
		t.Fatalf("shipment %s with %d lines, %d PO lines", s.Ref, len(s.Lines), len(s.POLines))
	}
	// A resent, changed line updates in place, audited with before and after.
	in := ingestFile(t, db, "c", rec(clearway.KindPurchaseOrderLine, "po_number", "PO-1", "line_no", "1", "quantity", "12"))
	if in.Stats.Updated["purchase_order_line"] != 1 || count(t, db, `SELECT COUNT(*) FROM facts WHERE kind = 'purchase_order_line'`) != 1 {
		t.Fatalf("stats %+v", in.Stats)
	}
	if count(t, db, `SELECT COUNT(*) FROM audit_log WHERE entity = 'fact' AND action = 'update' AND before LIKE '%"10"%' AND after LIKE '%"12"%'`) != 1 {
		t.Fatal("no audit row with before and after")
	}
	// An identical resend changes nothing.
	if in := ingestFile(t, db, "d", rec(clearway.KindPurchaseOrderLine, "po_number", "PO-1", "line_no", "1", "quantity", "12")); in.Stats.Unchanged != 1 {
		t.Fatalf("stats %+v", in.Stats)
	}
	// Identifiers of two shipments: a review, nothing merged or applied.
	ingestFile(t, db, "e", rec(clearway.KindShipment, "booking_number", "BK-2", "vessel", "MSC ANNA"))
	in = ingestFile(t, db, "f", rec(clearway.KindInvoiceLine, "invoice_number", "INV-2", "line_no", "1", "po_number", "PO-1", "bill_of_lading", "BL-X", "container_number", "C1"),
		rec(clearway.KindPackingLine, "po_number", "PO-2", "booking_number", "BK-2", "bill_of_lading", "BL1", "sku", "A"))
	if in.Stats.Reviews != 1 || count(t, db, `SELECT COUNT(*) FROM reviews WHERE kind = 'identifier_conflict' AND status = 'open'`) != 1 {
		t.Fatalf("stats %+v", in.Stats)
	}
	if count(t, db, `SELECT COUNT(*) FROM facts WHERE kind = 'packing_line'`) != 0 || count(t, db, `SELECT COUNT(*) FROM shipments`) != 3 {
		t.Fatal("a conflicting record was applied or shipments merged")
	}
}

func TestIngestDocuments(t *testing.T) {
	db := MustOpenDB(t)
	doc := func(sum string) clearway.Record {
		return rec(clearway.KindDocument, "doc_type", "commercial_invoice", "bill_of_lading", "BL1", "sha256", strings.Repeat(sum, 64), "original_name", "CI.pdf")
	}
	ingestFile(t, db, "a", doc("1"))
	ingestFile(t, db, "b", doc("1")) // same checksum: not a version
	ingestFile(t, db, "c", doc("2"))
	s, err := db.FindShipment(context.Background(), "BL1")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Documents) != 2 || s.Documents[0].Version != 1 || !s.Documents[0].Superseded || s.Documents[1].Version != 2 || s.Documents[1].Superseded {
		t.Fatalf("documents %+v", s.Documents)
	}
}

func TestIngestRecordErrors(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	f := &clearway.File{Partner: "acme", Channel: clearway.ChannelCLI, Name: "x", Size: 1, SHA256: strings.Repeat("0", 64)}
	db.CreateFile(ctx, f)
	in, err := db.BeginIngest(ctx, f, "m", "h")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Rollback()
	var re *RecordError
	if err := in.Apply(rec(clearway.KindMilestone, "event", "departed")); err == nil || !asRecordError(err, &re) || !strings.Contains(re.Msg, "no shipment identifier") {
		t.Fatalf("got %v", err)
	}
	if err := in.Apply(rec(clearway.KindInvoiceLine, "invoice_number", "INV-1")); err == nil || !asRecordError(err, &re) || !strings.Contains(re.Msg, "line_no") {
		t.Fatalf("got %v", err)
	}
}

func asRecordError(err error, re **RecordError) bool {
	e, ok := err.(*RecordError)
	*re = e
	return ok
}

// The same line twice in one file: the later one wins, as if applied in
// order, even though new lines are inserted in batches.
func TestIngestSameLineTwiceInOneFile(t *testing.T) {
	db := MustOpenDB(t)
	var recs []clearway.Record
	for i := 0; i < 100; i++ { // spans more than one batch
		recs = append(recs, rec(clearway.KindPurchaseOrderLine, "po_number", "PO-1", "line_no", fmt.Sprint(i), "quantity", "1"))
	}
	recs = append(recs, rec(clearway.KindPurchaseOrderLine, "po_number", "PO-1", "line_no", "99", "quantity", "2"))
	in := ingestFile(t, db, "a", recs...)
	if in.Stats.Created["purchase_order_line"] != 100 || in.Stats.Updated["purchase_order_line"] != 1 {
		t.Fatalf("stats %+v", in.Stats)
	}
	if count(t, db, `SELECT COUNT(*) FROM fact_fields WHERE key = 'PO-1|99' AND field = 'quantity' AND value = '2'`) != 1 {
		t.Fatal("the later line did not win")
	}
}
