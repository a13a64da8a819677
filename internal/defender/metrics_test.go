package defender

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/clearway/clearway/internal/metrics"
)

// TestBanMetrics counts each ban, not each failure.
func TestBanMetrics(t *testing.T) {
	m, err := metrics.New(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 21, 8, 0, 0, 0, time.UTC)
	d := &Defender{Threshold: 2, Window: time.Minute, BanTime: time.Minute, MaxBanTime: time.Hour,
		Now: func() time.Time { return now }, Metrics: m}
	addr := Addr("10.1.2.3:5555")
	for range 5 {
		d.Fail(addr)
	}
	var out dto.Metric
	if err := m.Bans.Write(&out); err != nil {
		t.Fatal(err)
	}
	if got := out.GetCounter().GetValue(); got != 2 {
		t.Errorf("bans = %v after 5 failures with threshold 2, want 2", got)
	}
}
