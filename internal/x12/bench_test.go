package x12_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/clearway/clearway/internal/x12"
)

// generate856 builds an 856-like interchange of at least size bytes: many
// ship notices, each with order, pack and item HL levels (HL/LIN/SN1/PID).
func generate856(size int) []byte {
	var b bytes.Buffer
	b.WriteString(isaLine('*', 'U', "00401", "000000001", '>', '~') + "\n")
	b.WriteString("GS*SH*SENDER*RECEIVER*20240101*1200*1*X*004010VICS~\n")
	sets := 0
	for b.Len() < size {
		sets++
		n := 0
		seg := func(format string, args ...any) {
			fmt.Fprintf(&b, format, args...)
			b.WriteString("~\n")
			n++
		}
		seg("ST*856*%04d", sets)
		seg("BSN*00*ASN%08d*20240101*1200*0001", sets)
		seg("HL*1**S")
		seg("TD1*CTN25*40****G*812.5*LB")
		seg("TD5*B*2*ODFL*M*OLD DOMINION FREIGHT LINE")
		seg("REF*BM*BOL%08d", sets)
		seg("DTM*011*20240101")
		seg("N1*ST*RIVERSIDE DISTRIBUTION CENTER*92*0042")
		seg("N3*1200 INDUSTRIAL PARKWAY")
		seg("N4*RIVERSIDE*CA*92507*US")
		seg("N1*SF*HARBOR WAREHOUSE*92*WH7")
		seg("HL*2*1*O")
		seg("PRF*PO%06d***20231215", sets)
		hl := 2
		for pack := 0; pack < 10; pack++ {
			hl++
			parent := hl
			seg("HL*%d*2*P", hl)
			seg("MAN*GM*0001234567%010d", sets*100+pack)
			for item := 0; item < 4; item++ {
				hl++
				seg("HL*%d*%d*I", hl, parent)
				seg("LIN**UP*0123456789%02d*VN*WIDGET-%d-%d*BP*PART:%d", item, pack, item, item)
				seg("SN1**%d*EA**%d*EA", 12+item, 48)
				seg("PID*F****WIDGET COLOUR %d SIZE M", item)
			}
		}
		seg("CTT*%d", hl)
		seg("SE*%d*%04d", n+1, sets)
	}
	fmt.Fprintf(&b, "GE*%d*1~\nIEA*1*000000001~\n", sets)
	return b.Bytes()
}

const benchSize = 10 << 20

func BenchmarkReader(b *testing.B) {
	data := generate856(benchSize)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	segments := 0
	for b.Loop() {
		rd := x12.NewReader(bytes.NewReader(data))
		segments = 0
		for {
			_, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			segments++
		}
	}
	b.ReportMetric(float64(segments), "segments/op")
}

func BenchmarkValidate(b *testing.B) {
	data := generate856(benchSize)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	visited := 0
	for b.Loop() {
		visited = 0
		ics, err := x12.Validate(bytes.NewReader(data), func(_ *x12.Interchange, _ *x12.Group, _ *x12.TransactionSet, seg *x12.Segment) error {
			visited += len(seg.Elements)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if n := len(ics[0].Errors) + len(ics[0].Groups[0].Errors); n != 0 {
			b.Fatalf("generated file has %d envelope errors", n)
		}
	}
	b.ReportMetric(float64(visited), "elements/op")
}

// TestGenerated856 keeps the benchmark input honest: a valid envelope with
// the expected shape.
func TestGenerated856(t *testing.T) {
	data := generate856(1 << 20)
	ics := MustValidate(t, data)
	if got := codes(ics); len(got) != 0 {
		t.Fatalf("got %v, want no errors", got)
	}
	if sets := len(ics[0].Groups[0].Sets); sets < 50 {
		t.Fatalf("got %d sets, want at least 50", sets)
	}
	allocs := testing.AllocsPerRun(3, func() {
		rd := x12.NewReader(bytes.NewReader(data))
		for {
			if _, err := rd.Next(); err != nil {
				return
			}
		}
	})
	// A Reader allocates its buffer and a few maps up front, never per segment.
	if allocs > 50 {
		t.Errorf("got %.0f allocations reading %d bytes, want a constant few", allocs, len(data))
	}
}
