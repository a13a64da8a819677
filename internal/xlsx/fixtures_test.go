package xlsx_test

import (
	"archive/zip"
	"bytes"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// update rewrites the fixtures in testdata/ from the builders below and the
// golden files from what the Reader reads out of them.

// fixtures builds each committed workbook under testdata/. The builders are
// deterministic (excelize stamps every part with the same time), so
// TestFixturesUpToDate can tell a stale fixture.
var fixtures = map[string]func(testing.TB) []byte{
	"invoice.xlsx":  buildInvoice,
	"date1904.xlsx": buildDate1904,
	"sheets.xlsx":   buildSheets,
	"handmade.xlsx": buildHandmade,
}

// excelSerial returns t as a 1900-system date serial (valid from March 1900).
func excelSerial(t time.Time) float64 {
	d := t.Sub(time.Date(1899, time.December, 30, 0, 0, 0, 0, time.UTC))
	return d.Hours() / 24
}

func ptr[T any](v T) *T { return &v }

// MustStyle registers a cell style with the given built-in number format id,
// or custom format code when code is not "".
func MustStyle(tb testing.TB, f *excelize.File, id int, code string) int {
	tb.Helper()
	st := &excelize.Style{NumFmt: id}
	if code != "" {
		st = &excelize.Style{CustomNumFmt: ptr(code)}
	}
	s, err := f.NewStyle(st)
	if err != nil {
		tb.Fatalf("new style: %v", err)
	}
	return s
}

// MustSet sets the cells of a row from col A on; a nil value leaves the
// cell unset, a float64 is written as a number with its shortest form.
func MustSet(tb testing.TB, f *excelize.File, sheet string, row int, values ...any) {
	tb.Helper()
	for i, v := range values {
		if v == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(i+1, row)
		var err error
		switch v := v.(type) {
		case float64:
			err = f.SetCellFloat(sheet, cell, v, -1, 64)
		default:
			err = f.SetCellValue(sheet, cell, v)
		}
		if err != nil {
			tb.Fatalf("set %s: %v", cell, err)
		}
	}
}

// MustStyleCells applies style to cells.
func MustStyleCells(tb testing.TB, f *excelize.File, sheet string, style int, cells ...string) {
	tb.Helper()
	for _, c := range cells {
		if err := f.SetCellStyle(sheet, c, c, style); err != nil {
			tb.Fatalf("style %s: %v", c, err)
		}
	}
}

// MustBytes saves the workbook.
func MustBytes(tb testing.TB, f *excelize.File) []byte {
	tb.Helper()
	buf, err := f.WriteToBuffer()
	if err != nil {
		tb.Fatalf("write workbook: %v", err)
	}
	if err := f.Close(); err != nil {
		tb.Fatalf("close workbook: %v", err)
	}
	return buf.Bytes()
}

// buildInvoice is a supplier's commercial invoice as Excel would save it:
// a two-row title block, the header on row 3 (with stray spaces), data
// rows with shared strings, numbers in several formats, a built-in and a
// custom date format, a date-time, an HS code that lost its leading zero
// (0101.21 typed as a number), another stored as a 10-digit number, an
// empty middle cell, a blank row that only carries a border style, a row of
// spaces, and a totals row whose SUM formulas hold cached values.
func buildInvoice(tb testing.TB) []byte {
	f := excelize.NewFile()
	const sh = "Invoice"
	if err := f.SetSheetName("Sheet1", sh); err != nil {
		tb.Fatal(err)
	}
	date := MustStyle(tb, f, 14, "")                 // m/d/yyyy
	dmy := MustStyle(tb, f, 0, "dd/mm/yyyy")         // custom date
	stamp := MustStyle(tb, f, 0, "yyyy-mm-dd hh:mm") // custom date-time
	qty := MustStyle(tb, f, 2, "")                   // 0.00
	amount := MustStyle(tb, f, 4, "")                // #,##0.00
	whole := MustStyle(tb, f, 1, "")                 // 0
	border, err := f.NewStyle(&excelize.Style{Border: []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}})
	if err != nil {
		tb.Fatal(err)
	}

	MustSet(tb, f, sh, 1, "ACME Trading Co. — Commercial Invoice")
	if err := f.MergeCell(sh, "A1", "J1"); err != nil {
		tb.Fatal(err)
	}
	MustSet(tb, f, sh, 2, "Invoice No: INV-0042", nil, nil, "Printed:", excelSerial(time.Date(2024, 3, 6, 0, 0, 0, 0, time.UTC)))
	MustStyleCells(tb, f, sh, date, "E2")
	MustSet(tb, f, sh, 3, "Invoice No", "Line", "Date", "PO #", " HTS ", "COO", "Qty", "UOM", "Amount", "Ship Date ")

	MustSet(tb, f, sh, 4, "INV-0042", 1, excelSerial(time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)), "PO-7781", 10121, "CN", 12.5, "PCS", 1234.56,
		excelSerial(time.Date(2024, 3, 7, 0, 0, 0, 0, time.UTC)))
	MustStyleCells(tb, f, sh, date, "C4")
	MustStyleCells(tb, f, sh, whole, "E4")
	MustStyleCells(tb, f, sh, qty, "G4")
	MustStyleCells(tb, f, sh, amount, "I4")
	MustStyleCells(tb, f, sh, dmy, "J4")

	// D5 (PO #) is empty: a middle cell the row does not have.
	MustSet(tb, f, sh, 5, "INV-0042", 2, excelSerial(time.Date(2024, 3, 5, 14, 30, 0, 0, time.UTC)), nil, "8471.30.0100", "P.R.C.", 3, "EA", 8910.25)
	MustStyleCells(tb, f, sh, stamp, "C5")
	MustStyleCells(tb, f, sh, qty, "G5")
	MustStyleCells(tb, f, sh, amount, "I5")

	MustStyleCells(tb, f, sh, border, "A6", "J6") // blank row, styled empty cells
	MustSet(tb, f, sh, 7, "   ")                  // only spaces: blank too

	MustSet(tb, f, sh, 8, "INV-0042", 3, excelSerial(time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)), "PO-7782", 8471300100, "CHINA", 1, "PCS", 0.1+0.2)
	MustStyleCells(tb, f, sh, date, "C8")
	MustStyleCells(tb, f, sh, whole, "E8")
	MustStyleCells(tb, f, sh, qty, "G8")
	MustStyleCells(tb, f, sh, amount, "I8")

	MustSet(tb, f, sh, 9, "Total")
	for cell, formula := range map[string]string{"G9": "SUM(G4:G8)", "I9": "SUM(I4:I8)"} {
		if err := f.SetCellFormula(sh, cell, formula); err != nil {
			tb.Fatal(err)
		}
	}
	MustStyleCells(tb, f, sh, qty, "G9")
	MustStyleCells(tb, f, sh, amount, "I9")
	data := MustBytes(tb, f)
	// excelize writes formulas without results; Excel stores the result of
	// its last calculation next to each formula.
	data = withCachedValue(tb, data, "xl/worksheets/sheet1.xml", "G9", "16.5")
	return withCachedValue(tb, data, "xl/worksheets/sheet1.xml", "I9", "10145.11")
}

// buildDate1904 is a workbook in the 1904 date system (Excel for Mac before
// 2011): the same serial means a date 1,462 days later than in 1900.
func buildDate1904(tb testing.TB) []byte {
	f := excelize.NewFile()
	if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: ptr(true)}); err != nil {
		tb.Fatal(err)
	}
	date := MustStyle(tb, f, 14, "")
	stamp := MustStyle(tb, f, 22, "") // m/d/yyyy h:mm
	const sh = "Sheet1"
	MustSet(tb, f, sh, 1, "Invoice No", "Date", "Shipped")
	// 43894 is 2024-03-05 in 1904 (45356 in 1900); .75 is 18:00.
	MustSet(tb, f, sh, 2, "INV-1904", 43894.0, 43895.75)
	MustStyleCells(tb, f, sh, date, "B2")
	MustStyleCells(tb, f, sh, stamp, "C2")
	MustSet(tb, f, sh, 3, "INV-EPOCH", 0.0)
	MustStyleCells(tb, f, sh, date, "B3")
	return MustBytes(tb, f)
}

// buildSheets has a hidden lookup sheet first, then "Summary" and "Lines",
// so the default sheet is the first visible one.
func buildSheets(tb testing.TB) []byte {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", "Lookup"); err != nil {
		tb.Fatal(err)
	}
	for _, name := range []string{"Summary", "Lines"} {
		if _, err := f.NewSheet(name); err != nil {
			tb.Fatal(err)
		}
	}
	// Excel will not hide the selected sheet: select Summary first.
	idx, err := f.GetSheetIndex("Summary")
	if err != nil {
		tb.Fatal(err)
	}
	f.SetActiveSheet(idx)
	if err := f.SetSheetVisible("Lookup", false); err != nil {
		tb.Fatal(err)
	}
	MustSet(tb, f, "Lookup", 1, "Code", "Country")
	MustSet(tb, f, "Lookup", 2, "CN", "China")
	MustSet(tb, f, "Summary", 1, "Invoice No", "Total")
	MustSet(tb, f, "Summary", 2, "INV-0042", 10144.81)
	MustSet(tb, f, "Lines", 1, "Line", "Part", "HTS", "Qty")
	MustSet(tb, f, "Lines", 2, 1, "WIDGET-A", "0101.21.0010", 4)
	MustSet(tb, f, "Lines", 3, 2, "WIDGET-B", 8471300100, 6)
	return MustBytes(tb, f)
}

