package sqlite

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/validate"
)

// A box is reused voyage after voyage: two B/Ls 90 days apart that name
// the same container are two shipments.
func TestSpineContainerReusedMonthsLater(t *testing.T) {
	db := MustOpenDB(t)
	now := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	ingestFile(t, db, "1", rec(clearway.KindPackingLine, "invoice_number", "INV-A", "sku", "A", "quantity", "1", "bill_of_lading", "BL-A", "container_number", "MSKU7051237"))
	now = now.AddDate(0, 0, 90)
	ingestFile(t, db, "2", rec(clearway.KindPackingLine, "invoice_number", "INV-B", "sku", "B", "quantity", "1", "bill_of_lading", "BL-B", "container_number", "MSKU7051237"))
	a, b := show(t, db, "BL-A"), show(t, db, "BL-B")
	if a.Ref == b.Ref {
		t.Fatalf("both B/Ls in %s, want two shipments", a.Ref)
	}
	if !slices.Equal(a.Identifiers["container_number"], []string{"MSKU7051237"}) || !slices.Equal(b.Identifiers["container_number"], []string{"MSKU7051237"}) {
		t.Errorf("containers %v and %v, want the box linked to both", a.Identifiers, b.Identifiers)
	}
	// A record naming only the box: BL-A's shipment is 90 days quiet, so
	// only BL-B's is a candidate.
	ingestFile(t, db, "3", rec(clearway.KindMilestone, "event", "gate_in", "at", "2026-04-06T08:00:00Z", "container_number", "MSKU7051237"))
	hasGateIn := func(ref string) bool {
		return slices.ContainsFunc(show(t, db, ref).Timeline, func(e TimelineEvent) bool { return e.Event == "gate_in" })
	}
	if !hasGateIn("BL-B") || hasGateIn("BL-A") {
		t.Errorf("gate-in on BL-B %v, on BL-A %v; want it on BL-B only", hasGateIn("BL-B"), hasGateIn("BL-A"))
	}
}

// Two B/Ls in one box the same week (LCL): a record naming only the box
// asks a person; nothing merges.
func TestSpineContainerAmbiguous(t *testing.T) {
	db := MustOpenDB(t)
	ingestFile(t, db, "1", rec(clearway.KindPackingLine, "invoice_number", "INV-A", "sku", "A", "quantity", "1", "house_bill", "HB-A", "container_number", "MSKU7051237"))
	ingestFile(t, db, "2", rec(clearway.KindPackingLine, "invoice_number", "INV-B", "sku", "B", "quantity", "1", "house_bill", "HB-B", "container_number", "MSKU7051237"))
	in := ingestFile(t, db, "3",
		rec(clearway.KindMilestone, "event", "discharged", "at", "2026-03-01T08:00:00Z", "container_number", "MSKU7051237"),
		rec(clearway.KindMilestone, "event", "available", "at", "2026-03-01T09:00:00Z", "container_number", "MSKU7051237"))
	if in.Stats.Reviews != 1 || count(t, db, `SELECT COUNT(*) FROM reviews WHERE kind = 'identifier_ambiguous' AND status = 'open'`) != 1 {
		t.Fatalf("stats %+v, want one identifier_ambiguous review for the file", in.Stats)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM facts WHERE kind = 'milestone'`); n != 0 {
		t.Errorf("%d milestones applied, want none", n)
	}
	if a, b := show(t, db, "HB-A"), show(t, db, "HB-B"); a.Ref == b.Ref {
		t.Errorf("house bills merged into %s", a.Ref)
	}
	r, _ := db.ListReviews(context.Background(), ReviewOpen)
	if !strings.Contains(r[0].Summary, "CW-000001 and CW-000002") || !strings.Contains(r[0].Summary, "container_number MSKU7051237") {
		t.Errorf("summary %q does not name the box and both shipments", r[0].Summary)
	}
}

// A PO shipped half in each of two shipments: both carry it, and the
// second half over the order raises QTY_OVER_PO counting both.
func TestSpinePOInTwoShipments(t *testing.T) {
	db := MustOpenDB(t)
	ingestFile(t, db, "1", poLine("1", "8482105048", "100", "0.62"))
	ingestFile(t, db, "2", invoiceLine("1", "8482105048", "60", "0.62", "37.2", "bill_of_lading", "BL-A", "invoice_number", "INV-A"))
	ingestFile(t, db, "3", invoiceLine("1", "8482105048", "60", "0.62", "37.2", "bill_of_lading", "BL-B", "invoice_number", "INV-B"))
	a, b := show(t, db, "BL-A"), show(t, db, "BL-B")
	if a.Ref == b.Ref {
		t.Fatalf("one shipment %s, want two", a.Ref)
	}
	po, err := db.PurchaseOrder(context.Background(), "PO-1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(po.Shipments, []string{a.Ref, b.Ref}) || len(po.Lines) != 1 {
		t.Errorf("PO-1 carried by %v with %d lines, want both shipments and its line", po.Shipments, len(po.Lines))
	}
	if len(a.POLines) != 1 || len(b.POLines) != 1 {
		t.Errorf("PO lines %d and %d, want the order's line on both", len(a.POLines), len(b.POLines))
	}
	f, ok := findRule(b.Findings, "QTY_OVER_PO")
	if !ok || !strings.Contains(f.Message, "counting the 60 NO other shipments declared") {
		t.Errorf("second half: findings %+v, want QTY_OVER_PO counting the first", b.Findings)
	}
}

// Invoice numbers are unique per supplier only.
func TestSpineInvoicePerSupplier(t *testing.T) {
	db := MustOpenDB(t)
	ingestAs(t, db, "acme", "1", rec(clearway.KindInvoiceLine, "invoice_number", "INV-001", "line_no", "1", "quantity", "5"))
	ingestAs(t, db, "beta", "2", rec(clearway.KindInvoiceLine, "invoice_number", "INV-001", "line_no", "1", "quantity", "7"))
	if n := count(t, db, `SELECT COUNT(*) FROM facts WHERE kind = 'invoice_line'`); n != 2 {
		t.Errorf("%d invoice lines, want 2 (one per supplier)", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM shipments`); n != 2 {
		t.Errorf("%d shipments, want 2", n)
	}
	// A packing list by invoice finds its own supplier's invoice.
	ingestAs(t, db, "beta", "3", rec(clearway.KindPackingLine, "invoice_number", "INV-001", "sku", "X", "quantity", "7"))
	if n := count(t, db, `SELECT COUNT(*) FROM facts WHERE kind = 'packing_line' AND shipment_id = 2 AND key LIKE 'beta|INV-001|%'`); n != 1 {
		t.Errorf("beta's packing line not on beta's invoice's shipment")
	}
}

