package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/notify"
)

// Notification is one row of the outbox.
type Notification struct {
	ID          int64      `json:"id"`
	EventKey    string     `json:"event_key"`
	Event       string     `json:"event"`
	Rule        string     `json:"rule"`
	Channel     string     `json:"channel"`
	Recipient   string     `json:"recipient"`
	Address     string     `json:"address,omitempty"` // the email address a user: recipient's mail goes to
	Shipment    string     `json:"shipment,omitempty"`
	Subject     string     `json:"subject"`
	Body        string     `json:"-"` // the event as JSON
	Digest      bool       `json:"digest"`
	State       string     `json:"state"`
	Attempts    int        `json:"attempts"`
	NextAt      time.Time  `json:"next_at"`
	LastError   string     `json:"last_error,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	AckedAt     *time.Time `json:"acked_at,omitempty"`
	Escalated   int        `json:"escalated"`
	// AttemptLog lists every attempt (notify list --json, and the page).
	AttemptLog []Attempt `json:"attempt_log,omitempty"`
}

// Attempt is one delivery attempt.
type Attempt struct {
	At    time.Time `json:"at"`
	Error string    `json:"error,omitempty"`
}

const notificationColumns = `n.id, n.event_key, n.event, n.rule, n.channel, n.recipient, COALESCE(u.email, ''), COALESCE(s.ref, ''), n.subject, n.body,
	n.digest, n.state, n.attempts, n.next_at, n.last_error, n.created_at, n.delivered_at, n.acked_at, n.escalated
	FROM notifications n LEFT JOIN shipments s ON s.id = n.shipment_id
	LEFT JOIN users u ON n.recipient = 'user:' || u.login`

func scanNotification(row scanner) (*Notification, error) {
	var n Notification
	var next, created string
	var delivered, acked sql.NullString
	if err := row.Scan(&n.ID, &n.EventKey, &n.Event, &n.Rule, &n.Channel, &n.Recipient, &n.Address, &n.Shipment, &n.Subject, &n.Body,
		&n.Digest, &n.State, &n.Attempts, &next, &n.LastError, &created, &delivered, &acked, &n.Escalated); err != nil {
		return nil, err
	}
	n.NextAt, n.CreatedAt = optTime(next), optTime(created)
	if delivered.Valid {
		t := optTime(delivered.String)
		n.DeliveredAt = &t
	}
	if acked.Valid {
		t := optTime(acked.String)
		n.AckedAt = &t
	}
	if n.Channel == notify.ChannelEmail && strings.HasPrefix(n.Recipient, "email:") {
		n.Address = strings.TrimPrefix(n.Recipient, "email:")
	}
	return &n, nil
}

func (db *DB) queryNotifications(ctx context.Context, where string, args ...any) ([]*Notification, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+notificationColumns+` WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	defer rows.Close()
	var out []*Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// NotificationFilter selects notifications for notify list.
type NotificationFilter struct {
	State   string // pending, delivered, failed, or "" for all
	Channel string
	Limit   int // default 200
}

// ListNotifications lists notifications, newest first, with their attempts.
func (db *DB) ListNotifications(ctx context.Context, f NotificationFilter) ([]*Notification, error) {
	if f.Limit <= 0 {
		f.Limit = 200
	}
	ns, err := db.queryNotifications(ctx, `(? = '' OR n.state = ?) AND (? = '' OR n.channel = ?) ORDER BY n.id DESC LIMIT ?`,
		f.State, f.State, f.Channel, f.Channel, f.Limit)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		if n.AttemptLog, err = db.attempts(ctx, n.ID); err != nil {
			return nil, err
		}
	}
	return ns, nil
}

func (db *DB) attempts(ctx context.Context, id int64) ([]Attempt, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT at, error FROM notification_attempts WHERE notification_id = ? ORDER BY at`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		var at string
		if err := rows.Scan(&at, &a.Error); err != nil {
			return nil, err
		}
		a.At = optTime(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// DueNotifications returns the mails and webhooks due for an attempt at
// now (not digests), oldest first.
func (db *DB) DueNotifications(ctx context.Context, now time.Time, limit int) ([]*Notification, error) {
	return db.queryNotifications(ctx, `n.state = 'pending' AND n.channel != 'inbox' AND n.digest = 0 AND n.next_at <= ? ORDER BY n.next_at, n.id LIMIT ?`,
		formatTime(now), limit)
}

// DueDigests returns the pending digest mails, by recipient then age.
func (db *DB) DueDigests(ctx context.Context) ([]*Notification, error) {
	return db.queryNotifications(ctx, `n.state = 'pending' AND n.channel = 'email' AND n.digest = 1 ORDER BY n.recipient, n.id`)
}

// NotificationDelivered records a successful attempt of each notification.
func (db *DB) NotificationDelivered(ctx context.Context, ids ...int64) error {
	return db.recordAttempts(ctx, ids, "", "delivered", time.Time{})
}

// NotificationFailed records a failed attempt: the notification waits until
// next for another, or, when final, is marked failed for an admin to see.
func (db *DB) NotificationFailed(ctx context.Context, id int64, errText string, next time.Time, final bool) error {
	state := "pending"
	if final {
		state = "failed"
	}
	if errText == "" {
		errText = "failed"
	}
	return db.recordAttempts(ctx, []int64{id}, errText, state, next)
}

func (db *DB) recordAttempts(ctx context.Context, ids []int64, errText, state string, next time.Time) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := db.now()
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_attempts (notification_id, at, error) VALUES (?, ?, ?)`, id, now, errText); err != nil {
			return fmt.Errorf("notification %d: %w", id, err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET attempts = attempts + 1, state = ?, last_error = ?,
			next_at = CASE WHEN ? = '' THEN next_at ELSE ? END, delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END
			WHERE id = ? AND state = 'pending'`, state, errText, formatOpt(next), formatOpt(next), state, now, id)
		if err != nil {
			return fmt.Errorf("notification %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return clearway.Errorf(clearway.ECONFLICT, "notification %d is not pending", id)
		}
	}
	return tx.Commit()
}

// RetryNotification puts a failed (or pending) notification back in line
// for an attempt now.
func (db *DB) RetryNotification(ctx context.Context, id int64, by string) error {
	res, err := db.db.ExecContext(ctx, `UPDATE notifications SET state = 'pending', next_at = ? WHERE id = ? AND channel != 'inbox' AND state != 'delivered'`,
		db.now(), id)
	if err != nil {
		return fmt.Errorf("retry notification %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return clearway.Errorf(clearway.ENOTFOUND, "no undelivered mail or webhook notification %d", id)
	}
	return auditIn(ctx, db.db, db.now(), by, 0, "notification", id, "retry", nil, nil)
}

func formatOpt(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}
