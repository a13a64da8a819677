package mapping

import (
	"bytes"
	"fmt"
	"slices"
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

// TestHSRepair: a lost leading zero is restored for spreadsheet number
// cells and for CSV values of bare digits, warned about, and the value as
// sent is kept in hs_code_as_sent for that record only.
func TestHSRepair(t *testing.T) {
	const invoice = "name: t\nformat: csv\nmatch: {path: '*'}\nrecords:\n  - kind: invoice_line\n    fields:\n      line_no: {col: 1}\n      hs_code: {col: 2, type: hs_code}\n"
	tests := []struct {
		name     string
		spec     string
		csv      string
		rejected bool
		want     []map[string]string // per record: hs_code and hs_code_as_sent ("" = absent)
		warnings []string            // the value of each HS_LEADING_ZERO_REPAIRED warning
	}{
		{"NineDigits", invoice, "L,HTS\n3,502100000\n", false,
			[]map[string]string{{"hs_code": "0502100000", "hs_code_as_sent": "502100000"}}, []string{"502100000"}},
		{"FiveAndSevenDigits", invoice, "L,HTS\n1,10121\n2,1012100\n", false,
			[]map[string]string{{"hs_code": "010121", "hs_code_as_sent": "10121"}, {"hs_code": "01012100", "hs_code_as_sent": "1012100"}},
			[]string{"10121", "1012100"}},
		{"BlanksAroundDigits", invoice, "L,HTS\n1, 502100000 \n", false,
			[]map[string]string{{"hs_code": "0502100000", "hs_code_as_sent": "502100000"}}, []string{"502100000"}},
		{"AsSentOnlyOnRepairedRecord", invoice, "L,HTS\n1,8482.10.5048\n2,502100000\n3,8483405010\n", false,
			[]map[string]string{{"hs_code": "8482105048"}, {"hs_code": "0502100000", "hs_code_as_sent": "502100000"}, {"hs_code": "8483405010"}},
			[]string{"502100000"}},
		{"DotsAreNotANumber", invoice, "L,HTS\n1,50210.0000\n", true, nil, nil},
		{"TrailingTextIsNotANumber", invoice, "L,HTS\n1,502100000 (bristles)\n", true, nil, nil},
		{"FourDigitsStillBad", invoice, "L,HTS\n1,5021\n", true, nil, nil},
		{"MappingFillsAsSentItself", "name: t\nformat: csv\nmatch: {path: '*'}\nrecords:\n  - kind: invoice_line\n    fields:\n      hs_code: {col: 2, type: hs_code}\n      hs_code_as_sent: {col: 2}\n",
			"L,HTS\n1,8482.10.5048\n", false, []map[string]string{{"hs_code": "8482105048", "hs_code_as_sent": "8482.10.5048"}}, nil},
		{"StringTypedHSNotRepaired", "name: t\nformat: csv\nmatch: {path: '*'}\nrecords:\n  - kind: invoice_line\n    fields:\n      hs_code: {col: 2}\n",
			"L,HTS\n1,502100000\n", false, []map[string]string{{"hs_code": "502100000"}}, nil},
		{"PurchaseOrderLine", "name: t\nformat: csv\nmatch: {path: '*'}\nrecords:\n  - kind: purchase_order_line\n    fields:\n      hs_code: {col: 2, type: hs_code}\n",
			"L,HTS\n1,502100000\n", false, []map[string]string{{"hs_code": "0502100000", "hs_code_as_sent": "502100000"}}, []string{"502100000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, res := mustMap(t, tt.spec, "x.csv", tt.csv)
			if res.Rejected != tt.rejected {
				t.Fatalf("rejected = %v, want %v; errors %v", res.Rejected, tt.rejected, res.Errors)
			}
			if tt.rejected {
				return
			}
			if len(recs) != len(tt.want) {
				t.Fatalf("got %d records, want %d", len(recs), len(tt.want))
			}
			for i, w := range tt.want {
				if got := recs[i].Fields["hs_code"]; got != w["hs_code"] {
					t.Errorf("record %d hs_code = %q, want %q", i, got, w["hs_code"])
				}
				if got := recs[i].Fields["hs_code_as_sent"]; got != w["hs_code_as_sent"] {
					t.Errorf("record %d hs_code_as_sent = %q, want %q", i, got, w["hs_code_as_sent"])
				}
			}
			var got []string
			for _, w := range res.Warnings {
				if w.Rule != "HS_LEADING_ZERO_REPAIRED" || w.Field != "hs_code" {
					t.Errorf("warning %v: want rule HS_LEADING_ZERO_REPAIRED on hs_code", w)
				}
				got = append(got, w.Value)
			}
			if !slices.Equal(got, tt.warnings) {
				t.Errorf("warnings for %q, want %q", got, tt.warnings)
			}
		})
	}
}

// TestHSRepair_NumberCell: a spreadsheet number cell is repaired whatever
// the format, and the warning says where.
func TestHSRepair_NumberCell(t *testing.T) {
	spec := "name: t\nformat: xlsx\nmatch: {path: '*'}\nrecords:\n  - kind: invoice_line\n    fields:\n      hs_code: {col: 1, type: hs_code}\n"
	m, err := Parse([]byte(spec), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := &run{m: m, res: &Result{}}
	p := r.plan()[0]
	r.fill(p, 0, cellValue{text: "10121", numeric: true}, clearway.Position{Row: 7}, nil)
	if got := p.rec.Get("hs_code_as_sent"); p.rec.Values[0] != "010121" || got != "10121" {
		t.Fatalf("hs_code %q, hs_code_as_sent %q; want 010121, 10121", p.rec.Values[0], got)
	}
	if len(r.res.Warnings) != 1 || r.res.Warnings[0].Rule != "HS_LEADING_ZERO_REPAIRED" || r.res.Warnings[0].Pos.Row != 7 {
		t.Fatalf("warnings %v", r.res.Warnings)
	}
	// The next record's code needs no repair: hs_code_as_sent is cleared.
	r.fill(p, 0, cellValue{text: "8471300100", numeric: true}, clearway.Position{Row: 8}, nil)
	if got := p.rec.Get("hs_code_as_sent"); got != "" {
		t.Fatalf("hs_code_as_sent = %q after an unrepaired code, want empty", got)
	}
	// A text cell of bare digits in a workbook is not repaired: only CSV
	// values lose their type.
	if errs := r.fill(p, 0, cellValue{text: "10121"}, clearway.Position{Row: 9}, nil); len(errs) != 1 {
		t.Fatalf("xlsx text 10121: got %d errors, want 1", len(errs))
	}
}
