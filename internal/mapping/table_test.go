package mapping

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/clearway/clearway/internal/clearway"
)

const mapPO = `name: erp-po
format: csv
match: {path: "inbox/po/*.csv"}
records:
  - kind: purchase_order_line
    fields:
      po_number: {column: PO, required: true, transform: [upper]}
      line_no: {column: Line, type: int, required: true}
      sku: {column: SKU}
      description: {column: Description}
      hs_code: {column: HTS, type: hs_code}
      origin_country: {column: COO, type: country}
      quantity: {column: Qty, type: decimal}
      uom: {column: UOM, map: {PCS: "NO"}}
      unit_price: {column: Price, type: decimal}
      currency: {column: Currency, type: currency}
`

func TestCSV(t *testing.T) {
	in := "PO,Line,SKU,Description,HTS,COO,Qty,UOM,Price,Currency\n" +
		"po-1001,1,SKU-1,\"Widget, blue\",8471.30.0100,CN,12.50,PCS,\"1,234.00\",USD\n" +
		"\n" +
		"PO-1001,2,SKU-2,Gadget,8471.30,cn,3,NO,4.5,usd\n"
	recs, res := mustMap(t, mapPO, "inbox/po/po.csv", in)
	if res.Rejected || len(recs) != 2 {
		t.Fatalf("got %d records: %v", len(recs), res.Err())
	}
	f := recs[0].Fields
	if f["po_number"] != "PO-1001" || f["hs_code"] != "8471300100" || f["quantity"] != "12.5" || f["unit_price"] != "1234" ||
		f["uom"] != "NO" || f["description"] != "Widget, blue" || recs[0].Source.Row != 2 {
		t.Fatalf("record 1: %v %+v", f, recs[0].Source)
	}
	if recs[1].Source.Row != 4 || recs[1].Fields["origin_country"] != "CN" || recs[1].Fields["currency"] != "USD" {
		t.Fatalf("record 2: %v %+v", recs[1].Fields, recs[1].Source)
	}
}

func TestCSVErrors(t *testing.T) {
	in := "PO,Line,SKU,Description,HTS,COO,Qty,UOM,Price,Currency\n" +
		"PO-1,1,A,x,8471.30.0100,CN,1,NO,1,USD\n" +
		",2,B,x,7701.10,CN,1,NO,1,USD\n" +
		"PO-1,3,C,x,8471.30.0100,CN,lots,NO,1,USD\n"
	t.Run("RejectFile", func(t *testing.T) {
		recs, res := mustMap(t, mapPO, "po.csv", in)
		if !res.Rejected || len(res.Errors) != 3 {
			t.Fatalf("rejected %v, errors %v", res.Rejected, res.Err())
		}
		e := res.Errors[0]
		if e.Pos.Row != 3 || e.Field != "po_number" || e.Pos.Column != "PO" || !strings.Contains(e.Error(), `row 3, column "PO"`) {
			t.Fatalf("first error %v (%+v)", e, e.Pos)
		}
		if res.Errors[1].Field != "hs_code" || res.Errors[2].Pos.Row != 4 || res.Errors[2].Field != "quantity" || res.Errors[2].Value != "lots" {
			t.Fatalf("errors %v", res.Err())
		}
		if len(recs) != 1 { // emitted before the first error; the caller discards them
			t.Fatalf("got %d records emitted", len(recs))
		}
	})
	t.Run("SkipRow", func(t *testing.T) {
		recs, res := mustMap(t, strings.Replace(mapPO, "format: csv", "format: csv\non_error: skip_row", 1), "po.csv", in)
		if res.Rejected || len(recs) != 1 || len(res.Errors) != 3 {
			t.Fatalf("rejected %v, %d records, errors %v", res.Rejected, len(recs), res.Err())
		}
	})
	t.Run("MissingColumn", func(t *testing.T) {
		_, res := mustMap(t, mapPO, "po.csv", "PO,Line\nPO-1,1\n")
		// Every missing column is reported at once, each naming what the header has.
		if !res.Rejected || len(res.Errors) != 8 || !strings.Contains(res.Errors[0].Msg, `column "SKU" not found`) || !strings.Contains(res.Errors[0].Hint, `"PO", "Line"`) {
			t.Fatalf("got %v / %q", res.Err(), res.Errors[0].Hint)
		}
	})
	t.Run("NotCSV", func(t *testing.T) {
		_, res := mustMap(t, mapPO, "po.csv", "PK\x03\x04\x14\x00\x06\x00binary")
		if !res.Rejected || len(res.Errors) != 1 || strings.Contains(res.Errors[0].Error(), "\n") {
			t.Fatalf("got %v", res.Err())
		}
	})
}

