package xlsx_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/clearway/clearway/internal/table"
	"github.com/clearway/clearway/internal/testutil"
	"github.com/clearway/clearway/internal/xlsx"
	"github.com/xuri/excelize/v2"
)

// MustReadFile returns a fixture's bytes.
func MustReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read fixture: %v", err)
	}
	return data
}

// MustOpen opens a workbook from bytes.
func MustOpen(tb testing.TB, data []byte, opt xlsx.Options) *xlsx.Reader {
	tb.Helper()
	rd, err := xlsx.NewReader(bytes.NewReader(data), opt)
	if err != nil {
		tb.Fatalf("open %+v: %v", opt, err)
	}
	tb.Cleanup(func() { _ = rd.Close() })
	return rd
}

// MustReadAll returns every row up to io.EOF.
func MustReadAll(tb testing.TB, rd *xlsx.Reader) []*table.Row {
	tb.Helper()
	var rows []*table.Row
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			tb.Fatalf("next after %d rows: %v", len(rows), err)
		}
		rows = append(rows, row)
	}
}

// goldenCell is a Cell as written to golden files: empty fields left out,
// the time only for date cells.
type goldenCell struct {
	Text    string `json:"text"`
	Numeric bool   `json:"numeric,omitempty"`
	Date    string `json:"date,omitempty"`
}

type goldenRow struct {
	Num   int          `json:"num"`
	Cells []goldenCell `json:"cells"`
}

type golden struct {
	Sheet  string      `json:"sheet"`
	Header []string    `json:"header"`
	Rows   []goldenRow `json:"rows"`
}

func toGolden(rd *xlsx.Reader, rows []*table.Row) golden {
	g := golden{Sheet: rd.Sheet(), Header: rd.Header(), Rows: []goldenRow{}}
	for _, r := range rows {
		gr := goldenRow{Num: r.Num, Cells: []goldenCell{}}
		for _, c := range r.Cells {
			gc := goldenCell{Text: c.Text, Numeric: c.Numeric}
			if c.IsDate {
				gc.Date = c.Time.Format(time.RFC3339Nano)
			}
			gr.Cells = append(gr.Cells, gc)
		}
		g.Rows = append(g.Rows, gr)
	}
	return g
}

var goldenCases = []struct {
	name, file string
	opt        xlsx.Options
}{
	{"invoice", "invoice.xlsx", xlsx.Options{Sheet: "Invoice", HeaderRow: 3}},
	{"invoice-no-header", "invoice.xlsx", xlsx.Options{Sheet: "invoice", HeaderRow: 0}},
	{"date1904", "date1904.xlsx", xlsx.Options{HeaderRow: 1}},
	{"sheets-first-visible", "sheets.xlsx", xlsx.Options{HeaderRow: 1}},
	{"sheets-by-name", "sheets.xlsx", xlsx.Options{Sheet: "Lines", HeaderRow: 1}},
	{"handmade", "handmade.xlsx", xlsx.Options{HeaderRow: 1}},
}

