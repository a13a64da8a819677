package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clearway/clearway/internal/dashboard"
	"github.com/clearway/clearway/internal/testutil/browser"
)

// dashShipment is one ACME shipment of the dashboard scenario: a PO from
// the ERP, an invoice of two lines, a packing list and the three PDFs, so
// it becomes FILE_READY.
type dashShipment struct {
	bl, po, inv, origin string
	readyLo, readyHi    time.Time // bounds of when it became ready (processing time)
}

// value is every scenario invoice's total: 50,000 × 0.62 + 1,200 × 38.50.
const dashValue = 77200.0

// dashScenario builds the scenario through the binary: four ready ACME
// shipments (A1, A2 from CN, A3, A4 from VN), one of Beta's with only an
// invoice, one rejected ACME file, and FastClear's events around an
// anchor T after all of them were ready.
type dashScenario struct {
	*demo
	t        *testing.T
	n        int
	ships    []*dashShipment
	anchor   time.Time
	betaRef  string
	queryStr string
	ana      string // Ana's API token
}

func (s *dashScenario) write(name string, body []byte) string {
	s.n++
	p := filepath.Join(s.dir, "out", fmt.Sprint(s.n), name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, body, 0o644); err != nil {
		s.t.Fatal(err)
	}
	return p
}

func (s *dashScenario) ingest(partner, into string, files ...string) {
	s.t.Helper()
	if out, errOut, code := s.clearway(s.t, append([]string{"ingest", "--partner", partner, "--into", into}, files...)...); code != 0 {
		s.t.Fatalf("ingest %v: exit %d\n%s%s", files, code, out, errOut)
	}
}

// invoice writes an invoice workbook like the supplier's.
func (s *dashScenario) invoice(inv, po, bl, origin string) string {
	s.n++
	p := filepath.Join(s.dir, "out", fmt.Sprint(s.n), fmt.Sprintf("%s_BL-%s.xlsx", inv, bl))
	os.MkdirAll(filepath.Dir(p), 0o755)
	writeInvoice(s.t, p, inv, po, origin, "8483.40.5010")
	return p
}

// ready sends everything that makes shipment sh FILE_READY.
func (s *dashScenario) ready(sh *dashShipment) {
	s.t.Helper()
	po := "PO Number,PO Line,Vendor,Material,Short Text,HTS Code,Country of Origin,PO Quantity,Order Unit,Net Price,Currency,Incoterms,Incoterms Location,Ship Mode\n" +
		fmt.Sprintf("%s,00010,V-20417,BRG-6204-2RS,Ball bearing,8482.10.5048,%s,\"50,000\",PC,0.6200,USD,FOB,Ningbo,SEA\n", sh.po, sh.origin) +
		fmt.Sprintf("%s,00020,V-20417,GBX-NMRV040-30,Worm gear reducer,8483.40.5010,%s,\"1,200\",PC,38.5000,USD,FOB,Ningbo,SEA\n", sh.po, sh.origin)
	s.ingest("erp", "inbox/po", s.write("PO-"+sh.po+".csv", []byte(po)))
	s.ingest("acme", "inbox/invoices", s.invoice(sh.inv, sh.po, sh.bl, sh.origin))
	packing := "Invoice No,PO No,Item No,Cartons,Qty,UOM,Net Wt (kg),Gross Wt (kg),Container No\n" +
		fmt.Sprintf("%s,%s,BRG-6204-2RS,100,50000,PCS,2100,2250,\n%s,%s,GBX-NMRV040-30,60,1200,PCS,3600,3800,\n", sh.inv, sh.po, sh.inv, sh.po)
	s.ingest("acme", "inbox/packing", s.write("PL_"+sh.inv+".csv", []byte(packing)))
	sh.readyLo = time.Now().UTC()
	s.ingest("acme", "inbox/docs/"+sh.bl,
		s.write(fmt.Sprintf("CI_%s_BL-%s.pdf", sh.inv, sh.bl), []byte("%PDF-1.4 commercial invoice "+sh.inv)),
		s.write(fmt.Sprintf("PL_%s_BL-%s.pdf", sh.inv, sh.bl), []byte("%PDF-1.4 packing list "+sh.inv)),
		s.write(fmt.Sprintf("BL_%s.pdf", sh.bl), []byte("%PDF-1.4 bill of lading "+sh.bl)))
	sh.readyHi = time.Now().UTC()
	shown := s.show(sh.bl)
	if st := shown["state"]; st != "FILE_READY" {
		s.t.Fatalf("%s is %v after its documents, want FILE_READY", sh.bl, st)
	}
	// Each line names the file and the mapping version that read it.
	src, _ := shown["line_sources"].([]any)
	if len(src) != 2 || src[0].(map[string]any)["mapping"] != "supplier-invoice-xlsx" || len(fmt.Sprint(src[0].(map[string]any)["mapping_hash"])) != 64 {
		s.t.Errorf("line sources of %s: %v", sh.bl, src)
	}
}