// A windows-1252 file with semicolons and decimal commas, mapped with a
// mapping written from the docs alone.
func TestCSVEuropean(t *testing.T) {
	spec := `name: packing-eu
format: csv
match: {path: "*"}
csv: {delimiter: ";", encoding: windows-1252, decimal_comma: true}
records:
  - kind: packing_line
    fields:
      invoice_number: {column: Rechnung}
      sku: {column: Artikel}
      quantity: {column: Menge, type: decimal}
      net_weight_kg: {column: "Netto kg", type: decimal}
      container_number: {column: Container}
`
	text := "Rechnung;Artikel;Menge;Netto kg;Container\nINV-7;Schraube Ø5 – Müller;1.234,5;2.000,75;MSCU1234565\n"
	enc, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	recs, res := mustMap(t, spec, "pl.csv", string(enc))
	if res.Rejected || len(recs) != 1 {
		t.Fatalf("%v", res.Err())
	}
	f := recs[0].Fields
	if f["sku"] != "Schraube Ø5 – Müller" || f["quantity"] != "1234.5" || f["net_weight_kg"] != "2000.75" {
		t.Fatalf("fields %v", f)
	}
}

func poCSV(lines int) []byte {
	var b bytes.Buffer
	b.WriteString("PO,Line,SKU,Description,HTS,COO,Qty,UOM,Price,Currency\n")
	for i := 0; i < lines; i++ {
		fmt.Fprintf(&b, "PO-%06d,%d,SKU-%d,\"Widget, blue\",8471300100,CN,12.5,NO,3.25,USD\n", i/20, i%20+1, i%500)
	}
	return b.Bytes()
}

// BenchmarkCSVMap is CSV read + map, single core, before any store.
func BenchmarkCSVMap(b *testing.B) {
	m, err := Parse([]byte(mapPO), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	const lines = 200_000
	data := poCSV(lines)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := m.Run(Input{Name: "po.csv", R: bytes.NewReader(data)}, func(*Record) error { return nil })
		if err != nil || res.Rejected || res.Records != lines {
			b.Fatal(err, res.Err())
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(0, "ns/op")
}

func TestHSRepairWarning(t *testing.T) {
	spec := "name: t\nformat: csv\nmatch: {path: '*'}\nrecords:\n  - kind: invoice_line\n    fields:\n      hs_code: {col: 1, type: hs_code}\n"
	m, err := Parse([]byte(spec), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// CSV cells are text: no repair, and 5 digits is an error there.
	_, res := mustMap(t, spec, "x.csv", "HTS\n10121\n")
	if !res.Rejected {
		t.Fatal("a 5-digit HS code from a text cell was accepted")
	}
	// A spreadsheet number cell: repaired, kept, and warned about.
	p := (&run{m: m, res: &Result{}}).plan()[0]
	r := &run{m: m, res: &Result{}}
	r.fill(p, 0, cellValue{text: "10121", numeric: true}, clearway.Position{Row: 7}, nil)
	if p.rec.Values[0] != "010121" || len(r.res.Warnings) != 1 || r.res.Warnings[0].Rule != "HS_LEADING_ZERO_REPAIRED" || r.res.Warnings[0].Pos.Row != 7 {
		t.Fatalf("value %q, warnings %v", p.rec.Values[0], r.res.Warnings)
	}
}