// cachedFormula matches a formula cell as excelize writes it (t="str", no
// value), capturing the tag's attributes and the formula.
const cachedFormula = `(<c r="%s"[^>]*?)(?: t="str")?><f>([^<]*)</f></c>`

// withCachedValue stores value as the cached numeric result of the formula
// in cell of the named part, as Excel does on save.
func withCachedValue(tb testing.TB, xlsx []byte, part, cell, value string) []byte {
	tb.Helper()
	re := regexp.MustCompile(strings.Replace(cachedFormula, "%s", cell, 1))
	return rewritePart(tb, xlsx, part, func(xml string) string {
		if !re.MatchString(xml) {
			tb.Fatalf("%s: no formula in %s", part, cell)
		}
		return re.ReplaceAllString(xml, `$1><f>$2</f><v>`+value+`</v></c>`)
	})
}

// rewritePart returns a copy of the archive with one part's text edited.
func rewritePart(tb testing.TB, xlsx []byte, part string, edit func(string) string) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		tb.Fatal(err)
	}
	parts := map[string]string{}
	var order []string
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			tb.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		if err != nil {
			tb.Fatal(err)
		}
		rc.Close()
		parts[zf.Name] = string(b)
		order = append(order, zf.Name)
	}
	if _, ok := parts[part]; !ok {
		tb.Fatalf("no part %s", part)
	}
	parts[part] = edit(parts[part])
	return MustZip(tb, order, parts)
}

// MustZip writes the parts, in order, into a ZIP archive, compressed as
// every producer does.
func MustZip(tb testing.TB, order []string, parts map[string]string) []byte {
	tb.Helper()
	return mustZip(tb, order, parts, zip.Deflate)
}