func (s *dashScenario) show(ref string) map[string]any {
	s.t.Helper()
	out, errOut, code := s.clearway(s.t, "shipment", "show", ref, "--json")
	if code != 0 {
		s.t.Fatalf("shipment show %s: %s", ref, errOut)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		s.t.Fatal(err)
	}
	return m
}

// events sends FastClear's CargoWise CSV: rows of code, B/L and the hours
// after the anchor (negative: before).
func (s *dashScenario) events(rows ...string) {
	s.t.Helper()
	body := "Event Code,Event Time,Entry No,Master BL,House BL,Container,Message\n"
	for _, r := range rows {
		var code, bl string
		var h float64
		fmt.Sscanf(strings.ReplaceAll(r, ",", " "), "%s %s %g", &code, &bl, &h)
		at := s.anchor.Add(time.Duration(h * float64(time.Hour)))
		body += fmt.Sprintf("%s,%s,,%s,,,%s event\n", code, at.In(fastclearZone).Format("02/01/2006 15:04"), bl, code)
	}
	s.ingest("fastclear", "inbox/events", s.write(fmt.Sprintf("CW_EVENTS_%d.csv", s.n), []byte(body)))
}

// fastclearZone is the zone the broker-status-csv mapping reads times in.
var fastclearZone, _ = time.LoadLocation("America/Los_Angeles")

// buildDashScenario runs the story; see dashScenario.
func buildDashScenario(t *testing.T, d *demo) *dashScenario {
	s := &dashScenario{demo: d, t: t}
	for i, origin := range []string{"CN", "CN", "VN", "VN"} {
		sh := &dashShipment{bl: fmt.Sprintf("MAEU2403%05d", i+1), po: fmt.Sprintf("45000200%02d", i+1), inv: fmt.Sprintf("INV-2026-10%02d", i+1), origin: origin}
		s.ready(sh)
		s.ships = append(s.ships, sh)
	}
	s.ingest("beta", "inbox/invoices", s.invoice("INV-2026-2001", "4500029999", "MAEU240399999", "DE"))
	s.betaRef = s.show("MAEU240399999")["ref"].(string)
	repo, _ := filepath.Abs("../..")
	bad, _ := os.ReadFile(filepath.Join(repo, "testdata/mappings/supplier-invoice-xlsx/bad/inbox/invoices/INV-2026-0042_BL-MAEU240312345_missing-invno.xlsx"))
	if _, _, code := s.clearway(t, "ingest", "--partner", "acme", "--into", "inbox/invoices", s.write("INV-BAD_BL-MAEU240300009.xlsx", bad)); code == 0 {
		t.Fatal("the invoice without an invoice number was accepted")
	}
	// T: the next whole minute after everything was ready (CargoWise times
	// are to the minute).
	s.anchor = time.Now().UTC().Truncate(time.Minute).Add(time.Minute)
	a1, a2, a3, a4 := s.ships[0].bl, s.ships[1].bl, s.ships[2].bl, s.ships[3].bl
	s.events(
		"CCC "+a1+" 2", "1H "+a1+" 3", "1I "+a1+" 9", "CLR "+a1+" 10", // filed, held 6 h, released 8 h after filing
		"CCC "+a2+" 5", "1A "+a2+" 6", "1B "+a2+" 10", // filed, exam 4 h, released 5 h after filing
		"1H "+a3+" -72", // held since three days before T: filed before it was ready
		"CCC "+a4+" 11") // filed, nothing else yet
	return s
}

