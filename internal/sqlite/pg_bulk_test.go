package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/clearway"
)

// bulkFile is a file of the bulk scenario: who sends it, and its records.
type bulkFile struct {
	partner string
	recs    []clearway.Record
}

// bulkPOLine is purchase-order line n of 20-line orders.
func bulkPOLine(n int, qty string) clearway.Record {
	return rec(clearway.KindPurchaseOrderLine, "po_number", fmt.Sprintf("PO-%d", n/20), "line_no", fmt.Sprint(n%20+1),
		"quantity", qty, "hs_code", "8482105048", "unit_price", "0.62")
}

// bulkInvoiceLine is line n of invoice INV-7 on one bill of lading.
func bulkInvoiceLine(n int, hs, price string, extra ...string) clearway.Record {
	kv := append([]string{"invoice_number", "INV-7", "line_no", fmt.Sprint(n), "po_number", "PO-0", "sku", fmt.Sprintf("SKU%d", n),
		"hs_code", hs, "quantity", "10", "unit_price", price, "currency", "USD", "bill_of_lading", "MAEU7"}, extra...)
	return rec(clearway.KindInvoiceLine, kv...)
}

// bulkScenario is an ERP's PO exports and a supplier's invoices, sent and
// sent again changed: lines new, changed, unchanged and repeated, claims
// and sensitive changes held, a packing list replaced, and a file that
// mixes PO lines with an invoice line.
func bulkScenario() []bulkFile {
	var files []bulkFile
	var po []clearway.Record
	for n := range 100 {
		po = append(po, bulkPOLine(n, "1"))
	}
	files = append(files, bulkFile{"erp", po})

	var inv []clearway.Record
	for n := range 30 {
		var claim []string
		if n%6 == 0 {
			claim = []string{"preference_program", "JO"}
		}
		inv = append(inv, bulkInvoiceLine(n, "8482105048", "0.62", claim...))
	}
	for n := range 10 {
		inv = append(inv, rec(clearway.KindPackingLine, "invoice_number", "INV-7", "sku", fmt.Sprintf("SKU%d", n), "quantity", "10",
			"container_number", "MSCU1234565", "bill_of_lading", "MAEU7"))
	}
	files = append(files, bulkFile{"acme", inv})

	po = nil
	for n := range 30 {
		po = append(po, bulkPOLine(n, "2")) // changed
	}
	for n := 30; n < 60; n++ {
		po = append(po, bulkPOLine(n, "1")) // unchanged
	}
	for n := 100; n < 150; n++ {
		po = append(po, bulkPOLine(n, "1")) // new
	}
	po = append(po, bulkPOLine(120, "3")) // again in the same file: the later wins
	files = append(files, bulkFile{"erp", po})

	inv = nil
	for n := range 40 {
		switch {
		case n < 10:
			inv = append(inv, bulkInvoiceLine(n, "8482109000", "0.62")) // classification change
		case n < 20:
			inv = append(inv, bulkInvoiceLine(n, "8482105048", "0.93")) // valuation change
		case n < 30:
			inv = append(inv, bulkInvoiceLine(n, "8482105048", "0.62"))
		default:
			inv = append(inv, bulkInvoiceLine(n, "8482105048", "0.62", "preference_program", "KR"))
		}
	}
	for n := range 6 { // the packing list again, four lines fewer
		inv = append(inv, rec(clearway.KindPackingLine, "invoice_number", "INV-7", "sku", fmt.Sprintf("SKU%d", n), "quantity", "12",
			"container_number", "MSCU1234565", "bill_of_lading", "MAEU7"))
	}
	files = append(files, bulkFile{"acme", inv})

	po = nil
	for n := 140; n < 200; n++ {
		po = append(po, bulkPOLine(n, "4"))
		if n == 170 { // a COPY is open: the invoice line must wait for it
			po = append(po, bulkInvoiceLine(99, "8482105048", "0.62"))
		}
	}
	return append(files, bulkFile{"erp", po})
}

// ingestBulkFile applies a file's records, queues an acknowledgement (as
// the pipeline does, after the records) and commits; it returns the stats.
func ingestBulkFile(t *testing.T, db *DB, i int, f bulkFile) IngestStats {
	t.Helper()
	stats, err := applyBulkFile(db, i, f)
	if err != nil {
		t.Fatal(err)
	}
	return stats
}