func TestGolden(t *testing.T) {
	if *testutil.Update {
		for name, build := range fixtures {
			if err := os.WriteFile(filepath.Join("testdata", name), build(t), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			rd := MustOpen(t, MustReadFile(t, filepath.Join("testdata", tc.file)), tc.opt)
			got, err := json.MarshalIndent(toGolden(rd, MustReadAll(t, rd)), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", tc.name+".golden.json")
			testutil.CheckGolden(t, path, got)
		})
	}
}

// TestFixturesUpToDate fails when a builder changed but its committed
// fixture was not regenerated.
func TestFixturesUpToDate(t *testing.T) {
	for name, build := range fixtures {
		if got, want := build(t), MustReadFile(t, filepath.Join("testdata", name)); !bytes.Equal(got, want) {
			t.Errorf("testdata/%s is stale: run go test -run TestGolden -update", name)
		}
	}
}

func TestInvoice(t *testing.T) {
	rd := MustOpen(t, MustReadFile(t, "testdata/invoice.xlsx"), xlsx.Options{Sheet: "Invoice", HeaderRow: 3})
	wantHeader := []string{"Invoice No", "Line", "Date", "PO #", "HTS", "COO", "Qty", "UOM", "Amount", "Ship Date"}
	if got := rd.Header(); !slices.Equal(got, wantHeader) {
		t.Fatalf("header: got %q, want %q", got, wantHeader)
	}
	rows := MustReadAll(t, rd)
	var nums []int
	for _, r := range rows {
		nums = append(nums, r.Num)
		if r.Line != 0 {
			t.Errorf("row %d: got Line %d, want 0", r.Num, r.Line)
		}
	}
	// Rows 6 (styled empty cells) and 7 (spaces) are blank.
	if want := []int{4, 5, 8, 9}; !slices.Equal(nums, want) {
		t.Fatalf("row numbers: got %v, want %v", nums, want)
	}
	cell := func(row, col int) table.Cell {
		t.Helper()
		if col >= len(rows[row].Cells) {
			t.Fatalf("row %d has %d cells, want more than %d", rows[row].Num, len(rows[row].Cells), col)
		}
		return rows[row].Cells[col]
	}
	day := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		row, col int
		want     table.Cell
	}{
		{"Text", 0, 0, table.Cell{Text: "INV-0042"}},
		{"Integer", 0, 1, table.Cell{Text: "1", Numeric: true}},
		{"BuiltinDate", 0, 2, table.Cell{Text: "2024-03-05", IsDate: true, Time: day(2024, 3, 5, 0, 0)}},
		{"HSLostLeadingZero", 0, 4, table.Cell{Text: "10121", Numeric: true}},
		{"FormattedNumberRaw", 0, 6, table.Cell{Text: "12.5", Numeric: true}},
		{"ThousandsFormatRaw", 0, 8, table.Cell{Text: "1234.56", Numeric: true}},
		{"CustomDate", 0, 9, table.Cell{Text: "2024-03-07", IsDate: true, Time: day(2024, 3, 7, 0, 0)}},
		{"CustomDateTime", 1, 2, table.Cell{Text: "2024-03-05T14:30:00Z", IsDate: true, Time: day(2024, 3, 5, 14, 30)}},
		{"EmptyMiddleCell", 1, 3, table.Cell{}},
		{"HSAsText", 1, 4, table.Cell{Text: "8471.30.0100"}},
		{"TenDigitNumber", 2, 4, table.Cell{Text: "8471300100", Numeric: true}},
		{"FloatNoise", 2, 8, table.Cell{Text: "0.3", Numeric: true}},
		{"TotalsLabel", 3, 0, table.Cell{Text: "Total"}},
		{"TotalsCachedSum", 3, 6, table.Cell{Text: "16.5", Numeric: true}},
		{"TotalsCachedAmount", 3, 8, table.Cell{Text: "10145.11", Numeric: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cell(tc.row, tc.col); got != tc.want {
				t.Errorf("row %d col %d: got %+v, want %+v", rows[tc.row].Num, tc.col, got, tc.want)
			}
		})
	}
	if n := len(rows[1].Cells); n != 9 {
		t.Errorf("row 5: got %d cells, want 9 (up to Amount; Ship Date is empty)", n)
	}
}

func TestDate1904(t *testing.T) {
	data := MustReadFile(t, "testdata/date1904.xlsx")
	rows := MustReadAll(t, MustOpen(t, data, xlsx.Options{HeaderRow: 1}))
	want := []table.Cell{
		{Text: "2024-03-05", IsDate: true, Time: time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)},
		{Text: "2024-03-06T18:00:00Z", IsDate: true, Time: time.Date(2024, 3, 6, 18, 0, 0, 0, time.UTC)},
	}
	if len(rows) != 2 || !slices.Equal(rows[0].Cells[1:], want) {
		t.Fatalf("got %+v, want row 2 dates %+v", rows, want)
	}
	if got, want := rows[1].Cells[1], (table.Cell{Text: "1904-01-01", IsDate: true, Time: time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)}); got != want {
		t.Errorf("serial 0: got %+v, want %+v", got, want)
	}
}

func TestSheetSelection(t *testing.T) {
	data := MustReadFile(t, "testdata/sheets.xlsx")
	tests := []struct{ sheet, want, firstCell string }{
		{"", "Summary", "INV-0042"}, // Lookup is hidden
		{"Lines", "Lines", "1"},
		{"LINES", "Lines", "1"},
		{"Lookup", "Lookup", "CN"}, // hidden sheets can be named
	}
	for _, tc := range tests {
		rd := MustOpen(t, data, xlsx.Options{Sheet: tc.sheet, HeaderRow: 1})
		rows := MustReadAll(t, rd)
		if rd.Sheet() != tc.want || len(rows) == 0 || rows[0].Cells[0].Text != tc.firstCell {
			t.Errorf("sheet %q: got %q first row %+v, want %q starting %q", tc.sheet, rd.Sheet(), rows, tc.want, tc.firstCell)
		}
	}
}

func TestNoHeader(t *testing.T) {
	rd := MustOpen(t, MustReadFile(t, "testdata/invoice.xlsx"), xlsx.Options{Sheet: "Invoice"})
	if rd.Header() != nil {
		t.Errorf("got header %q, want nil", rd.Header())
	}
	rows := MustReadAll(t, rd)
	if len(rows) != 7 || rows[0].Num != 1 || rows[2].Cells[0].Text != "Invoice No" {
		t.Errorf("got %d rows starting at %d, want 7 rows from the title (1) with the header as row 3", len(rows), rows[0].Num)
	}
}