// TestDashboardScenario checks every dashboard's numbers against what the
// scenario says by hand: medians, p90s (nearest rank), rates, per-100
// figures and value at risk; that each CSV section matches its JSON; and
// that a supplier sees only its own figures.
func TestDashboardScenario(t *testing.T) {
	t.Parallel() // a daemon of its own on port 0, in its own folder
	d := workspaceDemo(t)
	dm := d.start(t)
	base := dm.httpURL(t)
	s := buildDashScenario(t, d)
	if out, errOut, code := d.clearway(t, "governance", "check"); code != 0 {
		t.Fatalf("governance check: %s%s", out, errOut)
	}
	ana := apiToken(t, d, "ana")
	s.ana = ana
	fc := apiToken(t, d, "fc")
	// Ana asks FastClear about A1 and A2; FastClear answers the first.
	var asked []string
	for _, sh := range s.ships[:2] {
		code, body := apiPost(t, base, ana, "/api/v1/shipments/"+sh.bl+"/questions", `{"text":"Which HS code did you file line 2 under?"}`)
		var q struct{ ID int64 }
		if json.Unmarshal(body, &q); code != http.StatusCreated || q.ID == 0 {
			t.Fatalf("ask: %d %s", code, body)
		}
		asked = append(asked, fmt.Sprint(q.ID))
	}
	if code, body := apiPost(t, base, fc, "/api/v1/questions/"+asked[0]+"/answers", `{"text":"8483.40.5010"}`); code != http.StatusCreated {
		t.Fatalf("answer: %d %s", code, body)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	s.queryStr = fmt.Sprintf("from=%s&to=%s", today.AddDate(0, 0, -30).Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly))
	get := func(name string) map[string]map[string]map[string]any {
		return dashRows(t, base, ana, name, s.queryStr)
	}
	hoursOf := func(i int, h float64) (lo, hi float64) { // hours from A(i)'s readiness to T+h
		at := s.anchor.Add(time.Duration(h * float64(time.Hour)))
		return at.Sub(s.ships[i].readyHi).Hours(), at.Sub(s.ships[i].readyLo).Hours()
	}

	t.Run("broker-response", func(t *testing.T) {
		// Ready → filed: A1 T+2 h, A2 T+5 h, A4 T+11 h; A3 was filed
		// before it was ready and counts in neither figure.
		fc := get("broker-response")["brokers"]["fastclear"]
		lo, hi := hoursOf(1, 5)
		wantNear(t, "ready→filed median", fc["ready_to_filed_median_h"], lo, hi)
		lo, hi = hoursOf(3, 11)
		wantNear(t, "ready→filed p90", fc["ready_to_filed_p90_h"], lo, hi)
		wantEq(t, "ready→filed n", fc["ready_to_filed_n"], 3.0)
		wantEq(t, "not filed", fc["not_filed"], 0.0)
		// Filed → released: A1 8 h, A2 5 h: median 6.5, p90 8.
		wantEq(t, "filed→released n", fc["filed_to_released_n"], 2.0)
		wantEq(t, "filed→released median", fc["filed_to_released_median_h"], 6.5)
		wantEq(t, "filed→released p90", fc["filed_to_released_p90_h"], 8.0)
		// One question answered within seconds, one not yet.
		wantEq(t, "questions answered", fc["questions_answered"], 1.0)
		wantEq(t, "answer median", fc["answer_median_h"], 0.0)
		wantEq(t, "questions unanswered", fc["questions_unanswered"], 1.0)
	})
	t.Run("holds-by-route", func(t *testing.T) {
		// CN → ?: A1's hold (6 h) and A2's exam (4 h); VN → ?: A3's hold,
		// still active. Chapter 84 (the worm gear line, the larger) has all.
		h := get("holds-by-route")
		cn, vn := h["routes"]["CN → ?"], h["routes"]["VN → ?"]
		wantEq(t, "CN holds", cn["holds"], 1.0)
		wantEq(t, "CN exams", cn["exams"], 1.0)
		wantEq(t, "CN median", cn["median_hours"], 5.0)
		wantEq(t, "CN p90", cn["p90_hours"], 6.0)
		wantEq(t, "VN active", vn["active"], 1.0)
		wantEq(t, "VN median", vn["median_hours"], nil)
		ch := h["families"]["84"]
		wantEq(t, "chapter 84 holds", ch["holds"], 2.0)
		wantEq(t, "chapter 84 exams", ch["exams"], 1.0)
		wantEq(t, "chapter 84 agencies", ch["agencies"], "CBP 3")
		heading := dashRows(t, base, ana, "holds-by-route", s.queryStr+"&chapter=84")["families"]["8483"]
		wantEq(t, "heading 8483 holds", heading["holds"], 2.0)
	})
	t.Run("exceptions-by-lane", func(t *testing.T) {
		lanes := get("exceptions-by-lane")["lanes"]
		cn, vn := lanes["CN → ? (ocean)"], lanes["VN → ? (ocean)"]
		wantEq(t, "CN shipments", cn["shipments"], 2.0)
		wantEq(t, "CN holds per 100", cn["holds_per_100"], 100.0) // a hold and an exam over two shipments
		wantEq(t, "VN holds per 100", vn["holds_per_100"], 50.0)  // one hold over two
		beta := s.show(s.betaRef)
		var rules []string
		for _, f := range beta["findings"].([]any) {
			r := f.(map[string]any)
			if (r["severity"] == "error" || r["severity"] == "warning") && !slices.Contains(rules, r["rule"].(string)) {
				rules = append(rules, r["rule"].(string))
			}
		}
		lane := fmt.Sprintf("DE → ? (%s)", "?")
		wantEq(t, "beta's lane findings", lanes[lane]["findings"], float64(len(rules)))
		wantEq(t, "beta's lane findings per 100", lanes[lane]["findings_per_100"], float64(100*len(rules)))
	})
	t.Run("readiness-by-supplier", func(t *testing.T) {
		r := get("readiness-by-supplier")["suppliers"]
		acme, beta := r["acme"], r["beta"]
		wantEq(t, "acme shipments", acme["shipments"], 4.0)
		wantEq(t, "acme reached ready", acme["reached_ready_pct"], 100.0)
		// 21 files: four times invoice, packing list and three PDFs, and
		// the rejected invoice: 1 of 21 = 4.8 %.
		wantEq(t, "acme files", acme["files"], 21.0)
		wantEq(t, "acme rejected", acme["files_rejected_pct"], 4.8)
		wantEq(t, "beta reached ready", beta["reached_ready_pct"], 0.0)
		wantEq(t, "beta median to ready", beta["median_hours_to_ready"], nil)
		missing := 0
		for _, f := range s.show(s.betaRef)["findings"].([]any) {
			if f.(map[string]any)["document"] != nil {
				missing++
			}
		}
		if missing == 0 {
			t.Fatal("beta's shipment asks for no document: the scenario is wrong")
		}
		wantEq(t, "beta missing documents", beta["missing_documents"], float64(missing))
	})
	t.Run("portfolio", func(t *testing.T) {
		p := get("portfolio")
		for state, n := range map[string]float64{"RELEASED": 2, "ON_HOLD": 1, "SUBMITTED": 1, "DOCS_INCOMPLETE": 1} {
			wantEq(t, state, p["by-state"][state]["count"], n)
		}
		day := p["trend"][today.Format(time.DateOnly)]
		wantEq(t, "today's RELEASED", day["RELEASED"], 2.0)
		wantEq(t, "today's ON_HOLD", day["ON_HOLD"], 1.0)
	})
	t.Run("governance", func(t *testing.T) {
		g := get("governance")
		wantEq(t, "acme above threshold", g["error-rates"]["acme"]["breach"], "yes")
		wantEq(t, "acme error rate", g["error-rates"]["acme"]["error_rate_pct"], 4.8)
		wantEq(t, "acme's review", g["review-aging"]["partner_error_rate / acme"]["open"], 1.0)
		// Value at risk: A3 alone is held, since T−72 h: 77,200 × days held.
		ref := s.show(s.ships[2].bl)["ref"].(string)
		row := g["value-at-risk"][ref]
		days := time.Since(s.anchor.Add(-72*time.Hour)).Hours() / 24
		wantNear(t, "A3 days held", row["days_held"], days-0.01, days+0.01)
		wantNear(t, "A3 value at risk", row["value_at_risk"], dashValue*(days-0.01), dashValue*(days+0.01))
		wantEq(t, "handled by", row["handled_by"], "operations")
		wantEq(t, "finance entries", g["risk-split"]["finance"]["entries"], 0.0)
		wantEq(t, "operations entries", g["risk-split"]["operations"]["entries"], 1.0)
		// Delay cost: 5 shipments over the 32 days × the average value of the
		// five (Beta's invoice is the same two lines) × A3's days held.
		wantNear(t, "delay cost", g["delay-cost"]["delay cost"]["value"], 5.0/32*dashValue*(days-0.01), 5.0/32*dashValue*(days+0.01))
	})
	t.Run("csv matches json", func(t *testing.T) {
		for _, name := range dashboard.Names {
			checkCSV(t, base, ana, name, s.queryStr)
		}
	})
	t.Run("browser", func(t *testing.T) { dashboardsInBrowser(t, base, s) })
	t.Run("supplier sees its own", func(t *testing.T) {
		sam := apiToken(t, d, "sam")
		r := dashRows(t, base, sam, "readiness-by-supplier", s.queryStr)["suppliers"]
		if len(r) != 1 || r["acme"] == nil {
			t.Errorf("sam (acme) sees suppliers %v, want acme alone", keys(r))
		}
		if got := dashRows(t, base, sam, "portfolio", s.queryStr)["by-state"]["DOCS_INCOMPLETE"]; got != nil {
			t.Errorf("sam sees Beta's shipment in the portfolio: %v", got)
		}
		if code, _ := apiGet(t, base, sam, "/api/v1/dashboards/governance"); code != http.StatusNotFound {
			t.Errorf("sam GET governance: %d, want 404", code)
		}
	})
}

