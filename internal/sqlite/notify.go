package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/clearway/clearway/internal/notify"
)

// raise writes the notifications event ev calls for to the outbox, in the
// transaction tx that records the event itself: committed together or not
// at all. An event no rule concerns costs no query.
func (db *DB) raise(ctx context.Context, tx q, now string, ev notify.Event, shipmentID int64) error {
	p := db.Planner
	if p == nil || !p.Concerns(ev) {
		return nil
	}
	users, err := notifyUsers(ctx, tx)
	if err != nil {
		return err
	}
	if shipmentID != 0 && ev.Parties == nil {
		if ev.Parties, err = shipmentParties(ctx, tx, shipmentID, p.PartnerRoles); err != nil {
			return err
		}
	}
	return insertDeliveries(ctx, tx, now, ev, shipmentID, p.Plan(ev, users))
}

// insertDeliveries writes planned deliveries; one already written for the
// same event, channel and recipient stays as it is.
func insertDeliveries(ctx context.Context, tx q, now string, ev notify.Event, shipmentID int64, ds []notify.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	for _, d := range ds {
		state, delivered := "pending", any(nil)
		if d.Channel == notify.ChannelInbox {
			state, delivered = "delivered", now // in the inbox as soon as committed
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (event_key, event, rule, channel, recipient, shipment_id, subject, body, digest,
			state, next_at, created_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (event_key, channel, recipient) DO NOTHING`,
			ev.Key, ev.Type, d.Rule, d.Channel, d.Recipient, nullID(shipmentID), notify.Subject(ev), string(body), d.Digest,
			state, now, now, delivered); err != nil {
			return fmt.Errorf("notify %s of %s: %w", d.Recipient, ev.Key, err)
		}
	}
	return nil
}

// notifyUsers lists the enabled users.
func notifyUsers(ctx context.Context, tx q) ([]notify.User, error) {
	rows, err := tx.QueryContext(ctx, `SELECT login, role, partner, email, digest FROM users WHERE disabled = 0 ORDER BY login`)
	if err != nil {
		return nil, fmt.Errorf("notify: users: %w", err)
	}
	defer rows.Close()
	var out []notify.User
	for rows.Next() {
		var u notify.User
		if err := rows.Scan(&u.Login, &u.Role, &u.Partner, &u.Email, &u.Digest); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// shipmentParties maps the partners party to a shipment to their roles.
func shipmentParties(ctx context.Context, tx q, id int64, roles map[string]string) (map[string]string, error) {
	partners, err := queryColumn[string](ctx, tx, `SELECT partner FROM parties WHERE shipment_id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("notify: parties of %s: %w", ShipmentRef(id), err)
	}
	out := make(map[string]string, len(partners))
	for _, p := range partners {
		out[p] = roles[p]
		if out[p] == "" {
			out[p] = "unknown"
		}
	}
	return out, nil
}

// raiseFileRejected raises file_rejected for file id: its partner's users
// learn which file and why.
func (db *DB) raiseFileRejected(ctx context.Context, tx q, id int64, errText string) error {
	var partner, name string
	if err := tx.QueryRowContext(ctx, `SELECT partner, name FROM files WHERE id = ?`, id).Scan(&partner, &name); err != nil {
		return fmt.Errorf("notify file %d rejected: %w", id, err)
	}
	why, _, _ := strings.Cut(strings.TrimSpace(errText), "\n")
	now := db.now()
	at, _ := parseTime(now)
	return db.raise(ctx, tx, now, notify.Event{Key: fmt.Sprintf("file_rejected:%d", id), Type: notify.EventFileRejected, At: at,
		Sender: partner, Summary: fmt.Sprintf("%s's file %s was rejected: %s", partner, name, why),
		FileID: id, Detail: []string{"The file is kept in the partner's /errors with a report; send a corrected file to replace it."}}, 0)
}

// firstLine is the first line of s, cut to max runes.
func firstLine(s string, max int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}

// raiseReview raises review_opened for review id, opened by sender's file
// or message ("" for Clearway's own checks).
func (db *DB) raiseReview(ctx context.Context, tx q, now string, id int64, kind string, shipment int64, sender, summary string) error {
	at, _ := parseTime(now)
	ev := notify.Event{Key: fmt.Sprintf("review:%d", id), Type: notify.EventReviewOpened, At: at, Sender: sender,
		ReviewKind: kind, ReviewID: id, Summary: fmt.Sprintf("review #%d (%s): %s", id, kind, firstLine(summary, 200))}
	if shipment != 0 {
		ev.Shipment = ShipmentRef(shipment)
	}
	return db.raise(ctx, tx, now, ev, shipment)
}

// filePartner is the partner that sent file id ("" for none).
func filePartner(ctx context.Context, tx q, id int64) (string, error) {
	if id == 0 {
		return "", nil
	}
	var p string
	err := tx.QueryRowContext(ctx, `SELECT partner FROM files WHERE id = ?`, id).Scan(&p)
	return p, err
}