// TestReaderSources reads the same workbook from a file, from a plain
// io.Reader (read into memory) and from an io.ReaderAt.
func TestReaderSources(t *testing.T) {
	path := "testdata/invoice.xlsx"
	data := MustReadFile(t, path)
	opt := xlsx.Options{Sheet: "Invoice", HeaderRow: 3}
	want := toGolden(MustOpen(t, data, opt), MustReadAll(t, MustOpen(t, data, opt)))

	fr, err := xlsx.OpenFile(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	fromFile := toGolden(fr, MustReadAll(t, fr))
	if err := fr.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := fr.Close(); err != nil {
		t.Errorf("second close: got %v, want nil", err)
	}
	if _, err := fr.Next(); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("next after close: got %v, want an error", err)
	}

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	osFile, err := xlsx.NewReader(f, opt)
	if err != nil {
		t.Fatal(err)
	}
	fromOSFile := toGolden(osFile, MustReadAll(t, osFile))
	osFile.Close()

	sr, err := xlsx.NewReader(iotest.OneByteReader(bytes.NewReader(data)), opt)
	if err != nil {
		t.Fatal(err)
	}
	fromStream := toGolden(sr, MustReadAll(t, sr))
	sr.Close()

	for name, got := range map[string]golden{"OpenFile": fromFile, "NewReader(*os.File)": fromOSFile, "NewReader(io.Reader)": fromStream} {
		if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
			t.Errorf("%s: got %s, want %s", name, g, w)
		}
	}
	if _, err := xlsx.OpenFile(filepath.Join(t.TempDir(), "missing.xlsx"), opt); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v, want ErrNotExist", err)
	}
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// TestMatchesExcelize checks every non-date cell of the excelize-built
// fixtures against excelize's own raw values.
func TestMatchesExcelize(t *testing.T) {
	for _, name := range []string{"invoice.xlsx", "date1904.xlsx", "sheets.xlsx"} {
		f, err := excelize.OpenFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, sheet := range f.GetSheetList() {
			want, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			rd := MustOpen(t, MustReadFile(t, filepath.Join("testdata", name)), xlsx.Options{Sheet: sheet})
			checked := 0
			for _, row := range MustReadAll(t, rd) {
				for i, c := range row.Cells {
					raw := ""
					if i < len(want[row.Num-1]) {
						raw = want[row.Num-1][i]
					}
					if c.IsDate {
						continue
					}
					if c.Numeric && raw == "0.30000000000000004" {
						raw = "0.3" // the one value rounded to 15 digits on purpose
					}
					if c.Text != raw {
						t.Errorf("%s %s row %d col %d: got %q, excelize %q", name, sheet, row.Num, i+1, c.Text, raw)
					}
					checked++
				}
			}
			if checked == 0 {
				t.Errorf("%s %s: no cell compared", name, sheet)
			}
		}
		f.Close()
	}
}

func TestErrors(t *testing.T) {
	invoice := MustReadFile(t, "testdata/invoice.xlsx")
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(i*7919 + i>>3)
	}
	odsOrder, odsParts := []string{"mimetype", "content.xml"}, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<office:document-content/>"}
	tests := []struct {
		name string
		data []byte
		opt  xlsx.Options
		is   error  // wrapped sentinel, if any
		want string // substring of the message
	}{
		{"CSV", []byte("Invoice No,Line,HTS\nINV-1,1,8471.30.0100\n"), xlsx.Options{HeaderRow: 1}, xlsx.ErrNotXLSX,
			"not an XLSX workbook: the file is not a ZIP archive (is it a CSV or an old .xls?)"},
		{"RandomBytes", random, xlsx.Options{HeaderRow: 1}, xlsx.ErrNotXLSX, "not a ZIP archive"},
		{"Empty", nil, xlsx.Options{HeaderRow: 1}, xlsx.ErrNotXLSX, "the file is empty"},
		{"OLE", ole, xlsx.Options{HeaderRow: 1}, xlsx.ErrNotXLSX, "old .xls, or a password-protected workbook"},
		{"ODS", MustZip(t, odsOrder, odsParts), xlsx.Options{HeaderRow: 1}, xlsx.ErrNotXLSX, "OpenDocument spreadsheet"},
		{"ZipWithoutWorkbook", MustZip(t, []string{"a.txt"}, map[string]string{"a.txt": "x"}), xlsx.Options{}, xlsx.ErrNotXLSX, "no workbook part (xl/workbook.xml)"},
		{"MissingSheet", invoice, xlsx.Options{Sheet: "Packing List", HeaderRow: 1}, xlsx.ErrSheetNotFound,
			`sheet not found: "Packing List" (the workbook has sheets "Invoice")`},
		{"HeaderBeyondEnd", invoice, xlsx.Options{Sheet: "Invoice", HeaderRow: 40}, nil,
			`row 40: header row is beyond the end of sheet "Invoice" (last row 9)`},
		{"HeaderRowBlank", invoice, xlsx.Options{Sheet: "Invoice", HeaderRow: 6}, nil, `row 6: header row of sheet "Invoice" is empty`},
		{"HeaderRowMissing", MustReadFile(t, "testdata/handmade.xlsx"), xlsx.Options{HeaderRow: 3}, nil, `row 3: header row of sheet "Data" is empty`},
		{"NegativeHeaderRow", invoice, xlsx.Options{HeaderRow: -1}, nil, "header row must be 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rd, err := xlsx.NewReader(bytes.NewReader(tc.data), tc.opt)
			if err == nil {
				rd.Close()
				t.Fatal("got no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("got %q, want one line containing %q", msg, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("got %v, want it to wrap %v", err, tc.is)
			}
		})
	}
}

