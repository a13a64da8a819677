package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// LoginFailure records a failed login from host at now and returns how
// many failures host has had since since, this one included, on every
// node. Failures older than since are forgotten on the way.
func (db *DB) LoginFailure(ctx context.Context, host string, now, since time.Time) (int, error) {
	var n int
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE host = ? AND at < ?`, host, formatTime(since)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (host, at) VALUES (?, ?)`, host, formatTime(now)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures WHERE host = ?`, host).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("login failure from %s: %w", host, err)
	}
	return n, nil
}

// LoginBan bans host: ban(previous bans) says for how long, from now. The
// host's failures are cleared; it returns the end of the ban.
func (db *DB) LoginBan(ctx context.Context, host string, now time.Time, ban func(previous int) time.Duration) (time.Time, error) {
	var until time.Time
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var previous int
		err := tx.QueryRowContext(ctx, `SELECT bans FROM login_bans WHERE host = ?`, host).Scan(&previous)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		until = now.Add(ban(previous))
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_bans (host, banned_until, bans) VALUES (?, ?, 1)
			ON CONFLICT (host) DO UPDATE SET banned_until = excluded.banned_until, bans = login_bans.bans + 1`, host, formatTime(until)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM login_failures WHERE host = ?`, host)
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("ban %s: %w", host, err)
	}
	return until, nil
}

// LoginBannedUntil is the end of host's ban (zero when never banned).
func (db *DB) LoginBannedUntil(ctx context.Context, host string) (time.Time, error) {
	var until string
	err := db.db.QueryRowContext(ctx, `SELECT banned_until FROM login_bans WHERE host = ?`, host).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("ban of %s: %w", host, err)
	}
	return parseTime(until)
}

// ForgetLoginBans deletes bans that ended before the cutoff (a day after
// its last ban a source starts again from the shortest ban).
func (db *DB) ForgetLoginBans(ctx context.Context, cutoff time.Time) error {
	_, err := db.db.ExecContext(ctx, `DELETE FROM login_bans WHERE banned_until < ?`, formatTime(cutoff))
	return err
}
