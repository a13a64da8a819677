package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/mapping"
	"github.com/clearway/clearway/internal/sqlite"
	"github.com/clearway/clearway/internal/testutil/pgtest"
)

// poCSV is an ERP export in the shipped erp-po-csv layout: 20 lines a PO.
func poCSV(lines int) []byte {
	var b bytes.Buffer
	b.WriteString("PO Number,PO Line,Vendor,Vendor Name,Material,Short Text,HTS Code,Country of Origin,PO Quantity,Order Unit,Net Price,Currency,Incoterms,Incoterms Location,Ship Mode,Delivery Date\n")
	for i := 0; i < lines; i++ {
		fmt.Fprintf(&b, "%d,%05d,V-20417,\"Ningbo Haitai Precision Co., Ltd.\",SKU-%d,\"Part %d, steel\",8482.10.5048,CN,\"1,%03d\",PC,0.6200,USD,FOB,Ningbo,SEA,04/03/2026\n",
			4500000000+i/20, (i%20+1)*10, i%997, i%997, i%1000)
	}
	return b.Bytes()
}

// BenchmarkIngestPO maps and applies a PO export to a real SQLite file, end
// to end from the journal (the archive read included).
func BenchmarkIngestPO(b *testing.B) {
	benchIngestPO(b, func(dir string) *sqlite.DB { return sqlite.NewDB(filepath.Join(dir, "clearway.db")) })
}

// BenchmarkIngestPOPostgres is BenchmarkIngestPO on a throwaway PostgreSQL.
func BenchmarkIngestPOPostgres(b *testing.B) {
	benchIngestPO(b, func(string) *sqlite.DB { return sqlite.NewPostgres(pgtest.New(b)) })
}

func benchIngestPO(b *testing.B, store func(dir string) *sqlite.DB) {
	const lines = 100_000
	m, err := mapping.Load("../../mappings/erp-po-csv.yaml")
	if err != nil {
		b.Fatal(err)
	}
	data := poCSV(lines)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		db := store(dir)
		if err := db.Open(); err != nil {
			b.Fatal(err)
		}
		arc := archive.New(filepath.Join(dir, "archive"))
		arc.Open()
		src := filepath.Join(dir, "po.csv")
		os.WriteFile(src, data, 0o644)
		sum, size, _ := arc.PutFile(src)
		f := &clearway.File{Partner: "erp", Channel: clearway.ChannelCLI, Name: "inbox/po/po.csv", Size: size, SHA256: sum}
		db.CreateFile(context.Background(), f)
		p := &Pipeline{DB: db, Archive: arc, PartnersDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		p.SetRouter(&Router{Partners: map[string][]string{"erp": {m.Name}}, Mappings: map[string]*mapping.Mapping{m.Name: m}})
		b.StartTimer()
		out, err := p.Process(context.Background(), f)
		if err != nil || out.State != clearway.FileDone || out.Records != lines {
			b.Fatal(err, out)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
