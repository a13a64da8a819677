package xlsx_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clearway/clearway/internal/xlsx"
)

// checkReader reads everything rd gives and fails on anything a caller
// could not rely on: a multi-line or empty error, an error that changes on
// the next call, row numbers not increasing or not below the header,
// a blank row, a Line set, a date cell with no text or marked Numeric.
func checkReader(t *testing.T, rd *xlsx.Reader, headerRow int) {
	t.Helper()
	defer rd.Close()
	if (rd.Header() != nil) != (headerRow > 0) {
		t.Fatalf("header %q with header row %d", rd.Header(), headerRow)
	}
	last := headerRow
	for {
		row, err := rd.Next()
		if err != nil {
			checkError(t, err)
			if _, again := rd.Next(); again != err {
				t.Fatalf("next after %v: got %v", err, again)
			}
			return
		}
		if row.Num <= last || row.Num > 1<<20 || row.Line != 0 || row.Blank() || len(row.Cells) > 1<<14 {
			t.Fatalf("bad row after row %d: %+v", last, row)
		}
		last = row.Num
		for i, c := range row.Cells {
			if c.IsDate && (c.Text == "" || c.Numeric || c.Time.IsZero()) {
				t.Fatalf("row %d col %d: bad date cell %+v", row.Num, i+1, c)
			}
		}
		if n := len(row.Cells); n > 0 && row.Cells[n-1].Text == "" {
			t.Fatalf("row %d ends with an empty cell", row.Num)
		}
	}
}

// checkError fails unless err is io.EOF or a non-empty one-line message.
func checkError(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, io.EOF) {
		return
	}
	if msg := err.Error(); msg == "" || strings.Contains(msg, "\n") {
		t.Fatalf("got error %q, want one non-empty line", msg)
	}
}

func FuzzReader(f *testing.F) {
	paths, err := filepath.Glob("testdata/*.xlsx")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, p := range paths {
		f.Add(MustReadFile(f, p), uint8(1))
	}
	for _, s := range []string{"", "PK\x03\x04", "Invoice No,Line\n1,2\n", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"} {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, headerRow uint8) {
		rd, err := xlsx.NewReader(bytes.NewReader(data), xlsx.Options{HeaderRow: int(headerRow % 8)})
		if err != nil {
			checkError(t, err)
			return
		}
		checkReader(t, rd, int(headerRow%8))
	})
}

// FuzzSheetXML puts arbitrary XML in the sheet part of an otherwise valid
// workbook (the handmade fixture's styles and shared strings), which
// reaches the row parser far more often than mutated ZIP bytes do.
func FuzzSheetXML(f *testing.F) {
	for _, p := range []string{"testdata/handmade.xlsx", "testdata/invoice.xlsx", "testdata/date1904.xlsx"} {
		data := MustReadFile(f, p)
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			f.Fatal(err)
		}
		for _, zf := range zr.File {
			if strings.HasPrefix(zf.Name, "xl/worksheets/") {
				rc, err := zf.Open()
				if err != nil {
					f.Fatal(err)
				}
				b, _ := io.ReadAll(rc)
				rc.Close()
				f.Add(string(b), uint8(1))
			}
		}
	}
	for _, s := range []string{
		`<worksheet><sheetData><row><c><v>1</v></c></row></sheetData></worksheet>`,
		`<worksheet><sheetData><row r="2"><c r="B2" t="s"><v>1</v></c><c t="inlineStr"><is><r><t>a</t></r></is></c></row>`,
		`<worksheet><sheetData><row><c s="1"><v>45356.5</v></c><c s="2"><v>-1</v></c><c t="d"><v>x</v></c></row></sheetData>`,
		`<sheetData><row><c><v>1</c></row></sheetData>`,
	} {
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, sheet string, headerRow uint8) {
		order, parts := handmadeParts(sheet)
		data := mustZip(t, order, parts, zip.Store)
		rd, err := xlsx.NewReader(bytes.NewReader(data), xlsx.Options{HeaderRow: int(headerRow % 4)})
		if err != nil {
			checkError(t, err)
			return
		}
		checkReader(t, rd, int(headerRow%4))
	})
}