// apiToken creates an API token for login.
func apiToken(t *testing.T, d *demo, login string) string {
	t.Helper()
	out, errOut, code := d.clearway(t, "token", "create", login, "--name", "dashboards")
	if code != 0 {
		t.Fatalf("token create %s: %s", login, errOut)
	}
	return strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
}

func apiPost(t *testing.T, base, token, path, body string) (int, []byte) {
	return apiDo(t, http.MethodPost, base+path, token, strings.NewReader(body))
}

func apiGet(t *testing.T, base, token, path string) (int, []byte) {
	return apiDo(t, http.MethodGet, base+path, token, nil)
}

// apiDo calls the API with a token (a JSON body when there is one).
func apiDo(t *testing.T, method, url, token string, body io.Reader) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// dashJSON is a dashboard as the API answers it.
type dashJSON struct {
	Computed string `json:"computed_at"`
	Sections []struct {
		Key     string `json:"key"`
		Columns []struct {
			Key string `json:"key"`
		} `json:"columns"`
		Rows []map[string]any `json:"rows"`
	} `json:"sections"`
}

func getDash(t *testing.T, base, token, name, query string) dashJSON {
	t.Helper()
	code, body := apiGet(t, base, token, "/api/v1/dashboards/"+name+"?"+query)
	if code != http.StatusOK {
		t.Fatalf("GET dashboard %s: %d %s", name, code, body)
	}
	var d dashJSON
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatalf("dashboard %s: %v", name, err)
	}
	return d
}