// mustZip writes the parts, in order, with the given compression method
// (zip.Store makes the fuzz targets' archives cheap to build).
func mustZip(tb testing.TB, order []string, parts map[string]string, method uint16) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range order {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := io.WriteString(w, parts[name]); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

const (
	nsMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
)

// handmadeParts are the parts of a minimal workbook written by hand in the
// ways other producers than excelize write them: element prefixes, an
// absolute relationship target to a sheet part not named sheetN.xml, rows
// and cells without r attributes, rich text and phonetic runs, _xHHHH_
// escapes, inline strings, ISO date cells, booleans, errors, numbers with
// exponents and floating-point noise, and formulas without a result.
func handmadeParts(sheetXML string) ([]string, map[string]string) {
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8"?>
<x:workbook xmlns:x="` + nsMain + `" xmlns:r="` + nsRel + `"><x:workbookPr date1904="false"/><x:sheets><x:sheet name="Data" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/data.xml"/>
  <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
  <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
  <Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://example.com/" TargetMode="External"/>
</Relationships>`,
		"xl/styles.xml": `<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="` + nsMain + `">
  <numFmts count="4">
    <numFmt numFmtId="164" formatCode="[h]:mm:ss"/>
    <numFmt numFmtId="165" formatCode="0.00&quot; kg&quot;"/>
    <numFmt numFmtId="166" formatCode="[$-409]d\-mmm\-yy;@"/>
    <numFmt numFmtId="167" formatCode="#,##0.00_);[Red]\(#,##0.00\)"/>
  </numFmts>
  <cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
  <cellXfs count="7">
    <xf numFmtId="0"/><xf numFmtId="22"/><xf numFmtId="164"/><xf numFmtId="165"/>
    <xf numFmtId="166"><alignment horizontal="left"/></xf><xf numFmtId="167"/><xf numFmtId="49"/>
  </cellXfs>
</styleSheet>`,
		"xl/sharedStrings.xml": `<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="` + nsMain + `" count="6" uniqueCount="6">
  <si><t>Part</t></si>
  <si><r><t xml:space="preserve">Widget </t></r><r><rPr><b/></rPr><t>Pro</t></r><rPh sb="0" eb="1"><t>ウィジェット</t></rPh><phoneticPr fontId="1"/></si>
  <si><t>Line1_x000D_
Line2</t></si>
  <si><t>_x005F_x0041_ stays literal</t></si>
  <si><t xml:space="preserve">  Qty </t></si>
  <si><t>Wt &amp; Vol</t></si>
</sst>`,
		"xl/worksheets/data.xml": sheetXML,
	}
	return slices.Sorted(maps.Keys(parts)), parts
}

// handmadeSheet is the sheet of handmade.xlsx; see handmadeParts.
const handmadeSheet = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:worksheet xmlns:x="` + nsMain + `" xmlns:r="` + nsRel + `">
<x:dimension ref="A1:J6"/>
<x:cols><x:col min="1" max="1" width="12"/></x:cols>
<x:sheetData>
<x:row>
  <x:c t="s"><x:v>0</x:v></x:c><x:c t="inlineStr"><x:is><x:t>Desc</x:t></x:is></x:c><x:c t="s"><x:v>4</x:v></x:c><x:c t="s"><x:v>5</x:v></x:c>
  <x:c t="inlineStr"><x:is><x:t>When</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>Elapsed</x:t></x:is></x:c>
  <x:c t="inlineStr"><x:is><x:t>Flag</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>Err</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>Note</x:t></x:is></x:c>
  <x:c t="inlineStr"><x:is><x:t>Code</x:t></x:is></x:c>
</x:row>
<x:row>
  <x:c t="s"><x:v>1</x:v></x:c>
  <x:c t="inlineStr"><x:is><x:r><x:t xml:space="preserve">Blue </x:t></x:r><x:r><x:rPr><x:i/></x:rPr><x:t>gadget</x:t></x:r><x:rPh><x:t>ガジェット</x:t></x:rPh></x:is></x:c>
  <x:c><x:v>8.4713001E9</x:v></x:c>
  <x:c s="5"><x:v>1234.5600000000002</x:v></x:c>
  <x:c t="d"><x:v>2024-03-05T14:30:00</x:v></x:c>
  <x:c s="2"><x:v>1.5</x:v></x:c>
  <x:c t="b"><x:v>1</x:v></x:c>
  <x:c t="e"><x:f>NA()</x:f><x:v>#N/A</x:v></x:c>
  <x:c t="s"><x:v>2</x:v></x:c>
  <x:c s="6"><x:v>10121</x:v></x:c>
</x:row>
<x:row r="4" spans="1:10">
  <x:c r="C4" s="3"><x:v>2.5</x:v></x:c>
  <x:c r="A4" t="str"><x:f>"W-"&amp;C4</x:f><x:v>W-2.5</x:v></x:c>
  <x:c r="B4"><x:f>C4*2</x:f></x:c>
  <x:c r="E4" s="4"><x:v>45356</x:v></x:c>
  <x:c r="F4" s="1"><x:v>0.5</x:v></x:c>
  <x:c r="G4" t="b"><x:v>0</x:v></x:c>
  <x:c r="I4" s="1"><x:v>60</x:v></x:c>
  <x:c r="J4" t="d"><x:v>2024-03-05</x:v></x:c>
</x:row>
<x:row r="5"><x:c r="A5" t="inlineStr"><x:is><x:t xml:space="preserve">  	 </x:t></x:is></x:c><x:c r="B5" s="1"/></x:row>
<x:row r="6" spans="1:3" hidden="1"><x:c r="A6" t="s"><x:v>3</x:v></x:c><x:c r="C6"><x:v>-0.5</x:v></x:c></x:row>
</x:sheetData>
<x:mergeCells count="1"><x:mergeCell ref="A6:B6"/></x:mergeCells>
</x:worksheet>`

// buildHandmade writes handmade.xlsx; see handmadeParts.
func buildHandmade(tb testing.TB) []byte {
	order, parts := handmadeParts(handmadeSheet)
	return MustZip(tb, order, parts)
}
