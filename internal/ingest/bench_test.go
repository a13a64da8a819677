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
	"github.com/clearway/clearway/internal/testutil"
	"github.com/clearway/clearway/internal/testutil/pgtest"
)

// poCSV is an ERP export in the shipped erp-po-csv layout: 20 lines a PO.
// changeEvery > 0 gives every changeEvery-th line another quantity (a
// resend with changes).
func poCSV(lines, changeEvery int) []byte {
	var b bytes.Buffer
	b.WriteString("PO Number,PO Line,Vendor,Vendor Name,Material,Short Text,HTS Code,Country of Origin,PO Quantity,Order Unit,Net Price,Currency,Incoterms,Incoterms Location,Ship Mode,Delivery Date\n")
	for i := 0; i < lines; i++ {
		thousands := 1
		if changeEvery > 0 && i%changeEvery == 0 {
			thousands = 2
		}
		fmt.Fprintf(&b, "%d,%05d,V-20417,\"Ningbo Haitai Precision Co., Ltd.\",SKU-%d,\"Part %d, steel\",8482.10.5048,CN,\"%d,%03d\",PC,0.6200,USD,FOB,Ningbo,SEA,04/03/2026\n",
			4500000000+i/20, (i%20+1)*10, i%997, i%997, thousands, i%1000)
	}
	return b.Bytes()
}

// BenchmarkIngestPO maps and applies a PO export to a real SQLite file, end
// to end from the journal (the archive read included).
func BenchmarkIngestPO(b *testing.B) {
	benchIngestPO(b, sqliteStore, false)
}

// BenchmarkIngestPOPostgres is BenchmarkIngestPO on a throwaway PostgreSQL.
func BenchmarkIngestPOPostgres(b *testing.B) {
	benchIngestPO(b, postgresStore, false)
}

// BenchmarkIngestPOResend is the export sent again with every tenth line
// changed: each line exists, a tenth are updated (audited).
func BenchmarkIngestPOResend(b *testing.B) {
	benchIngestPO(b, sqliteStore, true)
}

// BenchmarkIngestPOResendPostgres is BenchmarkIngestPOResend on PostgreSQL.
func BenchmarkIngestPOResendPostgres(b *testing.B) {
	benchIngestPO(b, postgresStore, true)
}

func sqliteStore(_ testing.TB, dir string) *sqlite.DB {
	return sqlite.NewDB(filepath.Join(dir, "clearway.db"))
}

func postgresStore(tb testing.TB, _ string) *sqlite.DB { return sqlite.NewPostgres(pgtest.New(tb)) }

// benchIngestPO times the ingest of a PO export into a new store (after
// the export itself, untimed, when resend).
func benchIngestPO(b *testing.B, store func(testing.TB, string) *sqlite.DB, resend bool) {
	const lines = 100_000
	m, err := mapping.Load("../../mappings/erp-po-csv.yaml")
	if err != nil {
		b.Fatal(err)
	}
	data, timed := poCSV(lines, 0), poCSV(lines, 0)
	if resend {
		timed = poCSV(lines, 10)
	}
	b.SetBytes(int64(len(timed)))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		db := store(b, dir)
		if err := db.Open(); err != nil {
			b.Fatal(err)
		}
		arc := archive.New(filepath.Join(dir, "archive"))
		arc.Open()
		p := &Pipeline{DB: db, Archive: arc, PartnersDir: filepath.Join(dir, "partners"), Folders: testutil.Folders(b, dir), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		p.SetRouter(&Router{Partners: map[string][]string{"erp": {m.Name}}, Mappings: map[string]*mapping.Mapping{m.Name: m}})
		if resend {
			ingestPO(b, p, arc, dir, "first.csv", data)
		}
		b.StartTimer()
		ingestPO(b, p, arc, dir, "po.csv", timed)
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// ingestPO journals a PO export (untimed) and ingests it.
func ingestPO(b *testing.B, p *Pipeline, arc *archive.Archive, dir, name string, data []byte) {
	b.StopTimer()
	src := filepath.Join(dir, name)
	os.WriteFile(src, data, 0o644)
	sum, size, _ := arc.PutFile(src)
	f := &clearway.File{Partner: "erp", Channel: clearway.ChannelCLI, Name: "inbox/po/" + name, Size: size, SHA256: sum}
	p.DB.CreateFile(context.Background(), f)
	b.StartTimer()
	out, err := p.Process(context.Background(), f)
	if err != nil || out.State != clearway.FileDone || out.Records != bytes.Count(data, []byte("\n"))-1 {
		b.Fatal(err, out)
	}
}
