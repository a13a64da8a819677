package metrics

import (
	"context"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Store is what the scrape-time figures are read from; *sqlite.DB
// implements it.
type Store interface {
	// OpenReviewCounts counts open reviews by kind, and those of them
	// overdue at now: past their own due time, or without one opened more
	// than sla ago.
	OpenReviewCounts(ctx context.Context, now time.Time, sla time.Duration) (open, overdue map[string]int, err error)
	// ShipmentStateCounts counts shipments (entries) by lifecycle state.
	ShipmentStateCounts(ctx context.Context) (map[string]int, error)
}

// DefaultOverdueAfter is how long a review may stay open before it counts
// as overdue (the governance resolution SLA's default).
const DefaultOverdueAfter = 24 * time.Hour

// StoreCollector reports figures read from the store on each scrape:
// clearway_reviews_open{kind}, clearway_reviews_overdue{kind} and
// clearway_entries{state}. A store that fails makes the scrape report the
// error for these series; the others are still served.
type StoreCollector struct {
	Store Store
	// OverdueAfter is how long an open review may wait before it counts as
	// overdue; DefaultOverdueAfter when zero.
	OverdueAfter time.Duration
	// Timeout bounds the store's queries of one scrape; 5s when zero.
	Timeout time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

var (
	reviewsOpenDesc = prometheus.NewDesc(Namespace+"_reviews_open",
		"Reviews open now, by kind.", []string{"kind"}, nil)
	reviewsOverdueDesc = prometheus.NewDesc(Namespace+"_reviews_overdue",
		"Reviews open longer than the resolution SLA, by kind.", []string{"kind"}, nil)
	entriesDesc = prometheus.NewDesc(Namespace+"_entries",
		"Entries (shipments) by lifecycle state.", []string{"state"}, nil)
)

// Describe implements prometheus.Collector.
func (c *StoreCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- reviewsOpenDesc
	ch <- reviewsOverdueDesc
	ch <- entriesDesc
}

// Collect implements prometheus.Collector: it queries the store.
func (c *StoreCollector) Collect(ch chan<- prometheus.Metric) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	after := c.OverdueAfter
	if after <= 0 {
		after = DefaultOverdueAfter
	}
	open, overdue, err := c.Store.OpenReviewCounts(ctx, now(), after)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(reviewsOpenDesc, err)
	} else {
		gauges(ch, reviewsOpenDesc, open)
		gauges(ch, reviewsOverdueDesc, overdue)
	}
	states, err := c.Store.ShipmentStateCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(entriesDesc, err)
		return
	}
	gauges(ch, entriesDesc, states)
}

// gauges sends one gauge per label value, in order.
func gauges(ch chan<- prometheus.Metric, desc *prometheus.Desc, counts map[string]int) {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(counts[k]), k)
	}
}
