package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/clearway/clearway/internal/notify"
)

// EscalationStep is one step of notify.escalation.
type EscalationStep struct {
	After time.Duration
	To    []notify.Recipient
}

// EscalationRun says what one run of the ladder raised.
type EscalationRun struct {
	Overdue   int `json:"review_overdue"` // reviews that passed their due time
	Escalated int `json:"escalated"`      // notifications and reviews that climbed a step
}

// Escalate raises review_overdue for each open review past its due time
// (once; due: its own, else sla after opening), and climbs the ladder: an
// event none of whose recipients acknowledged it, or a review still
// undecided, step.After after it came, raises an escalation to the step's
// recipients, once per step. All in one transaction.
func (db *DB) Escalate(ctx context.Context, ladder []EscalationStep, sla time.Duration) (EscalationRun, error) {
	var run EscalationRun
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return run, err
	}
	defer tx.Rollback()
	now := db.Now().UTC()
	if run.Overdue, err = db.raiseOverdue(ctx, tx, now, sla); err != nil {
		return run, err
	}
	for i, step := range ladder {
		n, err := db.climbReviews(ctx, tx, now, i, step)
		if err != nil {
			return run, err
		}
		m, err := db.climbNotifications(ctx, tx, now, i, step)
		if err != nil {
			return run, err
		}
		run.Escalated += n + m
	}
	return run, tx.Commit()
}

// pendingReview is an open review the ladder looks at.
type pendingReview struct {
	id, shipment  int64
	kind, summary string
	created       time.Time
	sender        string
}

func undecidedReviews(ctx context.Context, tx q, where string, args ...any) ([]pendingReview, error) {
	rows, err := tx.QueryContext(ctx, `SELECT r.id, COALESCE(r.shipment_id, 0), r.kind, r.summary, r.created_at,
		CASE WHEN r.subject LIKE 'governance:%' THEN substr(r.subject, 12) ELSE COALESCE(f.partner, '') END
		FROM reviews r LEFT JOIN files f ON f.id = r.file_id WHERE r.status = 'open' AND `+where+` ORDER BY r.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("open reviews: %w", err)
	}
	defer rows.Close()
	var out []pendingReview
	for rows.Next() {
		var r pendingReview
		var created string
		if err := rows.Scan(&r.id, &r.shipment, &r.kind, &r.summary, &created, &r.sender); err != nil {
			return nil, err
		}
		r.created = optTime(created)
		out = append(out, r)
	}
	return out, rows.Err()
}

func (db *DB) raiseOverdue(ctx context.Context, tx q, now time.Time, sla time.Duration) (int, error) {
	rs, err := undecidedReviews(ctx, tx, `r.overdue_notified = 0 AND CASE WHEN COALESCE(r.due_at, '') != '' THEN r.due_at < ? ELSE r.created_at < ? END`,
		formatTime(now), formatTime(now.Add(-sla)))
	if err != nil {
		return 0, err
	}
	for _, r := range rs {
		ev := reviewEvent(r, now)
		ev.Key, ev.Type = fmt.Sprintf("review_overdue:%d", r.id), notify.EventReviewOverdue
		ev.Summary = fmt.Sprintf("review #%d (%s) is overdue: %s", r.id, r.kind, firstLine(r.summary, 200))
		if err := db.raise(ctx, tx, formatTime(now), ev, r.shipment); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reviews SET overdue_notified = 1 WHERE id = ?`, r.id); err != nil {
			return 0, err
		}
	}
	return len(rs), nil
}

func reviewEvent(r pendingReview, now time.Time) notify.Event {
	ev := notify.Event{At: now, Sender: r.sender, ReviewKind: r.kind, ReviewID: r.id}
	if r.shipment != 0 {
		ev.Shipment = ShipmentRef(r.shipment)
	}
	return ev
}

