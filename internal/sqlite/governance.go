package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/clearway/clearway/internal/governance"
	"github.com/clearway/clearway/internal/notify"
)

// ReviewPartnerErrorRate is the review a partner's error rate above the
// governance threshold opens (PRODUCT.md §11.4).
const ReviewPartnerErrorRate = "partner_error_rate"

// PartnerErrorCounts counts, per partner, the files received in [from, to)
// (duplicates left out), those rejected, and those done whose lines sit on
// shipments with an error finding now (a file's lines are those it wrote
// last: lineage names the last writer). Status messages and milestones do
// not count: a broker's status file says what happened to the entry, not
// what is wrong with the shipment's data, which is a supplier's or the
// ERP's to fix.
func (db *DB) PartnerErrorCounts(ctx context.Context, from, to time.Time) ([]governance.Counts, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT f.partner, COUNT(*), SUM(CASE WHEN f.state = 'rejected' THEN 1 ELSE 0 END),
		SUM(CASE WHEN f.state = 'done' AND EXISTS (SELECT 1 FROM facts x JOIN shipments s ON s.id = x.shipment_id
			WHERE x.file_id = f.id AND x.kind NOT IN ('status_event', 'milestone')
			AND `+db.findingsHaveErrors("s.findings")+`) THEN 1 ELSE 0 END)
		FROM files f WHERE f.received_at >= ? AND f.received_at < ? AND f.state != 'duplicate'
		GROUP BY f.partner ORDER BY f.partner`, formatTime(from), formatTime(to))
	if err != nil {
		return nil, fmt.Errorf("partner error counts: %w", err)
	}
	defer rows.Close()
	var out []governance.Counts
	for rows.Next() {
		var c governance.Counts
		if err := rows.Scan(&c.Partner, &c.Received, &c.Rejected, &c.WithErrors); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// GovernanceCheck is what one check counted and opened.
type GovernanceCheck struct {
	From, To time.Time
	Counts   []governance.Counts // per partner, over [From, To]
	Opened   []governance.Breach // the breaches a review was opened for
}

// CheckGovernance counts each partner's files over the trailing window and
// opens a partner_error_rate review for each partner whose error rate is
// above the threshold, due within the policy's review time — once per
// breach: not while a review of that partner opened within the window
// exists.
func (db *DB) CheckGovernance(ctx context.Context, p governance.Policy) (*GovernanceCheck, error) {
	now := db.Now().UTC()
	check := &GovernanceCheck{From: now.Add(-p.Window), To: now}
	counts, err := db.PartnerErrorCounts(ctx, check.From, now.Add(time.Nanosecond))
	if err != nil {
		return nil, err
	}
	check.Counts = counts
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for _, b := range p.Breaches(counts, now) {
		subject := "governance:" + b.Partner
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM reviews WHERE kind = ? AND subject = ? AND created_at >= ?`,
			ReviewPartnerErrorRate, subject, formatTime(b.From)).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			continue
		}
		detail, _ := json.Marshal(map[string]any{"partner": b.Partner, "received": b.Received, "rejected": b.Rejected, "with_errors": b.WithErrors,
			"rate_pct": b.RatePct, "threshold_pct": p.ThresholdPct, "from": b.From, "to": b.To, "due_at": b.Due})
		res, err := tx.ExecContext(ctx, `INSERT INTO reviews (kind, summary, detail, created_at, subject, due_at) VALUES (?, ?, ?, ?, ?, ?)`,
			ReviewPartnerErrorRate, b.Summary(p.ThresholdPct), string(detail), formatTime(now), subject, formatTime(b.Due))
		if err != nil {
			return nil, fmt.Errorf("open governance review for %s: %w", b.Partner, err)
		}
		id, _ := res.LastInsertId()
		if err := auditTx(ctx, tx, formatTime(now), "system", "review", id, "create", nil, detail); err != nil {
			return nil, err
		}
		if err := db.raiseBreach(ctx, tx, formatTime(now), id, b, p); err != nil {
			return nil, err
		}
		check.Opened = append(check.Opened, b)
	}
	return check, tx.Commit()
}

// raiseBreach raises partner_error_rate and the review_opened of its
// review.
func (db *DB) raiseBreach(ctx context.Context, tx q, now string, review int64, b governance.Breach, p governance.Policy) error {
	rate := b.RatePct
	summary := b.Summary(p.ThresholdPct)
	ev := notify.Event{Key: fmt.Sprintf("partner_error_rate:%d", review), Type: notify.EventPartnerErrorRate, At: b.To, Sender: b.Partner,
		ReviewKind: ReviewPartnerErrorRate, ReviewID: review, Amount: &rate, Summary: summary}
	if err := db.raise(ctx, tx, now, ev, 0); err != nil {
		return err
	}
	return db.raiseReview(ctx, tx, now, review, ReviewPartnerErrorRate, 0, b.Partner, summary)
}