func findRule(fs []validate.Finding, rule string) (validate.Finding, bool) {
	for _, f := range fs {
		if f.Rule == rule {
			return f, true
		}
	}
	return validate.Finding{}, false
}

// A store written by main before spine v2, with a shipment two B/Ls were
// merged into (a box shared) and one made for PO lines alone: every fact is
// kept, the merge is listed in a review, the PO-only shipment goes.
func TestSpineMigrationFromMain(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "clearway.db")
	copyFile(t, filepath.Join("testdata", "store-main-2026-12-05.db"), path)
	db := NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for kind, want := range map[string]int{"invoice_line": 3, "packing_line": 4, "purchase_order_line": 4, "status_event": 5} {
		if n := count(t, db, `SELECT COUNT(*) FROM facts WHERE kind = ?`, kind); n != want {
			t.Errorf("%d %s facts after migration, want %d", n, kind, want)
		}
	}
	if n := count(t, db, `SELECT COUNT(*) FROM facts WHERE kind = 'purchase_order_line' AND shipment_id IS NOT NULL`); n != 0 {
		t.Errorf("%d PO lines still on a shipment", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM facts WHERE kind = 'invoice_line' AND key LIKE 'acme|INV-2026-0042|%'`); n != 3 {
		t.Errorf("%d invoice lines keyed under their supplier, want 3", n)
	}
	rs, err := db.ListReviews(context.Background(), ReviewOpen)
	if err != nil {
		t.Fatal(err)
	}
	var ambiguous []*Review
	for _, r := range rs {
		if r.Kind == ReviewIdentifierAmbiguous {
			ambiguous = append(ambiguous, r)
		}
	}
	if len(ambiguous) != 1 || ambiguous[0].Shipment != "CW-000001" ||
		!strings.Contains(ambiguous[0].Summary, "MAEU240312345") || !strings.Contains(ambiguous[0].Summary, "MAEU240399999") {
		t.Fatalf("reviews %+v, want one identifier_ambiguous on CW-000001 naming both B/Ls", rs)
	}
	s := show(t, db, "MAEU240399999")
	if s.Ref != "CW-000001" || len(s.POLines) != 3 || len(s.Lines) != 3 {
		t.Errorf("%s with %d PO lines and %d invoice lines, want CW-000001 with 3 and 3 (not split silently)", s.Ref, len(s.POLines), len(s.Lines))
	}
	if _, err := db.FindShipment(context.Background(), "CW-000002"); err == nil {
		t.Error("the PO-only shipment CW-000002 is still there")
	}
	po, err := db.PurchaseOrder(context.Background(), "4500099999")
	if err != nil || len(po.Lines) != 1 {
		t.Errorf("PO 4500099999: %v %+v, want its line kept", err, po)
	}
	// Open again: the conversion ran once.
	db.Close()
	db = NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM reviews WHERE kind = 'identifier_ambiguous'`); n != 1 {
		t.Errorf("%d ambiguous reviews after a second open, want 1", n)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// 1,000 invoices for 20 bills of lading whose lines name one container:
// 20 shipments, the box linked to each, not one shipment with 20 B/Ls.
func TestSpineOneBoxTwentyBills(t *testing.T) {
	db := MustOpenDB(t)
	var recs []clearway.Record
	for i := range 1000 {
		recs = append(recs, rec(clearway.KindInvoiceLine, "invoice_number", fmt.Sprintf("INV-%04d", i), "line_no", "1", "quantity", "1",
			"bill_of_lading", fmt.Sprintf("MAEU2403%05d", i%20), "container_number", "MSKU7051237"))
	}
	ingestFile(t, db, "1", recs...)
	if n := count(t, db, `SELECT COUNT(*) FROM shipments`); n != 20 {
		t.Errorf("%d shipments, want 20", n)
	}
	if n := count(t, db, `SELECT COUNT(DISTINCT shipment_id) FROM links WHERE kind = 'container_number' AND value = 'MSKU7051237'`); n != 20 {
		t.Errorf("the box links %d shipments, want 20", n)
	}
	if n := count(t, db, `SELECT MAX(c) FROM (SELECT COUNT(*) c FROM identifiers WHERE kind = 'bill_of_lading' GROUP BY shipment_id) per_shipment`); n != 1 {
		t.Errorf("a shipment holds %d B/Ls, want 1", n)
	}
}
