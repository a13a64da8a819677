package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/sqlite/sqlitetest"
)

// benchShipments is the store size of the quality bar (issue 12).
const benchShipments = 50_000

// benchStore builds a store of benchShipments shipments through the real
// ingest path (two suppliers, a B/L, a container and two invoice lines
// each; every tenth with status events), and a handler with a logged-in
// compliance user and a supplier user. It returns the handler, the two
// session cookies and a shipment's ref.
func benchStore(b *testing.B) (http.Handler, map[string]*http.Cookie, string) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	if d := os.Getenv("CLEARWAY_BENCH_DIR"); d != "" {
		dir = d
	}
	db, arc := sqlitetest.OpenStore(b, dir)
	const perFile = 5000
	for start := 0; start < benchShipments; start += perFile {
		partner := []string{"acme", "globex"}[start/perFile%2]
		f := &clearway.File{Partner: partner, Channel: clearway.ChannelCLI, Name: fmt.Sprintf("inbox/bench-%d.csv", start), Size: 1, SHA256: fmt.Sprintf("%064x", start+1)}
		if err := db.CreateFile(ctx, f); err != nil {
			b.Fatal(err)
		}
		in, err := db.BeginIngest(ctx, f, "bench", "h")
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for i := start; i < start+perFile; i++ {
			bl, inv := fmt.Sprintf("MAEU%08d", i), fmt.Sprintf("INV-2026-%d", i)
			recs := []clearway.Record{
				{Kind: clearway.KindShipment, Fields: map[string]string{"bill_of_lading": bl, "mode": "ocean", "container_number": fmt.Sprintf("MSCU%07d", i)}},
				{Kind: clearway.KindInvoiceLine, Fields: map[string]string{"bill_of_lading": bl, "invoice_number": inv, "line_no": "1", "hs_code": "8471300100", "quantity": "10", "unit_price": "12.50", "currency": "USD", "origin_country": "CN", "description": "laptop"}},
				{Kind: clearway.KindInvoiceLine, Fields: map[string]string{"bill_of_lading": bl, "invoice_number": inv, "line_no": "2", "hs_code": "8473301180", "quantity": "5", "unit_price": "3.00", "currency": "USD", "origin_country": "CN", "description": "charger"}},
			}
			if i%10 == 0 {
				recs = append(recs, clearway.Record{Kind: clearway.KindStatusEvent, Fields: map[string]string{"bill_of_lading": bl, "code_list": "cbp_disposition", "code": "01", "at": "2026-03-21T08:12:00Z", "entry_number": fmt.Sprintf("ABC%08d", i)}})
			}
			for _, r := range recs {
				r.Source.Row = n + 2
				if err := in.Apply(r); err != nil {
					in.Rollback()
					b.Fatal(err)
				}
				n++
			}
		}
		if err := in.Commit(n); err != nil {
			b.Fatal(err)
		}
	}
	s := &Server{DB: db, Archive: arc, Logger: slog.New(slog.DiscardHandler), ReasonCodes: []string{"OTHER"},
		Partners: []Partner{{ID: "acme", Role: "supplier"}, {ID: "globex", Role: "supplier"}}}
	h, err := s.Handler()
	if err != nil {
		b.Fatal(err)
	}
	cookies := map[string]*http.Cookie{}
	for _, u := range []account.User{{Login: "ana", Role: account.Compliance}, {Login: "sam", Role: account.Supplier, Partner: "acme"}} {
		if _, err := db.CreateUser(ctx, u, "x", "bench"); err != nil {
			b.Fatal(err)
		}
		secret, hash, err := account.NewSecret("")
		if err != nil {
			b.Fatal(err)
		}
		if err := db.CreateSession(ctx, u.Login, hash); err != nil {
			b.Fatal(err)
		}
		cookies[u.Login] = &http.Cookie{Name: sessionCookie, Value: secret}
	}
	sh, err := db.View(account.Scope{Role: account.Admin}).Shipment(ctx, "MAEU00012340")
	if err != nil {
		b.Fatal(err)
	}
	return h, cookies, sh.Ref
}

// benchRequests serves GET path as the cookie's user in a loop and
// reports the p50 and p95 latency.
func benchRequests(b *testing.B, h http.Handler, c *http.Cookie, path string) {
	b.Helper()
	var times []time.Duration
	for b.Loop() {
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(c)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		times = append(times, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: got %d", path, rec.Code)
		}
	}
	slices.Sort(times)
	pct := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(float64(len(times))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}

// BenchmarkPortfolio renders the portfolio page and the API list over
// 50,000 shipments (target: p95 under 100 ms).
func BenchmarkPortfolio(b *testing.B) {
	h, cookies, _ := benchStore(b)
	b.Run("page/compliance", func(b *testing.B) { benchRequests(b, h, cookies["ana"], "/") })
	b.Run("page/supplier", func(b *testing.B) { benchRequests(b, h, cookies["sam"], "/") })
	b.Run("page/search", func(b *testing.B) { benchRequests(b, h, cookies["ana"], "/?q=MAEU0001") })
	b.Run("page/state", func(b *testing.B) { benchRequests(b, h, cookies["ana"], "/?state=DOCS_INCOMPLETE") })
	b.Run("api/compliance", func(b *testing.B) { benchRequests(b, h, cookies["ana"], "/api/v1/shipments?limit=50") })
}

// BenchmarkWorkspace renders a shipment's workspace in a store of 50,000
// shipments (target: p95 under 100 ms).
func BenchmarkWorkspace(b *testing.B) {
	h, cookies, ref := benchStore(b)
	b.Run("page/compliance", func(b *testing.B) { benchRequests(b, h, cookies["ana"], "/shipments/"+ref) })
	b.Run("page/by-bl", func(b *testing.B) { benchRequests(b, h, cookies["ana"], "/shipments/MAEU00012340") })
	b.Run("api/compliance", func(b *testing.B) { benchRequests(b, h, cookies["ana"], "/api/v1/shipments/"+ref) })
}