// TestSheetDataErrors covers faults inside the sheet part, which surface
// from Next as *Error with the row (and column when known).
func TestSheetDataErrors(t *testing.T) {
	tests := []struct {
		name, rows string
		want       xlsx.Error
	}{
		{"BadSharedStringIndex", `<row r="2"><c r="C2" t="s"><v>99</v></c></row>`,
			xlsx.Error{Row: 2, Column: "C", Msg: `shared string index "99" out of range (the table has 6)`}},
		{"BadCellReference", `<row r="2"><c r="2B"><v>1</v></c></row>`, xlsx.Error{Row: 2, Msg: `bad cell reference "2B"`}},
		{"ColumnBeyondXFD", `<row r="2"><c r="XFE2"><v>1</v></c></row>`, xlsx.Error{Row: 2, Msg: `bad cell reference "XFE2"`}},
		{"RowsOutOfOrder", `<row r="5"><c><v>1</v></c></row><row r="3"><c><v>1</v></c></row>`,
			xlsx.Error{Row: 3, Msg: "rows out of order: row 3 comes after row 5"}},
		{"BadRowNumber", `<row r="x"/>`, xlsx.Error{Row: 2, Msg: `bad row number "x"`}},
		{"RowBeyondLimit", `<row r="1048577"/>`, xlsx.Error{Row: 1048577, Msg: "row number beyond Excel's last row (1048576)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sheet := `<worksheet xmlns="` + nsMain + `"><sheetData><row r="1"><c t="inlineStr"><is><t>H</t></is></c></row>` + tc.rows + `</sheetData></worksheet>`
			order, parts := handmadeParts(sheet)
			rd := MustOpen(t, MustZip(t, order, parts), xlsx.Options{HeaderRow: 1})
			var err error
			for err == nil {
				_, err = rd.Next()
			}
			var xe *xlsx.Error
			if !errors.As(err, &xe) || *xe != tc.want {
				t.Fatalf("got %#v, want %#v", err, &tc.want)
			}
			if _, again := rd.Next(); again != err {
				t.Errorf("next after error: got %v, want the same error", again)
			}
		})
	}
}

// TestDamagedSheet checks that a sheet part cut short or corrupted in the
// archive is an error, not a silently shorter sheet.
func TestDamagedSheet(t *testing.T) {
	var rows strings.Builder
	for i := 2; i < 2000; i++ {
		rows.WriteString(`<row r="` + strconv.Itoa(i) + `"><c t="inlineStr"><is><t>row ` + strconv.Itoa(i) + `</t></is></c></row>`)
	}
	order, parts := handmadeParts(`<worksheet xmlns="` + nsMain + `"><sheetData><row r="1"><c t="inlineStr"><is><t>H</t></is></c></row>` + rows.String() + `</sheetData></worksheet>`)
	good := MustZip(t, order, parts)
	// Flip a byte in the middle of the sheet's compressed data.
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	zf := zr.File[slices.IndexFunc(zr.File, func(f *zip.File) bool { return f.Name == "xl/worksheets/data.xml" })]
	offset, err := zf.DataOffset()
	if err != nil {
		t.Fatal(err)
	}
	bad := slices.Clone(good)
	bad[offset+int64(zf.CompressedSize64)/2] ^= 0xFF
	rd, err := xlsx.NewReader(bytes.NewReader(bad), xlsx.Options{HeaderRow: 1})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer rd.Close()
	for err == nil {
		_, err = rd.Next()
	}
	var xe *xlsx.Error
	if errors.Is(err, io.EOF) || !errors.As(err, &xe) || xe.Row == 0 {
		t.Errorf("got %v, want a positioned read error", err)
	}
}