// dashRows returns section → row (by its first column) → column → value.
func dashRows(t *testing.T, base, token, name, query string) map[string]map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]map[string]any{}
	d := getDash(t, base, token, name, query)
	for _, s := range d.Sections {
		out[s.Key] = map[string]map[string]any{}
		for _, r := range s.Rows {
			key := fmt.Sprint(r[s.Columns[0].Key])
			if s.Key == "review-aging" {
				key = fmt.Sprintf("%v / %v", r["kind"], r["owner"])
			}
			out[s.Key][key] = r
		}
	}
	return out
}

// checkCSV reads every section of a dashboard as CSV with encoding/csv
// and compares it cell by cell with the JSON.
func checkCSV(t *testing.T, base, token, name, query string) {
	t.Helper()
	d := getDash(t, base, token, name, query)
	query += "&as_of=" + url.QueryEscape(d.Computed)
	for _, s := range d.Sections {
		code, body := apiGet(t, base, token, "/api/v1/dashboards/"+name+"?"+query+"&format=csv&section="+s.Key)
		if code != http.StatusOK {
			t.Fatalf("CSV %s/%s: %d %s", name, s.Key, code, body)
		}
		recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("CSV %s/%s does not parse: %v", name, s.Key, err)
		}
		if len(recs) != len(s.Rows)+1 {
			t.Fatalf("CSV %s/%s: %d records, want a header and %d rows", name, s.Key, len(recs), len(s.Rows))
		}
		for j, c := range s.Columns {
			if recs[0][j] != c.Key {
				t.Errorf("CSV %s/%s header %d = %q, want %q", name, s.Key, j, recs[0][j], c.Key)
			}
		}
		for i, row := range s.Rows {
			for j, c := range s.Columns {
				if want := dashboard.Text(jsonCell(row[c.Key])); recs[i+1][j] != want {
					t.Errorf("CSV %s/%s row %d %s = %q, JSON says %q", name, s.Key, i, c.Key, recs[i+1][j], want)
				}
			}
		}
	}
}

