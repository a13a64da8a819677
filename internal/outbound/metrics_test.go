package outbound

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/clearway/clearway/internal/metrics"
)

// counterValue reads one counter.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// TestRunMetrics counts the files a run delivers and the runs that fail.
func TestRunMetrics(t *testing.T) {
	f := newFixture(t)
	m, err := metrics.New(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	f.runner.Metrics = m
	job := Job{Partner: "acme", Name: "doc-requests", Kind: KindDocumentRequests, Format: "csv"}
	f.ingest("erp", "po", po)
	f.ingest("acme", "invoice", inv)
	if res := f.run(job); len(res.Files) != 1 {
		t.Fatalf("files %v, want 1", res.Files)
	}
	if got := counterValue(t, m.OutboundDelivered.WithLabelValues("acme", "doc-requests")); got != 1 {
		t.Errorf("delivered = %v, want 1", got)
	}
	if got := counterValue(t, m.OutboundFailed.WithLabelValues("acme", "doc-requests")); got != 0 {
		t.Errorf("failed = %v, want 0", got)
	}

	bad := Job{Partner: "acme", Name: "odd", Kind: "carrier-pigeon"}
	if _, err := f.runner.Run(context.Background(), bad); err == nil {
		t.Fatal("a job of an unknown kind ran")
	}
	if got := counterValue(t, m.OutboundFailed.WithLabelValues("acme", "odd")); got != 1 {
		t.Errorf("failed = %v, want 1", got)
	}
}
