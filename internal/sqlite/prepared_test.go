package sqlite

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/clearway/clearway/internal/clearway"
)

// poLines are purchase-order lines first..last of 20-line POs, as the
// mapping engine gives them: one shared names slice, values per line.
func poLines(first, last int, qty string) []Prepared {
	names := []string{"po_number", "line_no", "quantity"}
	var recs []Prepared
	for i := first; i <= last; i++ {
		recs = append(recs, Prepared{Kind: clearway.KindPurchaseOrderLine, Names: names,
			Values: []string{fmt.Sprintf("PO-%d", i/20), fmt.Sprint(i % 20), qty}, Source: clearway.Position{Row: i + 2, Line: i + 2}})
	}
	return recs
}

// ingestPrepared applies recs through a Preparer and ApplyPrepared, in
// chunks as the pipeline does, and commits.
func ingestPrepared(t *testing.T, db *DB, sum string, recs []Prepared) *Ingest {
	t.Helper()
	ctx := context.Background()
	f := &clearway.File{Partner: "erp", Channel: clearway.ChannelCLI, Name: "inbox/po/" + sum + ".csv", Size: 1, SHA256: strings.Repeat(sum, 64)[:64]}
	if err := db.CreateFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	in, err := db.BeginIngest(ctx, f, "erp-po-csv", "hash1")
	if err != nil {
		t.Fatal(err)
	}
	total := len(recs)
	pr := in.Preparer()
	for i := range recs {
		pr.Prepare(&recs[i])
	}
	for len(recs) > 0 {
		n := min(len(recs), 100)
		if i, err := in.ApplyPrepared(recs[:n]); err != nil {
			in.Rollback()
			t.Fatalf("record %d: %v", i, err)
		}
		recs = recs[n:]
	}
	if err := in.Commit(total); err != nil {
		t.Fatal(err)
	}
	return in
}

// A resend that overlaps the lines stored: batches mix new and existing
// lines, and each is counted and stored once.
func TestApplyPreparedResendOverlap(t *testing.T) {
	db := MustOpenDB(t)
	ingestPrepared(t, db, "a", poLines(0, 599, "1"))
	// 300–599 again, 300–399 changed, and 600–899 new.
	recs := poLines(300, 899, "1")
	for i := range recs[:100] {
		recs[i].Values[2] = "2"
	}
	in := ingestPrepared(t, db, "b", recs)
	if got := in.Stats.Created["purchase_order_line"]; got != 300 {
		t.Errorf("created %d, want 300", got)
	}
	if got := in.Stats.Updated["purchase_order_line"]; got != 100 {
		t.Errorf("updated %d, want 100", got)
	}
	if in.Stats.Unchanged != 200 {
		t.Errorf("unchanged %d, want 200", in.Stats.Unchanged)
	}
	if in.Stats.ShipmentsCreated != 0 {
		t.Errorf("shipments created %d, want 0 (PO lines belong to their order)", in.Stats.ShipmentsCreated)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM facts`); n != 900 {
		t.Errorf("%d facts, want 900", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM fact_fields JOIN facts ON facts.id = fact_id WHERE field = 'quantity' AND value = '2' AND file_id = 2`); n != 100 {
		t.Errorf("%d changed lines from file 2, want 100", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE entity = 'fact' AND action = 'update'`); n != 100 {
		t.Errorf("%d audited updates, want 100", n)
	}
	// PO lines belong to their purchase order, not to a shipment.
	if n := count(t, db, `SELECT COUNT(*) FROM facts WHERE shipment_id IS NOT NULL`) + count(t, db, `SELECT COUNT(*) FROM shipments`); n != 0 {
		t.Errorf("%d PO lines on shipments or shipments made, want 0", n)
	}
	// Lineage: the file and row each stored line came from.
	if n := count(t, db, `SELECT COUNT(*) FROM facts WHERE key = 'PO-40|5' AND file_id = 2 AND source = '{"row":807,"line":807}'`); n != 1 {
		t.Error("line 805 without its lineage")
	}
	if n := count(t, db, `SELECT COUNT(*) FROM facts WHERE key = 'PO-20|5' AND file_id = 1 AND source = '{"row":407,"line":407}'`); n != 1 {
		t.Error("unchanged line 405 lost its lineage")
	}
}

// Near the largest row id SQLite picks new ids at random, so which lines a
// batch added is asked of it rather than worked out.
func TestApplyPreparedLargestRowID(t *testing.T) {
	db := MustOpenDB(t)
	ingestPrepared(t, db, "a", poLines(0, 9, "1"))
	if _, err := db.db.Exec(`UPDATE facts SET id = ? WHERE id = (SELECT MAX(id) FROM facts)`, int64(math.MaxInt64)); err != nil {
		t.Fatal(err)
	}
	in := ingestPrepared(t, db, "b", poLines(5, 204, "1"))
	if got := in.Stats.Created["purchase_order_line"]; got != 195 || in.Stats.Unchanged != 5 {
		t.Errorf("created %d, unchanged %d; want 195, 5", got, in.Stats.Unchanged)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM facts`); n != 205 {
		t.Errorf("%d facts, want 205", n)
	}
}

// Identifiers looked up ahead for a batch: a record naming identifiers of
// two shipments still opens a review, also when the second shipment was
// created earlier in the same batch.
func TestApplyPreparedConflictInBatch(t *testing.T) {
	db := MustOpenDB(t)
	ingestFile(t, db, "a", rec(clearway.KindShipment, "booking_number", "BK-0", "vessel", "MSC ANNA"))
	names := []string{"bill_of_lading", "booking_number", "invoice_number", "line_no"}
	recs := []Prepared{
		{Kind: clearway.KindInvoiceLine, Names: names, Values: []string{"BL-1", "", "INV-1", "1"}},     // new shipment via BL-1
		{Kind: clearway.KindInvoiceLine, Names: names, Values: []string{"BL-1", "BK-0", "INV-2", "1"}}, // BL-1 and BK-0: two shipments
	}
	in := ingestPrepared(t, db, "b", recs)
	if in.Stats.Reviews != 1 || count(t, db, `SELECT COUNT(*) FROM reviews WHERE kind = 'identifier_conflict'`) != 1 {
		t.Errorf("stats %+v, want one identifier_conflict review", in.Stats)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM facts WHERE kind = 'invoice_line'`); n != 1 {
		t.Errorf("%d invoice lines, want 1 (the conflicting one held)", n)
	}
}

// A record the store refuses stops ApplyPrepared at its index.
func TestApplyPreparedRecordError(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	f := &clearway.File{Partner: "erp", Channel: clearway.ChannelCLI, Name: "x", Size: 1, SHA256: strings.Repeat("0", 64)}
	if err := db.CreateFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	in, err := db.BeginIngest(ctx, f, "m", "h")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Rollback()
	recs := poLines(0, 4, "1")
	recs[3].Values[1] = "" // no line_no
	i, err := in.ApplyPrepared(recs)
	var re *RecordError
	if i != 3 || !asRecordError(err, &re) || !strings.Contains(re.Msg, "line_no") {
		t.Fatalf("got %d, %v; want 3 and a record error naming line_no", i, err)
	}
}
