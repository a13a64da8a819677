package web

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/metrics"
)

const testMetricsToken = "0123456789abcdef0123456789abcdef"

// withMetrics serves a fresh registry on /metrics with the token and
// counts API status posts into it.
func withMetrics(token string, reg *prometheus.Registry, m *metrics.Metrics) func(*Server) {
	return func(s *Server) {
		s.Metrics, s.MetricsToken, s.Counters = metrics.Handler(reg, nil), token, m
	}
}

// scrapeFrom sends GET /metrics to the handler as if from remote.
func scrapeFrom(t *testing.T, h http.Handler, remote string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.RemoteAddr = remote
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestMetricsAccess checks who may scrape: loopback always, another
// address only with the token. No traffic leaves the process: the fake
// remote addresses are set on in-memory requests.
func TestMetricsAccess(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.FileReceived("acme", "sftp")
	for _, tt := range []struct {
		name   string
		token  string // the server's http.metrics_token
		remote string
		header []string
		want   int
	}{
		{name: "Loopback", remote: "127.0.0.1:5555", want: http.StatusOK},
		{name: "LoopbackIPv6", remote: "[::1]:5555", want: http.StatusOK},
		{name: "LoopbackWithTokenSet", token: testMetricsToken, remote: "127.0.0.1:5555", want: http.StatusOK},
		{name: "ErrRemote", remote: "10.1.2.3:5555", want: http.StatusForbidden},
		{name: "ErrRemoteNoTokenSet", remote: "10.1.2.3:5555", header: []string{"Authorization", "Bearer " + testMetricsToken}, want: http.StatusForbidden},
		{name: "ErrRemoteWithoutToken", token: testMetricsToken, remote: "10.1.2.3:5555", want: http.StatusForbidden},
		{name: "ErrRemoteWrongToken", token: testMetricsToken, remote: "10.1.2.3:5555", header: []string{"Authorization", "Bearer nope"}, want: http.StatusForbidden},
		{name: "ErrProxiedThroughLoopback", remote: "127.0.0.1:5555", header: []string{"X-Forwarded-For", "203.0.113.9"}, want: http.StatusForbidden},
		{name: "RemoteWithToken", token: testMetricsToken, remote: "10.1.2.3:5555", header: []string{"Authorization", "Bearer " + testMetricsToken}, want: http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withMetrics(tt.token, reg, m))
			rec := scrapeFrom(t, e.srv.handler, tt.remote, tt.header...)
			if rec.Code != tt.want {
				t.Fatalf("got %d %q, want %d", rec.Code, rec.Body, tt.want)
			}
			if tt.want != http.StatusOK {
				if strings.Contains(rec.Body.String(), "clearway_") {
					t.Errorf("refused scrape shows series: %s", rec.Body)
				}
				return
			}
			p := expfmt.NewTextParser(model.UTF8Validation)
			fams, err := p.TextToMetricFamilies(rec.Body)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if fams["clearway_files_received_total"] == nil {
				t.Errorf("scrape lacks clearway_files_received_total: %v", fams)
			}
		})
	}
	t.Run("ErrOff", func(t *testing.T) {
		e := newEnv(t)
		if rec := scrapeFrom(t, e.srv.handler, "127.0.0.1:5555"); rec.Code != http.StatusNotFound {
			t.Errorf("no metrics handler: got %d, want 404", rec.Code)
		}
	})
}

// TestMetricsStatusPost counts a status event posted by API as a file
// received over channel api and ingested.
func TestMetricsStatusPost(t *testing.T) {
	requireWebChannels(t)
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, withMetrics("", reg, m))
	ref := e.shipment("acme", "MAEU240312345")
	if err := e.db.AssignShipment(context.Background(), ref, "fastclear", "test"); err != nil {
		t.Fatal(err)
	}
	e.addUser("fc", account.Broker, "fastclear")
	ev := map[string]string{"code": "1C", "code_list": "cbp_disposition", "at": "2026-03-21T08:12:00Z"}
	var f clearway.File
	if code := e.jsonDo(e.login("fc"), "POST", "/api/v1/shipments/"+ref+"/events", ev, &f); code != http.StatusCreated {
		t.Fatalf("post event: got %d", code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(scrapeFrom(t, e.srv.handler, "127.0.0.1:5555").Body)
	if err != nil {
		t.Fatal(err)
	}
	for name, labels := range map[string]map[string]string{
		"clearway_files_received_total": {"partner": "fastclear", "channel": "api"},
		"clearway_files_ingested_total": {"partner": "fastclear", "state": string(f.State)},
	} {
		found := false
		for _, s := range fams[name].GetMetric() {
			got := map[string]string{}
			for _, l := range s.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if maps.Equal(got, labels) {
				found = s.GetCounter().GetValue() == 1
			}
		}
		if !found {
			t.Errorf("%s%v is not 1: %v", name, labels, fams[name])
		}
	}
}
