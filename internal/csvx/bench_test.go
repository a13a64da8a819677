package csvx_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"testing"

	"github.com/clearway/clearway/internal/csvx"
)

// generatePOs builds a purchase-order CSV of lines data rows under a header,
// ten columns each, one in four with a quoted description holding a comma.
func generatePOs(lines int) []byte {
	var b bytes.Buffer
	b.Grow(lines * 72)
	b.WriteString("PO Number,Line,SKU,Description,HTS,COO,Qty,UOM,Unit Price,Currency\n")
	countries := []string{"CN", "TW", "MX", "VN", "DE"}
	for i := range lines {
		desc := fmt.Sprintf("Widget %d", i%97)
		if i%4 == 0 {
			desc = `"Widget, blue"`
		}
		fmt.Fprintf(&b, "PO-%06d,%d,SKU-%d,%s,84713%05d,%s,%d.5,NO,%d.25,USD\n",
			i/8, i%8+1, i%1000, desc, i%100000, countries[i%len(countries)], i%50+1, i%20)
	}
	return b.Bytes()
}

func BenchmarkReader(b *testing.B) {
	for _, bc := range []struct {
		name     string
		encoding string
	}{{"UTF8", ""}, {"Windows1252", "windows-1252"}} {
		b.Run(bc.name, func(b *testing.B) {
			const lines = 1_000_000
			data := generatePOs(lines)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				rd, err := csvx.NewReader(bytes.NewReader(data), csvx.Options{HeaderRow: 1, Encoding: bc.encoding})
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for {
					row, err := rd.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if len(row.Cells) != 10 {
						b.Fatalf("row %d: got %d cells, want 10", row.Num, len(row.Cells))
					}
					n++
				}
				if n != lines {
					b.Fatalf("got %d rows, want %d", n, lines)
				}
			}
			b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

// BenchmarkStdlibBaseline is encoding/csv alone on the same file, the floor
// BenchmarkReader's overhead is measured against.
func BenchmarkStdlibBaseline(b *testing.B) {
	const lines = 1_000_000
	data := generatePOs(lines)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord = -1
		cr.ReuseRecord = true
		n := 0
		for {
			_, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != lines+1 {
			b.Fatalf("got %d records, want %d", n, lines+1)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
