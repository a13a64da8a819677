package csvx_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/clearway/clearway/internal/csvx"
	"github.com/clearway/clearway/internal/testutil"
)

// fixtureOptions are the mapping settings each fixture is read with; a
// fixture not listed is read with the defaults (comma, header on row 1).
var fixtureOptions = map[string]csvx.Options{
	"semicolon-windows1252.csv": {Delimiter: ';', HeaderRow: 1, Encoding: "windows-1252"},
	"tab-iso88591.csv":          {Delimiter: '\t', HeaderRow: 1, Encoding: "ISO-8859-1"},
	"title-block.csv":           {HeaderRow: 3},
	"no-header.csv":             {HeaderRow: 0},
	"pipe-header-row-2.csv":     {Delimiter: '|', HeaderRow: 2},
}

func optionsFor(name string) csvx.Options {
	if opt, ok := fixtureOptions[name]; ok {
		return opt
	}
	return csvx.Options{HeaderRow: 1}
}

// goldenFile is the JSON dump compared against testdata/<name>.golden.json.
type goldenFile struct {
	OpenError string      `json:"open_error,omitempty"`
	Header    []string    `json:"header"`
	Rows      []goldenRow `json:"rows"`
}

// goldenRow is one call to Next: a row or a positioned error.
type goldenRow struct {
	Num   int          `json:"num,omitempty"`
	Line  int          `json:"line,omitempty"`
	Cells []string     `json:"cells,omitempty"`
	Error *goldenError `json:"error,omitempty"`
}

type goldenError struct {
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Text   string `json:"text"`
}

func MustReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// dump reads everything from r the way the mapping engine would with
// on_error: skip_row, recording rows and errors in order.
func dump(tb testing.TB, src io.Reader, opt csvx.Options) goldenFile {
	tb.Helper()
	var g goldenFile
	rd, err := csvx.NewReader(src, opt)
	if err != nil {
		g.OpenError = err.Error()
		return g
	}
	g.Header = rd.Header()
	g.Rows = []goldenRow{}
	for i := 0; ; i++ {
		if i > 10000 {
			tb.Fatal("Next never returned io.EOF")
		}
		row, err := rd.Next()
		if err == io.EOF {
			return g
		}
		if err != nil {
			e, ok := errors.AsType[*csvx.Error](err)
			if !ok {
				tb.Fatalf("got %T %v, want *csvx.Error", err, err)
			}
			g.Rows = append(g.Rows, goldenRow{Error: &goldenError{e.Line, e.Column, e.Error()}})
			continue
		}
		gr := goldenRow{Num: row.Num, Line: row.Line, Cells: []string{}}
		for _, c := range row.Cells {
			if c.Numeric || c.IsDate || !c.Time.IsZero() {
				tb.Fatalf("row %d: cell %+v has more than Text", row.Num, c)
			}
			gr.Cells = append(gr.Cells, c.Text)
		}
		g.Rows = append(g.Rows, gr)
	}
}

func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.csv")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range paths {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			data := MustReadFile(t, path)
			opt := optionsFor(name)
			got := dump(t, bytes.NewReader(data), opt)
			// Reading must not depend on how the input arrives.
			if one := dump(t, iotest.OneByteReader(bytes.NewReader(data)), opt); !equalJSON(t, one, got) {
				t.Fatalf("one byte at a time: got %+v, want %+v", one, got)
			}
			out := testutil.GoldenJSON(t, got)
			golden := strings.TrimSuffix(path, ".csv") + ".golden.json"
			testutil.CheckGolden(t, golden, out)
		})
	}
}

func equalJSON(tb testing.TB, a, b any) bool {
	tb.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		tb.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		tb.Fatal(err)
	}
	return bytes.Equal(ja, jb)
}

// readAll returns the header and every row's texts, failing on any error.
func readAll(tb testing.TB, data []byte, opt csvx.Options) ([]string, [][]string, []int) {
	tb.Helper()
	rd, err := csvx.NewReader(bytes.NewReader(data), opt)
	if err != nil {
		tb.Fatalf("NewReader: %v", err)
	}
	var rows [][]string
	var nums []int
	for {
		row, err := rd.Next()
		if err == io.EOF {
			return rd.Header(), rows, nums
		}
		if err != nil {
			tb.Fatalf("Next: %v", err)
		}
		var texts []string
		for _, c := range row.Cells {
			texts = append(texts, c.Text)
		}
		rows = append(rows, texts)
		nums = append(nums, row.Num)
	}
}

