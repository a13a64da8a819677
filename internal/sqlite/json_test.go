package sqlite

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/clearway/clearway/internal/clearway"
)

// TestStoredRowRoundTrip checks a line's fields come back from the
// compact row as they went in, escaping included, and that rows people
// read (the audit log) are plain JSON objects.
func TestStoredRowRoundTrip(t *testing.T) {
	db := MustOpenDB(t)
	for _, fields := range []map[string]string{
		{},
		{"po_number": "4500012345", "line_no": "10", "description": `Widget "blue", <5mm> & co`},
		{"sku": "Schraube Ø5 – Müller", "description": "tab\there\nnewline", "uom": "\x01"},
		{"container_number": "MSKU7051237"}, // an identifier, stored after the kind's own fields
	} {
		row, err := db.layouts.encode("purchase_order_line", fields)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.layouts.decode(row)
		if err != nil {
			t.Fatalf("%s: %v", row, err)
		}
		if !maps.Equal(got, fields) {
			t.Errorf("%s decodes to %v, want %v", row, got, fields)
		}
		obj, _ := db.layouts.objectJSON(row)
		if want, _ := json.Marshal(fields); string(obj) != string(want) {
			t.Errorf("object form %s, want %s", obj, want)
		}
	}
	if _, err := db.layouts.encode("purchase_order_line", map[string]string{"colour": "blue"}); err == nil {
		t.Error("a field the kind does not have was stored")
	}
	if _, err := db.layouts.decode(`[999,"x"]`); err == nil {
		t.Error("a row of an unknown layout was read")
	}
}

func TestAppendPositionMatchesEncodingJSON(t *testing.T) {
	for _, p := range []clearway.Position{{Row: 4, Line: 5}, {Segment: 17, Line: 18, Offset: 900}, {Row: 2, Column: "HTS"}, {}} {
		want, _ := json.Marshal(p)
		if got := appendPosition(nil, p); string(got) != string(want) {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}

// TestOldObjectRowsCompacted checks lines a store wrote as JSON objects,
// before layouts, are rewritten once at Open and read back the same.
func TestOldObjectRowsCompacted(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ingestFile(t, db, "1", poLine("1", "8482105048", "100", "0.62"))
	ingestFile(t, db, "2", rec(clearway.KindInvoiceLine, "invoice_number", "INV-1", "line_no", "1", "po_number", "PO-1", "bill_of_lading", "BL-1"))
	want := show(t, db, "PO-1").POLines
	if _, err := db.db.ExecContext(ctx, `UPDATE facts SET fields = '{"currency":"USD","hs_code":"8482105048","incoterm":"FOB","incoterm_place":"Ningbo","line_no":"1","mode":"SEA","origin_country":"CN","po_number":"PO-1","quantity":"100","sku":"SKU1","unit_price":"0.62","uom":"NO"}' WHERE kind = 'purchase_order_line'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.ExecContext(ctx, `DELETE FROM meta WHERE key = 'fields_format'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2 := reopened(db)
	if err := db2.Open(); err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	var row string
	db2.db.QueryRowContext(ctx, `SELECT fields FROM facts`).Scan(&row)
	if !strings.HasPrefix(row, "[") {
		t.Fatalf("row not compacted: %s", row)
	}
	got := show(t, db2, "PO-1").POLines
	if len(got) != 1 || !maps.Equal(got[0], want[0]) {
		t.Fatalf("after compaction %v, want %v", got, want)
	}
}