func applyBulkFile(db *DB, i int, f bulkFile) (IngestStats, error) {
	ctx := context.Background()
	file := &clearway.File{Partner: f.partner, Channel: clearway.ChannelCLI, Name: fmt.Sprintf("inbox/f%d.csv", i), Size: 1, SHA256: fmt.Sprintf("%064d", i)}
	if err := db.CreateFile(ctx, file); err != nil {
		return IngestStats{}, err
	}
	in, err := db.BeginIngest(ctx, file, "m", "h")
	if err != nil {
		return IngestStats{}, err
	}
	for _, r := range f.recs {
		if err := in.Apply(r); err != nil {
			in.Rollback()
			return IngestStats{}, fmt.Errorf("file %d: %w", i, err)
		}
	}
	if err := in.Acks().QueueAck(f.partner, fmt.Sprintf("ack-%d", i), []byte("ok")); err != nil {
		in.Rollback()
		return IngestStats{}, fmt.Errorf("file %d: queue ack: %w", i, err)
	}
	if err := in.Commit(len(f.recs)); err != nil {
		return IngestStats{}, fmt.Errorf("file %d: %w", i, err)
	}
	return in.Stats, nil
}

// storeDump is what the scenario leaves in the store, ids aside (a COPY
// that meets an existing line spends identity values): lines in id order,
// reviews, the audit log, shipments and acks.
func storeDump(t *testing.T, db *DB) string {
	t.Helper()
	keys := map[string]string{} // fact id → kind and key, for the held changes that name it
	for _, row := range dumpRows(t, db, `SELECT id, kind, key FROM facts`) {
		keys[row[0]] = row[1] + " " + row[2]
	}
	factID := regexp.MustCompile(`"fact_id":(\d+)|fact:(\d+):`)
	var b strings.Builder
	for _, q := range []string{
		`SELECT kind, key, COALESCE(shipment_id, 0), fields, file_id, source FROM facts ORDER BY id`,
		`SELECT kind, COALESCE(shipment_id, 0), subject, summary, detail, status, file_id FROM reviews ORDER BY id`,
		`SELECT actor, entity, action, COALESCE(before, ''), COALESCE(after, ''), COALESCE(file_id, 0) FROM audit_log ORDER BY id`,
		`SELECT ref, state, fields FROM shipments ORDER BY id`,
		`SELECT file_id, partner, name FROM acks_pending ORDER BY id`,
	} {
		for _, row := range dumpRows(t, db, q) {
			line := strings.Join(row, " | ")
			line = factID.ReplaceAllStringFunc(line, func(m string) string {
				id := strings.Trim(strings.TrimPrefix(strings.TrimPrefix(m, `"fact_id":`), "fact:"), ":")
				return "fact " + keys[id]
			})
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func dumpRows(t *testing.T, db *DB, query string) [][]string {
	t.Helper()
	rows, err := db.db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// The COPY path stores what row batches store: the same lines, held
// changes, reviews, audit entries and counts, file after file.
func TestBulkLinesLikeRowBatches(t *testing.T) {
	if !onPostgres() {
		t.Skip("the COPY path is PostgreSQL's")
	}
	rows, bulk := MustOpenDB(t), MustOpenDB(t)
	rows.bulk = bulkSizes{min: -1}
	bulk.bulk = bulkSizes{min: 8, chunk: 40}
	for i, f := range bulkScenario() {
		want, got := ingestBulkFile(t, rows, i, f), ingestBulkFile(t, bulk, i, f)
		w, _ := json.Marshal(want)
		g, _ := json.Marshal(got)
		if string(w) != string(g) {
			t.Errorf("file %d: stats %s, want %s (row batches)", i, g, w)
		}
		if i == 2 && (got.Created["purchase_order_line"] != 50 || got.Updated["purchase_order_line"] != 31 || got.Unchanged != 30) {
			t.Errorf("file 2: stats %s, want 50 created, 31 updated, 30 unchanged", g)
		}
	}
	want, got := storeDump(t, rows), storeDump(t, bulk)
	if got != want {
		t.Errorf("store after the COPY path differs from row batches:\n%s", firstDiff(got, want))
	}
	for kind, n := range map[string]int{ReviewPreferenceClaim: 15, ReviewClassificationChange: 10, ReviewValuationChange: 10} {
		if got := count(t, bulk, `SELECT COUNT(*) FROM reviews WHERE kind = ?`, kind); got != n {
			t.Errorf("%d %s reviews, want %d", got, kind, n)
		}
	}
	if n := count(t, bulk, `SELECT COUNT(*) FROM facts WHERE kind = 'packing_line'`); n != 6 {
		t.Errorf("%d packing lines, want 6 (the list sent again replaces the first)", n)
	}
}

// firstDiff shows the first line where two dumps differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got  %s\n want %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("got %d lines, want %d", len(g), len(w))
}

// A file rolled back while its COPY is open leaves nothing, and the store
// goes on.
func TestBulkLinesRollbackWhileStreaming(t *testing.T) {
	if !onPostgres() {
		t.Skip("the COPY path is PostgreSQL's")
	}
	db := MustOpenDB(t)
	db.bulk = bulkSizes{min: 8, chunk: 1000}
	ctx := context.Background()
	f := &clearway.File{Partner: "erp", Channel: clearway.ChannelCLI, Name: "inbox/po.csv", Size: 1, SHA256: strings.Repeat("1", 64)}
	if err := db.CreateFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	in, err := db.BeginIngest(ctx, f, "m", "h")
	if err != nil {
		t.Fatal(err)
	}
	for n := range 500 {
		if err := in.Apply(bulkPOLine(n, "1")); err != nil {
			t.Fatal(err)
		}
	}
	if in.bulk.stream == nil {
		t.Fatal("no COPY open after 500 PO lines")
	}
	in.Rollback()
	if n := count(t, db, `SELECT COUNT(*) FROM facts`); n != 0 {
		t.Errorf("%d lines after a rollback, want 0", n)
	}
	ingestBulkFile(t, db, 1, bulkFile{"erp", []clearway.Record{bulkPOLine(1, "1")}})
	if n := count(t, db, `SELECT COUNT(*) FROM facts`); n != 1 {
		t.Errorf("%d lines, want 1", n)
	}
}

// Another transaction adds a line while a file copies it (a cluster's
// other node): the file's COPY waits for it, fails once it commits, and
// the chunk's new lines go in row batches, that one as an update.
func TestBulkLinesAddedMeanwhile(t *testing.T) {
	if !onPostgres() {
		t.Skip("the COPY path is PostgreSQL's")
	}
	db := MustOpenDB(t)
	db.bulk = bulkSizes{min: 4, chunk: 1000}
	ingestBulkFile(t, db, 1, bulkFile{"erp", []clearway.Record{bulkPOLine(0, "1")}})
	ctx := context.Background()
	other := &clearway.File{Partner: "erp", Channel: clearway.ChannelCLI, Name: "inbox/other.csv", Size: 1, SHA256: strings.Repeat("2", 64)}
	if err := db.CreateFile(ctx, other); err != nil {
		t.Fatal(err)
	}
	a, err := db.BeginIngest(ctx, other, "m", "h")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Rollback()
	if err := a.Apply(bulkPOLine(5, "7")); err != nil {
		t.Fatal(err)
	}
	if err := a.flush(); err != nil { // line 5 written, not committed
		t.Fatal(err)
	}
	// Line 0 exists: the first COPY fails on it, before line 5; the lines
	// read back do not include 5 (not committed), so copying the rest
	// waits for a.
	recs := []clearway.Record{bulkPOLine(0, "1"), bulkPOLine(1, "1"), bulkPOLine(2, "1"), bulkPOLine(5, "1"), bulkPOLine(6, "1")}
	type result struct {
		stats IngestStats
		err   error
	}
	done := make(chan result, 1)
	go func() {
		stats, err := applyBulkFile(db, 3, bulkFile{"erp", recs})
		done <- result{stats, err}
	}()
	waitForLockWait(t, db)
	if err := a.Commit(1); err != nil {
		t.Fatal(err)
	}
	var stats IngestStats
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		stats = r.stats
	case <-time.After(30 * time.Second):
		t.Fatal("the file did not finish after the other committed")
	}
	if stats.Created["purchase_order_line"] != 3 || stats.Updated["purchase_order_line"] != 1 || stats.Unchanged != 1 {
		t.Errorf("stats %+v, want 3 created (1, 2, 6), 1 updated (5), 1 unchanged (0)", stats)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM fact_fields WHERE key = 'PO-0|6' AND field = 'quantity' AND value = '1'`); n != 1 {
		t.Error("line 5 (PO-0|6) does not hold the later file's quantity")
	}
}

// waitForLockWait waits until a session of the store waits for a lock.
func waitForLockWait(t *testing.T, db *DB) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if count(t, db, `SELECT COUNT(*) FROM pg_locks WHERE NOT granted`) > 0 {
			return
		}
	}
	t.Fatal("no session waited for the other's line")
}