func TestReader(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		header, rows, nums := readAll(t, MustReadFile(t, "testdata/comma.csv"), csvx.Options{HeaderRow: 1})
		if want := []string{"PO Number", "Line", "SKU", "Description", "HTS", "COO", "Qty", "UOM", "Unit Price", "Currency"}; !slices.Equal(header, want) {
			t.Fatalf("got header %q, want %q", header, want)
		}
		if got, want := rows[0][3], "Widget, blue"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
		if got, want := rows[1][3], `Gasket 3" round`; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
		if got, want := rows[3][0], "00123"; got != want {
			t.Fatalf("leading zeros: got %q, want %q", got, want)
		}
		if !slices.Equal(nums, []int{2, 3, 4, 5}) {
			t.Fatalf("got row numbers %v, want 2…5", nums)
		}
	})

	t.Run("Windows1252", func(t *testing.T) {
		header, rows, _ := readAll(t, MustReadFile(t, "testdata/semicolon-windows1252.csv"), csvx.Options{Delimiter: ';', HeaderRow: 1, Encoding: "windows-1252"})
		if got, want := header[3], "Währung"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
		if got, want := strings.Join(rows[0], "|"), "Müller GmbH|München|1.234,56|€|Preis inkl. 19% MwSt; netto"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
		if got, want := rows[1][1], "São Paulo"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})

	t.Run("BOM", func(t *testing.T) {
		header, _, _ := readAll(t, MustReadFile(t, "testdata/bom.csv"), csvx.Options{HeaderRow: 1})
		if header[0] != "PO Number" {
			t.Fatalf("got %q, want the BOM removed", header[0])
		}
	})

	t.Run("BOMWinsOverDeclaredEncoding", func(t *testing.T) {
		_, rows, _ := readAll(t, MustReadFile(t, "testdata/bom.csv"), csvx.Options{HeaderRow: 1, Encoding: "windows-1252"})
		if got, want := rows[0][1], "Crème brûlée torch"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})

	t.Run("LineEndsIrrelevant", func(t *testing.T) {
		lf := []byte("a,b\n1,\"x\ny\"\n2,z\n")
		crlf := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
		cr := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r"))
		_, want, _ := readAll(t, lf, csvx.Options{HeaderRow: 1})
		for name, data := range map[string][]byte{"CRLF": crlf, "CR": cr} {
			if _, got, _ := readAll(t, data, csvx.Options{HeaderRow: 1}); !equalJSON(t, got, want) {
				t.Fatalf("%s: got %q, want %q", name, got, want)
			}
		}
	})

	t.Run("RowNumbersCountEmptyLines", func(t *testing.T) {
		_, _, nums := readAll(t, []byte("\n\nh\n\"a\nb\"\n\nc\n"), csvx.Options{HeaderRow: 3})
		if !slices.Equal(nums, []int{4, 6}) {
			t.Fatalf("got %v, want [4 6] as Excel numbers them", nums)
		}
	})

	t.Run("RowReused", func(t *testing.T) {
		rd, err := csvx.NewReader(strings.NewReader("a,b\n1,2\n3,4\n"), csvx.Options{HeaderRow: 1})
		if err != nil {
			t.Fatal(err)
		}
		first, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		text := first.Cells[0].Text
		if _, err := rd.Next(); err != nil {
			t.Fatal(err)
		}
		if text != "1" {
			t.Fatalf("got %q, want Text strings to stay valid", text)
		}
	})
}

func TestReaderErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		data string
		opt  csvx.Options
		line int
		col  int
		want string
	}{
		{"BareQuote", "a,b\n1,x\"y\n", csvx.Options{HeaderRow: 1}, 2, 4, `line 2, column 4: bare " in an unquoted field`},
		{"ExtraneousQuote", "a,b\n1,\"x\"y\n", csvx.Options{HeaderRow: 1}, 2, 5, `line 2, column 5: extraneous or missing "`},
		{"UnclosedQuote", "a,b\n1,\"x\n2,y\n", csvx.Options{HeaderRow: 1}, 3, 5, "the record starts on line 2, so a quote there may never be closed"},
		{"InvalidUTF8", "a,b\n1,M\xfcller\n", csvx.Options{HeaderRow: 1}, 2, 3, "set encoding: windows-1252"},
		{"InvalidUTF8InTitle", "Exp\xf6rt\na,b\n", csvx.Options{HeaderRow: 2}, 1, 1, "line 1, column 1: field 1 is not valid UTF-8 (byte 0xF6"},
		{"HeaderBeyondEnd", "title\na,b\n", csvx.Options{HeaderRow: 3}, 2, 0, "line 2: the file ends on row 2, before row 3"},
		{"HeaderOnEmptyLine", "title\n\na,b\n", csvx.Options{HeaderRow: 2}, 2, 0, "line 2: row 2 is empty"},
		{"HeaderBlank", " , \n1,2\n", csvx.Options{HeaderRow: 1}, 1, 0, "line 1: row 1 is blank"},
		{"Empty", "", csvx.Options{HeaderRow: 1}, 0, 0, "the file is empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readUntilError(strings.NewReader(tt.data), tt.opt)
			e, ok := errors.AsType[*csvx.Error](err)
			if !ok {
				t.Fatalf("got %T %v, want *csvx.Error", err, err)
			}
			if e.Line != tt.line || e.Column != tt.col || !strings.Contains(e.Error(), tt.want) {
				t.Fatalf("got line %d column %d %q, want line %d column %d containing %q", e.Line, e.Column, e.Error(), tt.line, tt.col, tt.want)
			}
		})
	}

	t.Run("ContinuesAfterBareQuote", func(t *testing.T) {
		rd, err := csvx.NewReader(strings.NewReader("a,b\n1,x\"y\n2,z\n"), csvx.Options{HeaderRow: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rd.Next(); err == nil {
			t.Fatal("got no error, want the bare quote")
		}
		row, err := rd.Next()
		if err != nil || row.Num != 3 || row.Cells[1].Text != "z" {
			t.Fatalf("got %+v, %v, want row 3 read after the error", row, err)
		}
	})

	for _, enc := range []string{"utf-8", "windows-1252"} {
		for _, eol := range []string{"\n", "\r"} {
			t.Run("RecordTooLong/"+enc+"/"+strings.NewReplacer("\n", "LF", "\r", "CR").Replace(eol), func(t *testing.T) {
				// An endless quoted field: reading must stop, not fill memory.
				data := io.MultiReader(strings.NewReader("a,b"+eol+"1,2"+eol+"3,\"x"), endless('x'))
				rd, err := csvx.NewReader(data, csvx.Options{HeaderRow: 1, Encoding: enc})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := rd.Next(); err != nil {
					t.Fatal(err)
				}
				_, err = rd.Next()
				if e, ok := errors.AsType[*csvx.Error](err); !ok || e.Line != 3 || !strings.Contains(e.Msg, "never closed") {
					t.Fatalf("got %v, want a positioned record-too-long error", err)
				}
				if _, err := rd.Next(); err != io.EOF {
					t.Fatalf("got %v after a fault that ends reading, want io.EOF", err)
				}
			})
		}
	}
}

// endless is an input that never ends.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

// readUntilError reads the whole input and returns the first error other
// than io.EOF, from NewReader or Next.
func readUntilError(src io.Reader, opt csvx.Options) (int, error) {
	rd, err := csvx.NewReader(src, opt)
	if err != nil {
		return 0, err
	}
	for n := 0; ; n++ {
		if _, err := rd.Next(); err != nil {
			if err == io.EOF {
				return n, nil
			}
			return n, err
		}
	}
}

func TestNotText(t *testing.T) {
	for _, tt := range []struct {
		name string
		data string
		want string
	}{
		{"XLSX", string(MustReadFile(t, "testdata/xlsx-renamed.csv")), "not a text file: looks like a ZIP archive (an .xlsx workbook?)"},
		{"PDF", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not a text file: looks like a PDF document"},
		{"XLS", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00", "not a text file: looks like an old Excel .xls workbook"},
		{"NUL", "a,b\n1,2\x00\x00\x01", "not a text file: NUL byte on line 2, column 4"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := csvx.NewReader(strings.NewReader(tt.data), csvx.Options{HeaderRow: 1})
			if !errors.Is(err, csvx.ErrNotText) || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line starting %q wrapping ErrNotText", err, tt.want)
			}
		})
	}
	t.Run("UTF16", func(t *testing.T) {
		_, err := csvx.NewReader(strings.NewReader("\xFF\xFEa\x00,\x00b\x00"), csvx.Options{HeaderRow: 1})
		if err == nil || !strings.Contains(err.Error(), "UTF-16") {
			t.Fatalf("got %v, want a UTF-16 hint", err)
		}
	})
}

func TestOptions(t *testing.T) {
	for _, tt := range []struct {
		name string
		opt  csvx.Options
		want string
	}{
		{"BadEncoding", csvx.Options{HeaderRow: 1, Encoding: "utf-16"}, `unsupported csv encoding "utf-16": use "utf-8" (the default), "windows-1252" or "iso-8859-1"`},
		{"QuoteDelimiter", csvx.Options{HeaderRow: 1, Delimiter: '"'}, "csv delimiter"},
		{"NegativeHeaderRow", csvx.Options{HeaderRow: -1}, "csv header row -1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := csvx.NewReader(strings.NewReader("a,b\n"), tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	t.Run("EncodingNamesIgnoreCase", func(t *testing.T) {
		for _, name := range []string{"", "utf-8", "UTF-8", "Windows-1252", "iso-8859-1"} {
			if _, err := csvx.NewReader(strings.NewReader("a\n"), csvx.Options{HeaderRow: 1, Encoding: name}); err != nil {
				t.Fatalf("%q: got %v, want accepted", name, err)
			}
		}
	})
}