// jsonCell turns a decoded JSON number back into the cell type the CSV
// writer formats (integers as int).
func jsonCell(v any) any {
	if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return int(f)
	}
	return v
}

func wantEq(t *testing.T, what string, got, want any) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// wantNear checks that got, rounded as the dashboards round (0.1 or 0.01),
// lies within [lo, hi] widened by that rounding.
func wantNear(t *testing.T, what string, got any, lo, hi float64) {
	t.Helper()
	f, ok := got.(float64)
	if !ok || f < lo-0.051 || f > hi+0.051 {
		t.Errorf("%s = %v, want between %.3f and %.3f", what, got, lo, hi)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// chartState is what the page's charts look like in the browser.
type chartState struct {
	Charts  int      `json:"charts"`
	Visible int      `json:"visible"`
	Boards  []string `json:"boards"`
}

// dashboardsInBrowser opens the dashboards in headless Chromium as Ana and
// as Sam (ACME's supplier user): every chart drawn and visible, a figure
// leading to the shipments behind it, and screenshots of each.
func dashboardsInBrowser(t *testing.T, base string, s *dashScenario) {
	b := &tab{t: t, ctx: browser.New(t), base: base}
	shots := browser.Dir(t)
	b.login("ana")
	if st := b.open("/dashboards?" + s.queryStr); st != http.StatusOK {
		t.Fatalf("GET /dashboards: %d", st)
	}
	js := `(() => { const svgs = [...document.querySelectorAll("figure.chart-wrap svg")];
		return {charts: svgs.length, visible: svgs.filter(e => { const r = e.getBoundingClientRect(); return r.width > 100 && r.height > 40; }).length,
			boards: [...document.querySelectorAll("section.board h2")].map(h => h.textContent)}; })()`
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[chartState](js))
	if err != nil {
		t.Fatal(err)
	}
	// Every section with rows draws a chart, except the delay-cost inputs.
	want := 0
	for _, name := range dashboard.Names {
		for _, sec := range getDash(t, base, s.ana, name, s.queryStr).Sections {
			if len(sec.Rows) > 0 && sec.Key != "delay-cost" {
				want++
			}
		}
	}
	if len(got.Boards) != len(dashboard.Names) || got.Charts != want || got.Visible != want {
		t.Errorf("dashboards page: %+v, want six dashboards and %d charts, all visible", got, want)
	}
	browser.Screenshot(t, b.ctx, shots, "dashboards")
	for _, name := range dashboard.Names {
		browser.ScreenshotOf(t, b.ctx, shots, "dashboard-"+name, "#"+name)
	}

	// The held entry's value at risk leads to that shipment alone.
	a3 := s.show(s.ships[2].bl)["ref"].(string)
	b.do("follow the value at risk", chromedp.Click(chromedp.CSS(`#governance-value-at-risk tbody th a`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-info")))
	text := b.text()
	if !strings.Contains(text, "Value at risk") || !strings.Contains(text, a3) || strings.Contains(text, s.betaRef) {
		t.Errorf("the value-at-risk link shows:\n%s\nwant %s alone, named as the figure behind it", text, a3)
	}
	browser.Screenshot(t, b.ctx, shots, "dashboard-figure-shipments")
	b.logout()

	b.login("sam")
	b.open("/dashboards?" + s.queryStr)
	text = b.text()
	if strings.Contains(text, "Governance") || strings.Contains(text, "beta") || !strings.Contains(text, "acme") {
		t.Errorf("sam's dashboards show another partner or the governance board:\n%s", text)
	}
	browser.Screenshot(t, b.ctx, shots, "dashboards-supplier")
}
