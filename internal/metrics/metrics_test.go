package metrics_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/clearway/clearway/internal/metrics"
)

// MustNew returns collectors in a fresh registry.
func MustNew(tb testing.TB) (*metrics.Metrics, *prometheus.Registry) {
	tb.Helper()
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		tb.Fatal(err)
	}
	return m, reg
}

// scrape serves the registry through Handler and parses the answer with
// the Prometheus text parser.
func scrape(tb testing.TB, g prometheus.Gatherer) map[string]*dto.MetricFamily {
	tb.Helper()
	rec := httptest.NewRecorder()
	metrics.Handler(g, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		tb.Fatalf("scrape: status %d: %s", rec.Code, rec.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		tb.Fatalf("parse scrape: %v", err)
	}
	return fams
}

// value is the counter, gauge or histogram count of the family's series
// with exactly labels; ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	fam := fams[name]
	if fam == nil {
		return 0, false
	}
next:
	for _, m := range fam.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func TestMetrics(t *testing.T) {
	m, reg := MustNew(t)
	m.FileReceived("acme", "sftp")
	m.FileReceived("acme", "sftp")
	m.FileReceived("beta", "web")
	m.FileIngested("acme", "done", 20*time.Millisecond)
	m.FileIngested("acme", "rejected", 3*time.Second)
	m.SFTPSessionOpened()
	m.SFTPSessionOpened()
	m.SFTPSessionClosed()
	m.SFTPAuthFailed("password")
	m.Banned()
	m.OutboundRun("acme", "doc-requests", 2, false)
	m.OutboundRun("acme", "doc-requests", 0, true)
	m.RemoteError("fastclear", metrics.DirectionPull)
	m.AckWritten("997", 1500*time.Millisecond)
	m.AckWritten("997", -time.Second) // a clock step back is not a negative latency
	m.NotificationDelivered("webhook", "sent")

	fams := scrape(t, reg)
	for _, tt := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"clearway_files_received_total", map[string]string{"partner": "acme", "channel": "sftp"}, 2},
		{"clearway_files_received_total", map[string]string{"partner": "beta", "channel": "web"}, 1},
		{"clearway_files_ingested_total", map[string]string{"partner": "acme", "state": "done"}, 1},
		{"clearway_files_ingested_total", map[string]string{"partner": "acme", "state": "rejected"}, 1},
		{"clearway_ingest_duration_seconds", nil, 2},
		{"clearway_sftp_sessions_open", nil, 1},
		{"clearway_sftp_auth_failures_total", map[string]string{"method": "password"}, 1},
		{"clearway_bans_total", nil, 1},
		{"clearway_outbound_delivered_total", map[string]string{"partner": "acme", "job": "doc-requests"}, 2},
		{"clearway_outbound_failed_total", map[string]string{"partner": "acme", "job": "doc-requests"}, 1},
		{"clearway_remote_errors_total", map[string]string{"partner": "fastclear", "direction": "pull"}, 1},
		{"clearway_ack_latency_seconds", map[string]string{"kind": "997"}, 2},
		{"clearway_notification_deliveries_total", map[string]string{"channel": "webhook", "outcome": "sent"}, 1},
	} {
		if got, ok := value(fams, tt.name, tt.labels); !ok || got != tt.want {
			t.Errorf("%s%v = %v (found %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	h := fams["clearway_ingest_duration_seconds"].GetMetric()[0].GetHistogram()
	if got, want := h.GetSampleSum(), 3.02; got < want-1e-9 || got > want+1e-9 {
		t.Errorf("ingest duration sum = %v, want %v", got, want)
	}
	if got := fams["clearway_ack_latency_seconds"].GetMetric()[0].GetHistogram().GetSampleSum(); got != 1.5 {
		t.Errorf("ack latency sum = %v, want 1.5", got)
	}
	for name := range fams {
		if len(name) < len("clearway_") || name[:len("clearway_")] != "clearway_" {
			t.Errorf("series %s is not prefixed clearway_", name)
		}
	}
}

func TestNew_ErrRegisteredTwice(t *testing.T) {
	_, reg := MustNew(t)
	if _, err := metrics.New(reg); err == nil {
		t.Fatal("New on a registry that has the collectors: no error")
	}
}

// TestNil checks that a component without metrics may call every method.
func TestNil(t *testing.T) {
	var m *metrics.Metrics
	m.FileReceived("acme", "sftp")
	m.FileIngested("acme", "done", time.Second)
	m.SFTPSessionOpened()
	m.SFTPSessionClosed()
	m.SFTPAuthFailed("publickey")
	m.Banned()
	m.OutboundRun("acme", "job", 1, true)
	m.RemoteError("acme", metrics.DirectionPush)
	m.AckWritten("999", time.Second)
	m.NotificationDelivered("smtp", "failed")
}

// fakeStore answers fixed counts and remembers the cut-off it was asked.
type fakeStore struct {
	open, overdue, states map[string]int
	err                   error
	before                time.Time
}

func (s *fakeStore) OpenReviewCounts(ctx context.Context, now time.Time, sla time.Duration) (map[string]int, map[string]int, error) {
	s.before = now.Add(-sla)
	return s.open, s.overdue, s.err
}

func (s *fakeStore) ShipmentStateCounts(ctx context.Context) (map[string]int, error) {
	return s.states, s.err
}

var _ metrics.Store = (*fakeStore)(nil)

func TestStoreCollector(t *testing.T) {
	now := time.Date(2026, 3, 21, 8, 0, 0, 0, time.UTC)
	t.Run("OK", func(t *testing.T) {
		store := &fakeStore{
			open:    map[string]int{"identifier_conflict": 3, "partner_error_rate": 1},
			overdue: map[string]int{"identifier_conflict": 2, "partner_error_rate": 0},
			states:  map[string]int{"FILE_READY": 4, "ON_HOLD": 1},
		}
		_, reg := MustNew(t)
		reg.MustRegister(&metrics.StoreCollector{Store: store, OverdueAfter: 48 * time.Hour, Now: func() time.Time { return now }})
		fams := scrape(t, reg)
		if want := now.Add(-48 * time.Hour); !store.before.Equal(want) {
			t.Errorf("overdue cut-off = %v, want %v", store.before, want)
		}
		for _, tt := range []struct {
			name, label, value string
			want               float64
		}{
			{"clearway_reviews_open", "kind", "identifier_conflict", 3},
			{"clearway_reviews_open", "kind", "partner_error_rate", 1},
			{"clearway_reviews_overdue", "kind", "identifier_conflict", 2},
			{"clearway_reviews_overdue", "kind", "partner_error_rate", 0},
			{"clearway_entries", "state", "FILE_READY", 4},
			{"clearway_entries", "state", "ON_HOLD", 1},
		} {
			if got, ok := value(fams, tt.name, map[string]string{tt.label: tt.value}); !ok || got != tt.want {
				t.Errorf("%s{%s=%q} = %v (found %v), want %v", tt.name, tt.label, tt.value, got, ok, tt.want)
			}
		}
	})
	t.Run("DefaultOverdueAfter", func(t *testing.T) {
		store := &fakeStore{}
		_, reg := MustNew(t)
		reg.MustRegister(&metrics.StoreCollector{Store: store, Now: func() time.Time { return now }})
		scrape(t, reg)
		if want := now.Add(-metrics.DefaultOverdueAfter); !store.before.Equal(want) {
			t.Errorf("overdue cut-off = %v, want %v", store.before, want)
		}
	})
	t.Run("ErrStore", func(t *testing.T) {
		// A failing store leaves its series out; the others are served.
		m, reg := MustNew(t)
		reg.MustRegister(&metrics.StoreCollector{Store: &fakeStore{err: errors.New("database is locked")}})
		m.FileReceived("acme", "sftp")
		rec := httptest.NewRecorder()
		metrics.Handler(reg, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		body, _ := io.ReadAll(rec.Body)
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("parse: %v\n%s", err, body)
		}
		if _, ok := value(fams, "clearway_files_received_total", map[string]string{"partner": "acme", "channel": "sftp"}); !ok {
			t.Errorf("files received left out when the store fails:\n%s", body)
		}
		if _, ok := fams["clearway_entries"]; ok {
			t.Errorf("entries served although the store failed:\n%s", body)
		}
	})
}
