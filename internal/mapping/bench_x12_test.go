package mapping

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"
)

// big856 builds an 856 of one transaction set with items HL loops: an S, then
// orders of 10 items each, until the file is about size bytes.
func big856(size int) []byte {
	var b bytes.Buffer
	b.WriteString("ISA*00*          *00*          *ZZ*SUPPLIER       *ZZ*ACME           *260301*1200*U*00401*000000301*0*P*>~\n")
	b.WriteString("GS*SH*SUPPLIER*ACME*20260301*1200*301*X*004010~\nST*856*0001~\nBSN*00*BK-7781*20260301*1200~\n")
	segs := 2
	b.WriteString("HL*1**S~\nTD3*CN*MSCU*1234565~\nREF*BM*MAEU240312345~\n")
	segs += 3
	hl := 1
	for b.Len() < size {
		hl++
		order := hl
		fmt.Fprintf(&b, "HL*%d*1*O~\nPRF*PO-%06d~\n", order, order)
		segs += 2
		for i := 0; i < 10; i++ {
			hl++
			fmt.Fprintf(&b, "HL*%d*%d*I~\nLIN**VP*SKU-%06d*UP*0123456789012~\nSN1**%d*PCS~\nPID*F****WIDGET, BLUE~\n", hl, order, hl, i+1)
			segs += 4
		}
	}
	segs++
	fmt.Fprintf(&b, "SE*%d*0001~\nGE*1*301~\nIEA*1*000000301~\n", segs)
	return b.Bytes()
}

func BenchmarkX12856(b *testing.B) {
	m, err := Parse([]byte(map856), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	data := big856(10 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	records := 0
	for b.Loop() {
		res, err := m.Run(Input{Name: "asn.edi", R: bytes.NewReader(data)}, func(*Record) error { return nil })
		if err != nil || res.Rejected {
			b.Fatal(err, res.Err())
		}
		records = res.Records
	}
	b.ReportMetric(float64(records), "records/op")
}

// TestX12MemoryFlat maps a 5 MB and a 50 MB 856 (one transaction set) from
// a stream and checks the live heap's peak does not grow with the file.
func TestX12MemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("maps 55 MB")
	}
	m, err := Parse([]byte(map856), "mem.yaml")
	if err != nil {
		t.Fatal(err)
	}
	peak := func(data []byte) uint64 {
		var max uint64
		n := 0
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		res, err := m.Run(Input{Name: "asn.edi", R: onlyReader{bytes.NewReader(data)}}, func(*Record) error {
			if n++; n%20000 == 0 { // live heap: collect first
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > max {
					max = ms.HeapAlloc
				}
			}
			return nil
		})
		if err != nil || res.Rejected {
			t.Fatal(err, res.Err())
		}
		if max < base.HeapAlloc {
			return 0
		}
		return max - base.HeapAlloc
	}
	// The inputs are built first: only what mapping holds may count.
	smallData, largeData := big856(5<<20), big856(50<<20)
	small, large := peak(smallData), peak(largeData)
	t.Logf("heap growth while mapping: 5 MB file %d KiB, 50 MB file %d KiB", small>>10, large>>10)
	if large > 2*small+(1<<20) {
		t.Fatalf("memory grows with the file: %d KiB for 5 MB, %d KiB for 50 MB", small>>10, large>>10)
	}
}

// onlyReader hides bytes.Reader's other methods so nothing can read ahead.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }
