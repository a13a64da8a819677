package fixed_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/clearway/clearway/internal/fixed"
)

// generateBRKSTS builds a broker status file of entries entries (S1, S2,
// four L1, D1 each) with a correct T9 trailer; half the lines have lost
// their trailing spaces, as files often do in transit.
func generateBRKSTS(entries int) (data []byte, lines int) {
	var b bytes.Buffer
	put := func(format string, args ...any) {
		s := fmt.Sprintf(format, args...)
		if lines%2 == 1 {
			s = fmt.Sprintf("%-80s", s)
		}
		b.WriteString(s)
		b.WriteByte('\n')
		lines++
	}
	put("H0BRKSTS01ABC98-76543210020240315143000000000042P")
	var hash int64
	for e := range entries {
		entry := fmt.Sprintf("ABC%07d%d", e%10_000_000, e%10)
		put("S1%s012704REL20240314093001%-22sRELEASED BY CBP", entry, fmt.Sprintf("PO-%06d", e))
		put("S2%sMAEUMAEU240311883   HBL0001     CSQU305438320240310BKG778899", entry)
		for i := range 4 {
			v := int64(e%1000*100 + i)
			hash += v
			put("L1%s%03d8471300100CN%012dNO %012dPO-%06d", entry, i+1, 1250*(i+1), v, e)
		}
		put("D1%sCI R20240318COMMERCIAL INVOICE REQUIRED", entry)
	}
	put("T9000000042%07d%07d%07d%014d", lines+1, entries, 4*entries, hash)
	return b.Bytes(), lines
}

func BenchmarkReader(b *testing.B) {
	data, lines := generateBRKSTS(50_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rd, err := fixed.NewReader(bytes.NewReader(data), brksts())
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != lines {
			b.Fatalf("got %d lines, want %d", n, lines)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