// climbReviews escalates the reviews undecided step.After after opening.
func (db *DB) climbReviews(ctx context.Context, tx q, now time.Time, i int, step EscalationStep) (int, error) {
	rs, err := undecidedReviews(ctx, tx, `r.escalated <= ? AND r.created_at <= ?`, i, formatTime(now.Add(-step.After)))
	if err != nil {
		return 0, err
	}
	for _, r := range rs {
		ev := reviewEvent(r, now)
		ev.Key, ev.Type = fmt.Sprintf("escalation:r%d:%d", r.id, i+1), notify.EventEscalation
		ev.Summary = fmt.Sprintf("escalation step %d: review #%d (%s) undecided for %s: %s", i+1, r.id, r.kind, step.After, firstLine(r.summary, 160))
		if err := db.raiseTo(ctx, tx, now, ev, r.shipment, i, step); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reviews SET escalated = ? WHERE id = ?`, i+1, r.id); err != nil {
			return 0, err
		}
	}
	return len(rs), nil
}

// climbNotifications escalates the events none of whose in-app recipients
// acknowledged them step.After after they came. Escalations do not climb,
// nor do the notices of a review: the review climbs itself until decided.
func (db *DB) climbNotifications(ctx context.Context, tx q, now time.Time, i int, step EscalationStep) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT event_key, MIN(subject), COALESCE(MIN(shipment_id), 0) FROM notifications
		WHERE channel = 'inbox' AND event NOT IN ('escalation', 'review_opened', 'review_overdue') GROUP BY event_key
		HAVING COUNT(acked_at) = 0 AND MAX(escalated) <= ? AND MIN(created_at) <= ?`, i, formatTime(now.Add(-step.After)))
	if err != nil {
		return 0, fmt.Errorf("unacknowledged notifications: %w", err)
	}
	type pending struct {
		key, subject string
		shipment     int64
	}
	var ps []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.key, &p.subject, &p.shipment); err != nil {
			rows.Close()
			return 0, err
		}
		ps = append(ps, p)
	}
	rows.Close()
	for _, p := range ps {
		ev := notify.Event{Key: fmt.Sprintf("escalation:n:%s:%d", p.key, i+1), Type: notify.EventEscalation, At: now,
			Summary: fmt.Sprintf("escalation step %d: unacknowledged for %s: %s", i+1, step.After, p.subject)}
		if p.shipment != 0 {
			ev.Shipment = ShipmentRef(p.shipment)
		}
		if err := db.raiseTo(ctx, tx, now, ev, p.shipment, i, step); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET escalated = ? WHERE event_key = ?`, i+1, p.key); err != nil {
			return 0, err
		}
	}
	return len(ps), nil
}

// raiseTo writes an escalation to the step's recipients.
func (db *DB) raiseTo(ctx context.Context, tx q, now time.Time, ev notify.Event, shipment int64, i int, step EscalationStep) error {
	if db.Planner == nil {
		return nil
	}
	users, err := notifyUsers(ctx, tx)
	if err != nil {
		return err
	}
	if shipment != 0 {
		if ev.Parties, err = shipmentParties(ctx, tx, shipment, db.Planner.PartnerRoles); err != nil {
			return err
		}
	}
	ds := db.Planner.Escalate(fmt.Sprintf("escalation:%d", i+1), step.To, ev, users)
	return insertDeliveries(ctx, tx, formatTime(now), ev, shipment, ds)
}

// RaiseDocumentRequests raises documents_requested for each supplier that
// still owes documents (the document-request outbound content), once a
// day: the daily digest lists them. It returns how many suppliers.
func (db *DB) RaiseDocumentRequests(ctx context.Context) (int, error) {
	if db.Planner == nil {
		return 0, nil
	}
	now := db.Now().UTC()
	n := 0
	for _, partner := range slices.Sorted(maps.Keys(db.Planner.PartnerRoles)) {
		if db.Planner.PartnerRoles[partner] != "supplier" {
			continue
		}
		reqs, err := db.DocumentRequests(ctx, partner)
		if err != nil {
			return n, err
		}
		if len(reqs) == 0 {
			continue
		}
		// One event per shipment, so the digest links each to its page.
		var order []string
		byShipment := map[string][]DocumentRequest{}
		for _, r := range reqs {
			if byShipment[r.Shipment] == nil {
				order = append(order, r.Shipment)
			}
			byShipment[r.Shipment] = append(byShipment[r.Shipment], r)
		}
		for _, ref := range order {
			rs := byShipment[ref]
			ev := notify.Event{Key: fmt.Sprintf("documents_requested:%s:%s:%s", partner, ref, now.Format(time.DateOnly)), Type: notify.EventDocumentsRequested,
				At: now, Sender: partner, Shipment: ref,
				Summary: fmt.Sprintf("%s %s: %d document%s still requested of %s", ref, identLine(rs[0].Identifiers), len(rs), plural(len(rs)), partner)}
			for _, r := range rs {
				ev.Detail = append(ev.Detail, r.Message)
			}
			sid, err := db.shipmentID(ctx, ref)
			if err != nil {
				return n, err
			}
			if err := db.inTx(ctx, func(tx *sql.Tx) error { return db.raise(ctx, tx, formatTime(now), ev, sid) }); err != nil {
				return n, err
			}
		}
		n++
	}
	return n, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// identLine names a shipment by its bill of lading or air waybill.
func identLine(ids map[string][]string) string {
	for _, k := range []string{"bill_of_lading", "air_waybill", "house_bill", "entry_number"} {
		if v := ids[k]; len(v) > 0 {
			return "(" + v[0] + ")"
		}
	}
	return ""
}

func (db *DB) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}
