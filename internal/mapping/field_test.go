package mapping

import (
	"testing"
)

func TestNormalizeDecimal(t *testing.T) {
	for _, tc := range []struct {
		in    string
		comma bool
		want  string
		ok    bool
	}{
		{"12.50", false, "12.5", true},
		{"1,234.50", false, "1234.5", true},
		{"1.234,56", true, "1234.56", true},
		{"-0.00", false, "0", true},
		{"(12.5)", false, "-12.5", true},
		{"+007", false, "7", true},
		{"1.2E+05", false, "120000", true},
		{".5", false, "0.5", true},
		{"12,5", true, "12.5", true},
		{"abc", false, "", false},
		{"1.2.3", false, "", false},
		{"", false, "", false},
	} {
		got, ok := normalizeDecimal(tc.in, tc.comma)
		if got != tc.want || ok != tc.ok {
			t.Errorf("normalizeDecimal(%q, %v) = %q, %v; want %q, %v", tc.in, tc.comma, got, ok, tc.want, tc.ok)
		}
	}
}

func TestShiftDecimal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{{"1250", 2, "12.5"}, {"5", 2, "0.05"}, {"-1250", 2, "-12.5"}, {"1250", 0, "1250"}, {"100", 2, "1"}} {
		if got := shiftDecimal(tc.in, tc.n); got != tc.want {
			t.Errorf("shiftDecimal(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestDateLayout(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"YYYYMMDD", "20060102"}, {"MM/DD/YYYY", "01/02/2006"}, {"MMDDYY", "010206"}, {"YYYYMMDDHHmm", "200601021504"},
		{"YYYY-MM-DD HH:mm:ss", "2006-01-02 15:04:05"},
	} {
		got, err := dateLayout(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("dateLayout(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"DD.MM", "YYYY-MM-DQ", "yyyy-mm-dd"} {
		if _, err := dateLayout(bad); err == nil {
			t.Errorf("dateLayout(%q): want error", bad)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		glob, path string
		want       bool
	}{
		{"inbox/invoices/*.xlsx", "inbox/invoices/INV-1.xlsx", true},
		{"inbox/invoices/*.xlsx", "inbox/invoices/INV-1.XLSX", true},
		{"inbox/invoices/*.xlsx", "inbox/invoices/2026/INV-1.xlsx", false},
		{"inbox/**/*.pdf", "inbox/docs/a/b.pdf", true},
		{"inbox/**/*.pdf", "inbox/b.pdf", true},
		{"inbox/po_??.csv", "inbox/po_01.csv", true},
		{"inbox/[ab]*.csv", "inbox/c.csv", false},
	} {
		re, err := compileGlob(tc.glob)
		if err != nil {
			t.Fatal(err)
		}
		if got := re.MatchString(tc.path); got != tc.want {
			t.Errorf("glob %q on %q = %v, want %v", tc.glob, tc.path, got, tc.want)
		}
	}
}

func TestConvert(t *testing.T) {
	mustParse := func(yaml string) *FieldSpec {
		t.Helper()
		m, err := Parse([]byte("name: t\nformat: csv\nmatch: {path: '*'}\nrecords:\n  - kind: invoice_line\n    fields:\n      "+yaml+"\n"), "t.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return m.Records[0].Fields[0]
	}
	for _, tc := range []struct {
		field string
		in    cellValue
		want  string
		bad   bool
	}{
		{`hs_code: {col: 1, type: hs_code}`, cellValue{text: "8471.30.0100"}, "8471300100", false},
		{`hs_code: {col: 1, type: hs_code}`, cellValue{text: "10121", numeric: true}, "010121", false},
		{`hs_code: {col: 1, type: hs_code}`, cellValue{text: "7701.10"}, "", true},
		{`origin_country: {col: 1, type: country, map: {CHINA: CN}}`, cellValue{text: "CHINA"}, "CN", false},
		{`origin_country: {col: 1, type: country}`, cellValue{text: "Narnia"}, "", true},
		{`currency: {col: 1, type: currency}`, cellValue{text: "usd"}, "USD", false},
		{`invoice_date: {col: 1, type: date, format: MM/DD/YYYY}`, cellValue{text: "03/01/2026"}, "2026-03-01", false},
		{`invoice_date: {col: 1, type: date, format: MM/DD/YYYY}`, cellValue{text: "2026-03-01"}, "", true},
		{`invoice_date: {col: 1, type: date}`, cellValue{text: "2026-03-01"}, "2026-03-01", false},
		{`quantity: {col: 1, type: decimal, implied_decimals: 2}`, cellValue{text: "000001250"}, "12.5", false},
		{`line_no: {col: 1, type: int}`, cellValue{text: "3.0", numeric: true}, "3", false},
		{`line_no: {col: 1, type: int}`, cellValue{text: "three"}, "", true},
		{`uom: {col: 1, map: {PCS: "NO"}, default: "NO"}`, cellValue{text: ""}, "NO", false},
		{`invoice_number: {col: 1, required: true}`, cellValue{text: "  "}, "", true},
		{`po_number: {col: 1, transform: [trim, upper], pattern: "^PO-"}`, cellValue{text: " po-1 "}, "PO-1", false},
		{`po_number: {col: 1, pattern: "^PO-"}`, cellValue{text: "X-1"}, "", true},
		{`sku: {col: 1, transform: [digits]}`, cellValue{text: "SKU-88/a"}, "88", false},
	} {
		f := mustParse(tc.field)
		got, _, err := f.convert(tc.in, false)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("%s on %q = %q, %v; want %q (error %v)", tc.field, tc.in.text, got, err, tc.want, tc.bad)
		}
	}
}

func TestPlainDecimal(t *testing.T) {
	for in, want := range map[string]bool{"12.5": true, "0.5": true, "0": true, "120": true, "12.50": false, "007": false, "1,2": false, "-1": false, ".5": false, "5.": false} {
		if got := plainDecimal(in); got != want {
			t.Errorf("plainDecimal(%q) = %v, want %v", in, got, want)
		}
		if norm, ok := normalizeDecimal(in, false); want && (!ok || norm != in) {
			t.Errorf("normalizeDecimal(%q) = %q, %v", in, norm, ok)
		}
	}
}
