package sqlite

import (
	"context"
	"fmt"
	"time"
)

// OpenReviewCounts counts the open reviews by kind, and those of them
// overdue at now: past their due time (partner_error_rate reviews carry
// one), or opened more than sla ago (the Prometheus scrape's figures; the
// governance dashboard counts alike).
func (db *DB) OpenReviewCounts(ctx context.Context, now time.Time, sla time.Duration) (open, overdue map[string]int, err error) {
	rows, err := db.db.QueryContext(ctx, `SELECT kind, COUNT(*),
		SUM(CASE WHEN COALESCE(due_at, '') != '' AND due_at < ?1 THEN 1 WHEN COALESCE(due_at, '') = '' AND created_at < ?2 THEN 1 ELSE 0 END) FROM reviews
		WHERE status = 'open' GROUP BY kind`, formatTime(now), formatTime(now.Add(-sla)))
	if err != nil {
		return nil, nil, fmt.Errorf("count open reviews: %w", err)
	}
	defer rows.Close()
	open, overdue = map[string]int{}, map[string]int{}
	for rows.Next() {
		var kind string
		var n, late int
		if err := rows.Scan(&kind, &n, &late); err != nil {
			return nil, nil, fmt.Errorf("count open reviews: %w", err)
		}
		open[kind], overdue[kind] = n, late
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("count open reviews: %w", err)
	}
	return open, overdue, nil
}

// ShipmentStateCounts counts the shipments (entries) by lifecycle state.
func (db *DB) ShipmentStateCounts(ctx context.Context) (map[string]int, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM shipments GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count shipments by state: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("count shipments by state: %w", err)
		}
		out[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count shipments by state: %w", err)
	}
	return out, nil
}
