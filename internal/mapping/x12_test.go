package mapping

import (
	"strings"
	"testing"

	"github.com/clearway/clearway/internal/clearway"
)

// mustMap runs a mapping (YAML) on an input and returns the canonical records.
func mustMap(t *testing.T, spec, name, input string) ([]clearway.Record, *Result) {
	t.Helper()
	m, err := Parse([]byte(spec), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var recs []clearway.Record
	res, err := m.Run(Input{Name: name, R: strings.NewReader(input)}, func(r *Record) error {
		recs = append(recs, r.Canonical())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs, res
}

const map350 = `name: x12-350
format: x12
match: {path: "inbox/**/*.edi"}
x12: {transaction: "350"}
records:
  - kind: status_event
    for_each: X4
    fields:
      code: {element: X4.07, required: true}
      code_list: {value: cbp_disposition}
      bill_of_lading: {element: X4.01}
      entry_number: {element: X4.04}
      at: {element: [X4.05, X4.06], type: datetime, format: YYYYMMDDHHmm}
      house_bill: {element: M10.04}
      message: {element: V9.02}
`

// A 350 with | element and ^ component separators (no public sample exists).
const edi350 = "ISA|00|          |00|          |ZZ|CBPACE         |ZZ|FASTCLEAR      |260301|1200|^|00501|000000101|0|P|>~\n" +
	"GS|AU|CBPACE|FASTCLEAR|20260301|1200|101|X|005010~\n" +
	"ST|350|0001~\n" +
	"M10|MAEU|O|US|MAERSK KENSINGTON|412E~\n" +
	"P4|2704|20260228|1~\n" +
	"V9|EBL|ENTRY FILED|20260301|1000~\n" +
	"X4|MAEU240312345|2|01|ABC12345676|20260301|1005|1H|||||~\n" +
	"N9|EQ|MSCU1234565~\n" +
	"X4|MAEU240312345|2|01|ABC12345676|20260302|0930|1I|||||~\n" +
	"SE|8|0001~\n" +
	"GE|1|101~\n" +
	"IEA|1|000000101~\n"

func TestX12350(t *testing.T) {
	recs, res := mustMap(t, map350, "inbox/350.edi", edi350)
	if res.Rejected || len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Err())
	}
	if len(recs) != 2 {
		t.Fatalf("got %d records, want 2: %v", len(recs), recs)
	}
	r := recs[0]
	want := map[string]string{"code": "1H", "code_list": "cbp_disposition", "bill_of_lading": "MAEU240312345",
		"entry_number": "ABC12345676", "at": "2026-03-01T10:05:00Z", "house_bill": "MAERSK KENSINGTON", "message": "ENTRY FILED"}
	for k, v := range want {
		if r.Fields[k] != v {
			t.Errorf("%s = %q, want %q", k, r.Fields[k], v)
		}
	}
	if r.Source.Segment != 7 || r.Source.Loop != "X4" || r.Source.Line != 7 {
		t.Errorf("source %+v, want segment 7, line 7, loop X4", r.Source)
	}
	if recs[1].Fields["code"] != "1I" || recs[1].Fields["at"] != "2026-03-02T09:30:00Z" {
		t.Errorf("second record %v", recs[1].Fields)
	}
	if len(res.Interchanges) != 1 || res.Interchanges[0].Control != "000000101" {
		t.Errorf("interchanges %v", res.Interchanges)
	}
}

func TestX12BadCountRejects(t *testing.T) {
	bad := strings.Replace(edi350, "SE|8|0001", "SE|9|0001", 1)
	recs, res := mustMap(t, map350, "inbox/350.edi", bad)
	if !res.Rejected {
		t.Fatalf("a wrong SE count was not rejected (%d records)", len(recs))
	}
	if e := res.Errors[0]; e.Pos.Segment != 10 || !strings.Contains(e.Error(), "SE01") {
		t.Fatalf("error %v, want one at segment 10 naming SE01", e)
	}
}

func TestX12WrongTransaction(t *testing.T) {
	_, res := mustMap(t, strings.Replace(map350, `transaction: "350"`, `transaction: "856"`, 1), "x.edi", edi350)
	if !res.Rejected || !strings.Contains(res.Errors[0].Msg, "transaction set 350") {
		t.Fatalf("got %v", res.Err())
	}
}

func TestNotX12(t *testing.T) {
	_, res := mustMap(t, map350, "x.edi", "Invoice No,Line\nINV-1,1\n")
	if !res.Rejected || len(res.Errors) != 1 || strings.Contains(res.Errors[0].Msg, "\n") {
		t.Fatalf("got %v, want one one-line error", res.Err())
	}
}

const map856 = `name: x12-856
format: x12
match: {path: "*"}
records:
  - kind: packing_line
    for_each: HL[I]
    fields:
      sku: {element: LIN.03}
      quantity: {element: SN1.02, type: decimal}
      uom: {element: SN1.03}
      po_number: {element: PRF.01}
      container_number: {element: TD3.03}
      bill_of_lading: {element: "REF[BM].02"}
      booking_number: {element: BSN.02}
`

// An HL tree S → O → I, I; then O → I: each item takes its own order's PO.
const edi856 = "ISA*00*          *00*          *ZZ*SUPPLIER       *ZZ*ACME           *260301*1200*U*00401*000000201*0*P*>~\r\n" +
	"GS*SH*SUPPLIER*ACME*20260301*1200*201*X*004010~\r\n" +
	"ST*856*0001~\r\n" +
	"BSN*00*BK-7781*20260301*1200~\r\n" +
	"HL*1**S~\r\n" +
	"TD3*CN*MSCU*1234565~\r\n" +
	"REF*BM*MAEU240312345~\r\n" +
	"HL*2*1*O~\r\n" +
	"PRF*PO-1001~\r\n" +
	"HL*3*2*I~\r\n" +
	"LIN**VP*SKU-1~\r\n" +
	"SN1**10*PCS~\r\n" +
	"HL*4*2*I~\r\n" +
	"LIN**VP*SKU-2~\r\n" +
	"SN1**5.5*KG~\r\n" +
	"HL*5*1*O~\r\n" +
	"PRF*PO-1002~\r\n" +
	"HL*6*5*I~\r\n" +
	"LIN**VP*SKU-3~\r\n" +
	"SN1**1*PCS~\r\n" +
	"SE*19*0001~\r\n" +
	"GE*1*201~\r\n" +
	"IEA*1*000000201~\r\n"

func TestX12856Tree(t *testing.T) {
	recs, res := mustMap(t, map856, "asn.edi", edi856)
	if res.Rejected {
		t.Fatalf("rejected: %v", res.Err())
	}
	got := []string{}
	for _, r := range recs {
		got = append(got, r.Fields["sku"]+"/"+r.Fields["po_number"]+"/"+r.Fields["quantity"]+"/"+r.Fields["container_number"]+"/"+r.Fields["bill_of_lading"]+"/"+r.Fields["booking_number"])
	}
	want := []string{
		"SKU-1/PO-1001/10/1234565/MAEU240312345/BK-7781",
		"SKU-2/PO-1001/5.5/1234565/MAEU240312345/BK-7781",
		"SKU-3/PO-1002/1/1234565/MAEU240312345/BK-7781",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestX12BadParent(t *testing.T) {
	bad := strings.Replace(edi856, "HL*6*5*I", "HL*6*9*I", 1)
	_, res := mustMap(t, map856, "asn.edi", bad)
	if !res.Rejected || !strings.Contains(res.Err().Error(), "parent 9") {
		t.Fatalf("got %v", res.Err())
	}
}

func TestDocument(t *testing.T) {
	spec := `name: docs
format: document
match: {path: "inbox/docs/**"}
records:
  - kind: document
    fields:
      doc_type: {from_filename: "^(CI|PL|BL)_", map: {CI: commercial_invoice, PL: packing_list, BL: bill_of_lading}, required: true}
      invoice_number: {from_filename: "_(INV-[0-9-]+)"}
      bill_of_lading: {from_filename: "BL-([A-Z0-9]+)"}
`
	recs, res := mustMap(t, spec, "inbox/docs/CI_INV-2026-0042_BL-MAEU240312345.pdf", "%PDF-1.4 test")
	if res.Rejected || len(recs) != 1 {
		t.Fatalf("got %v, %v", recs, res.Err())
	}
	f := recs[0].Fields
	if f["doc_type"] != "commercial_invoice" || f["invoice_number"] != "INV-2026-0042" || f["bill_of_lading"] != "MAEU240312345" ||
		f["original_name"] != "CI_INV-2026-0042_BL-MAEU240312345.pdf" || len(f["sha256"]) != 64 {
		t.Fatalf("fields %v", f)
	}
	_, res = mustMap(t, spec, "inbox/docs/scan001.pdf", "%PDF")
	if !res.Rejected || res.Errors[0].Field != "doc_type" {
		t.Fatalf("a document without a type was not rejected: %v", res.Err())
	}
}
