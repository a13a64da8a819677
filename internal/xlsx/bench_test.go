package xlsx_test

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/xlsx"
	"github.com/xuri/excelize/v2"
)

// MustLargeWorkbook writes an invoice-lines sheet of n data rows × 10
// columns (text, integer, date, text, HS code number, country, quantity,
// unit, amount, description) under a header row, with excelize's
// StreamWriter, which writes text as inline strings.
func MustLargeWorkbook(tb testing.TB, path string, n int) {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	date := MustStyle(tb, f, 14, "")
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	header := []any{"Invoice No", "Line", "Date", "PO #", "HTS", "COO", "Qty", "UOM", "Amount", "Description"}
	if err := sw.SetRow("A1", header); err != nil {
		tb.Fatal(err)
	}
	day := excelSerial(time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC))
	row := make([]any, 10)
	for i := range n {
		row[0] = fmt.Sprintf("INV-%06d", i/50)
		row[1] = i%50 + 1
		row[2] = excelize.Cell{StyleID: date, Value: day + float64(i%365)}
		row[3] = "PO-" + strconv.Itoa(7000+i%900)
		row[4] = 8471300100 + i%1000
		row[5] = []string{"CN", "VN", "MX", "DE"}[i%4]
		row[6] = float64(i%97) + 0.5
		row[7] = "PCS"
		row[8] = float64(i%10007) * 1.25
		row[9] = "Widget model " + strconv.Itoa(i%1000) + ", blue"
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		tb.Fatal(err)
	}
}

// MustSharedStringsWorkbook writes the same shape of sheet as Excel would,
// text in a shared string table (1,010 distinct strings whatever n is),
// streaming the XML straight into the archive.
func MustSharedStringsWorkbook(tb testing.TB, path string, n int) {
	tb.Helper()
	out, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	order, parts := handmadeParts("")
	var strs []string
	for i := range 1000 {
		strs = append(strs, "Widget model "+strconv.Itoa(i)+", blue")
	}
	strs = append(strs, "Invoice No", "Line", "Date", "PCS", "HTS", "CN", "VN", "MX", "DE", "Description")
	sst := `<sst xmlns="` + nsMain + `">`
	for _, s := range strs {
		sst += "<si><t>" + s + "</t></si>"
	}
	parts["xl/sharedStrings.xml"] = sst + "</sst>"
	for _, name := range order {
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		if name != "xl/worksheets/data.xml" {
			io.WriteString(w, parts[name])
			continue
		}
		bw := bufio.NewWriter(w)
		fmt.Fprintf(bw, `<worksheet xmlns="%s"><sheetData><row r="1"><c r="A1" t="s"><v>1000</v></c><c r="B1" t="s"><v>1001</v></c><c r="C1" t="s"><v>1002</v></c><c r="D1" t="s"><v>1009</v></c></row>`, nsMain)
		for i := range n {
			r := i + 2
			fmt.Fprintf(bw, `<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" s="1"><v>%d</v></c><c r="C%d" t="s"><v>%d</v></c><c r="D%d" t="s"><v>%d</v></c><c r="E%d"><v>%d</v></c></row>`,
				r, r, i%50+1, r, 45356+i%365, r, 1005+i%4, r, i%1000, r, 8471300100+i%1000)
		}
		bw.WriteString(`</sheetData></worksheet>`)
		if err := bw.Flush(); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
}

// readAllFile reads every row of the workbook at path, calling each after
// every row read.
func readAllFile(tb testing.TB, path string, each func(rows int)) int {
	tb.Helper()
	rd, err := xlsx.OpenFile(path, xlsx.Options{HeaderRow: 1})
	if err != nil {
		tb.Fatal(err)
	}
	defer rd.Close()
	rows := 0
	for {
		_, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			tb.Fatal(err)
		}
		rows++
		if each != nil {
			each(rows)
		}
	}
}

const benchRows = 100_000

func BenchmarkReader(b *testing.B) {
	path := filepath.Join(b.TempDir(), "large.xlsx")
	MustLargeWorkbook(b, path, benchRows)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for b.Loop() {
		rows = readAllFile(b, path, nil)
	}
	if rows != benchRows {
		b.Fatalf("read %d rows, want %d", rows, benchRows)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkExcelizeRows is the baseline: excelize's own streaming reader
// over the same workbook, which yields strings without cell types.
func BenchmarkExcelizeRows(b *testing.B) {
	path := filepath.Join(b.TempDir(), "large.xlsx")
	MustLargeWorkbook(b, path, benchRows)
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for b.Loop() {
		f, err := excelize.OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		it, err := f.Rows("Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		rows = 0
		for it.Next() {
			if _, err := it.Columns(excelize.Options{RawCellValue: true}); err != nil {
				b.Fatal(err)
			}
			rows++
		}
		it.Close()
		f.Close()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// peakLiveHeap reads the workbook at path and returns the largest live heap
// (HeapAlloc right after a forced collection) sampled every 10,000 rows,
// less the live heap before opening.
func peakLiveHeap(tb testing.TB, path string) (peak uint64, rows int) {
	tb.Helper()
	var ms runtime.MemStats
	runtime.GC() // twice: objects with finalizers (the generator's files) go in the second
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	rows = readAllFile(tb, path, func(n int) {
		if n%10_000 != 0 {
			return
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > base {
			peak = max(peak, ms.HeapAlloc-base)
		}
	})
	return peak, rows
}

// raceEnabled is set by race_test.go when built with -race.
var raceEnabled bool

// TestMemoryBounded reads 100,000- and 200,000-row sheets (20,000 and
// 40,000 under the race detector) and checks that the live heap does not
// grow with the row count, for inline strings (excelize's StreamWriter) and
// for a shared string table (Excel).
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads 600,000 rows")
	}
	sizes := []int{100_000, 200_000}
	if raceEnabled {
		sizes = []int{20_000, 40_000}
	}
	for _, tc := range []struct {
		name  string
		build func(testing.TB, string, int)
	}{
		{"InlineStrings", MustLargeWorkbook},
		{"SharedStrings", MustSharedStringsWorkbook},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var peaks [2]uint64
			for i, n := range sizes {
				path := filepath.Join(t.TempDir(), "large.xlsx")
				tc.build(t, path, n)
				peak, rows := peakLiveHeap(t, path)
				if rows != n {
					t.Fatalf("read %d rows, want %d", rows, n)
				}
				fi, _ := os.Stat(path)
				t.Logf("%d rows (%.1f MiB file): peak live heap %.0f KiB", n, float64(fi.Size())/(1<<20), float64(peak)/(1<<10))
				peaks[i] = peak
			}
			// Twice the rows must not cost more than a few hundred KiB more
			// (the decoder's and inflater's buffers, GC noise); a reader
			// that kept rows would double.
			if peaks[1] > peaks[0]+512<<10 {
				t.Errorf("peak live heap grew from %d to %d bytes with twice the rows", peaks[0], peaks[1])
			}
		})
	}
}
