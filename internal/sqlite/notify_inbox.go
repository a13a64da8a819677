package sqlite

import (
	"context"
	"fmt"

	"github.com/clearway/clearway/internal/clearway"
)

// Inbox lists the scope's user's in-app notifications, newest first
// (unacknowledged only with unread), at most limit.
func (v *View) Inbox(ctx context.Context, unread bool, limit int) ([]*Notification, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return v.db.queryNotifications(ctx, `n.channel = 'inbox' AND n.recipient = ? AND (? = 0 OR n.acked_at IS NULL) ORDER BY n.id DESC LIMIT ?`,
		"user:"+v.scope.Login, unread, limit)
}

// UnreadCount is how many of the user's notifications wait for an
// acknowledgement (the page header's count).
func (v *View) UnreadCount(ctx context.Context) (int, error) {
	var n int
	err := v.db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE channel = 'inbox' AND recipient = ? AND acked_at IS NULL`,
		"user:"+v.scope.Login).Scan(&n)
	return n, err
}

// Ack acknowledges one of the user's notifications; someone else's is not
// found. Acknowledging twice is harmless.
func (v *View) Ack(ctx context.Context, id int64) (*Notification, error) {
	res, err := v.db.db.ExecContext(ctx, `UPDATE notifications SET acked_at = COALESCE(acked_at, ?) WHERE id = ? AND channel = 'inbox' AND recipient = ?`,
		v.db.now(), id, "user:"+v.scope.Login)
	if err != nil {
		return nil, fmt.Errorf("acknowledge notification %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, clearway.Errorf(clearway.ENOTFOUND, "notification %d not found", id)
	}
	ns, err := v.db.queryNotifications(ctx, `n.id = ?`, id)
	if err != nil || len(ns) == 0 {
		return nil, err
	}
	return ns[0], nil
}

// AckAll acknowledges every notification of the user and says how many.
func (v *View) AckAll(ctx context.Context) (int, error) {
	res, err := v.db.db.ExecContext(ctx, `UPDATE notifications SET acked_at = ? WHERE channel = 'inbox' AND recipient = ? AND acked_at IS NULL`,
		v.db.now(), "user:"+v.scope.Login)
	if err != nil {
		return 0, fmt.Errorf("acknowledge notifications: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
