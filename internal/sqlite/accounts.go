package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
)

const userColumns = `u.id, u.login, u.name, u.email, u.role, u.partner, u.disabled, u.digest, u.created_at`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (*account.User, error) {
	var u account.User
	var created string
	if err := row.Scan(append([]any{&u.ID, &u.Login, &u.Name, &u.Email, &u.Role, &u.Partner, &u.Disabled, &u.Digest, &created}, extra...)...); err != nil {
		return nil, err
	}
	var err error
	if u.CreatedAt, err = parseTime(created); err != nil {
		return nil, fmt.Errorf("user %s: %w", u.Login, err)
	}
	return &u, nil
}

// CreateUser stores a new user with a bcrypt password hash; by is who
// creates it, for the audit log.
func (db *DB) CreateUser(ctx context.Context, u account.User, passwordHash, by string) (*account.User, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := db.now()
	res, err := tx.ExecContext(ctx, `INSERT INTO users (login, name, email, role, partner, password_hash, created_at, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (login) DO NOTHING`, u.Login, u.Name, u.Email, string(u.Role), u.Partner, passwordHash, now, u.Digest)
	if err != nil {
		return nil, fmt.Errorf("add user %s: %w", u.Login, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, clearway.Errorf(clearway.ECONFLICT, "user %s exists already", u.Login)
	}
	u.ID, _ = res.LastInsertId()
	u.CreatedAt, _ = parseTime(now)
	after, _ := json.Marshal(u)
	if err := auditTx(ctx, tx, now, by, "user", u.ID, "create", nil, after); err != nil {
		return nil, err
	}
	return &u, tx.Commit()
}

// ListUsers returns every user by login.
func (db *DB) ListUsers(ctx context.Context) ([]account.User, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users u ORDER BY u.login`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	out := []account.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// UserByLogin returns a user and its password hash (ENOTFOUND when none).
func (db *DB) UserByLogin(ctx context.Context, login string) (*account.User, string, error) {
	var hash string
	u, err := scanUser(db.db.QueryRowContext(ctx, `SELECT `+userColumns+`, u.password_hash FROM users u WHERE u.login = ?`, login), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", clearway.Errorf(clearway.ENOTFOUND, "no user %s", login)
	}
	if err != nil {
		return nil, "", fmt.Errorf("user %s: %w", login, err)
	}
	return u, hash, nil
}

// SetUserDisabled disables or enables a user; a disabled user's sessions
// end at once and its tokens stop working.
func (db *DB) SetUserDisabled(ctx context.Context, login string, disabled bool, by string) error {
	return db.updateUser(ctx, login, by, map[string]any{"disabled": disabled}, `UPDATE users SET disabled = ? WHERE login = ?`, disabled, login)
}

// SetPassword replaces a user's bcrypt password hash and ends its sessions.
func (db *DB) SetPassword(ctx context.Context, login, passwordHash, by string) error {
	return db.updateUser(ctx, login, by, map[string]any{"password": "changed"}, `UPDATE users SET password_hash = ? WHERE login = ?`, passwordHash, login)
}

// updateUser runs an update of one user, ends its sessions and audits it.
func (db *DB) updateUser(ctx context.Context, login, by string, change map[string]any, query string, args ...any) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("update user %s: %w", login, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return clearway.Errorf(clearway.ENOTFOUND, "no user %s", login)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE login = ?)`, login); err != nil {
		return err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE login = ?`, login).Scan(&id); err != nil {
		return err
	}
	after, _ := json.Marshal(change)
	if err := auditTx(ctx, tx, db.now(), by, "user", id, "update", nil, after); err != nil {
		return err
	}
	return tx.Commit()
}

// CreateToken stores an API token's hash for a user.
func (db *DB) CreateToken(ctx context.Context, login, name, hash, by string) (*account.Token, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var uid int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE login = ?`, login).Scan(&uid); errors.Is(err, sql.ErrNoRows) {
		return nil, clearway.Errorf(clearway.ENOTFOUND, "no user %s", login)
	} else if err != nil {
		return nil, err
	}
	now := db.now()
	res, err := tx.ExecContext(ctx, `INSERT INTO tokens (user_id, name, hash, created_at) VALUES (?, ?, ?, ?)`, uid, name, hash, now)
	if err != nil {
		return nil, fmt.Errorf("create token for %s: %w", login, err)
	}
	t := &account.Token{Login: login, Name: name}
	t.ID, _ = res.LastInsertId()
	t.CreatedAt, _ = parseTime(now)
	after, _ := json.Marshal(t)
	if err := auditTx(ctx, tx, now, by, "token", t.ID, "create", nil, after); err != nil {
		return nil, err
	}
	return t, tx.Commit()
}

// ListTokens returns the live tokens of a user ("" for everyone's).
func (db *DB) ListTokens(ctx context.Context, login string) ([]account.Token, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT t.id, u.login, t.name, t.created_at, COALESCE(t.last_used_at, '') FROM tokens t JOIN users u ON u.id = t.user_id
		WHERE t.revoked_at IS NULL AND (?1 = '' OR u.login = ?1) ORDER BY t.id`, login)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []account.Token{}
	for rows.Next() {
		var t account.Token
		var created, used string
		if err := rows.Scan(&t.ID, &t.Login, &t.Name, &created, &used); err != nil {
			return nil, err
		}
		if t.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		if used != "" {
			u, err := parseTime(used)
			if err != nil {
				return nil, err
			}
			t.LastUsedAt = &u
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken ends a token at once. login, when not "", must own it (a
// user revoking one of its own).
func (db *DB) RevokeToken(ctx context.Context, id int64, login, by string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL
		AND (?3 = '' OR user_id = (SELECT id FROM users WHERE login = ?3))`, db.now(), id, login)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return clearway.Errorf(clearway.ENOTFOUND, "no live token %d", id)
	}
	if err := auditTx(ctx, tx, db.now(), by, "token", id, "revoke", nil, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// UserByToken returns the enabled user a live token belongs to and notes
// its use (ENOTFOUND otherwise).
func (db *DB) UserByToken(ctx context.Context, hash string) (*account.User, error) {
	var tid int64
	u, err := scanUser(db.db.QueryRowContext(ctx, `SELECT `+userColumns+`, t.id FROM tokens t JOIN users u ON u.id = t.user_id
		WHERE t.hash = ? AND t.revoked_at IS NULL AND u.disabled = 0`, hash), &tid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clearway.Errorf(clearway.ENOTFOUND, "no such token")
	}
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	if _, err := db.db.ExecContext(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, db.now(), tid); err != nil {
		return nil, fmt.Errorf("token %d: %w", tid, err)
	}
	return u, nil
}

// CreateSession starts a server-side session for a user (by the hash of
// its id).
func (db *DB) CreateSession(ctx context.Context, login, hash string) error {
	now := db.now()
	res, err := db.db.ExecContext(ctx, `INSERT INTO sessions (hash, user_id, created_at, seen_at) SELECT ?, id, ?, ? FROM users WHERE login = ? AND disabled = 0`,
		hash, now, now, login)
	if err != nil {
		return fmt.Errorf("session for %s: %w", login, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return clearway.Errorf(clearway.ENOTFOUND, "no enabled user %s", login)
	}
	return nil
}

// SessionUser returns the user of a session seen within idle, and marks it
// seen (ENOTFOUND for an unknown, idle or disabled one; an idle one is
// removed).
func (db *DB) SessionUser(ctx context.Context, hash string, idle time.Duration) (*account.User, error) {
	var seen string
	u, err := scanUser(db.db.QueryRowContext(ctx, `SELECT `+userColumns+`, s.seen_at FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.hash = ? AND u.disabled = 0`, hash), &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clearway.Errorf(clearway.ENOTFOUND, "no such session")
	}
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	t, err := parseTime(seen)
	if err != nil {
		return nil, err
	}
	if db.Now().Sub(t) > idle {
		if err := db.DeleteSession(ctx, hash); err != nil {
			return nil, err
		}
		return nil, clearway.Errorf(clearway.ENOTFOUND, "session expired")
	}
	// Seen at most once a minute: a page load does not write each time.
	if db.Now().Sub(t) > time.Minute {
		if _, err := db.db.ExecContext(ctx, `UPDATE sessions SET seen_at = ? WHERE hash = ?`, db.now(), hash); err != nil {
			return nil, fmt.Errorf("session: %w", err)
		}
	}
	return u, nil
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	if _, err := db.db.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// AssignShipment makes a partner party to a shipment (an admin's decision).
func (db *DB) AssignShipment(ctx context.Context, ref, partner, by string) error {
	sid, err := db.shipmentID(ctx, ref)
	if err != nil {
		return err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO parties (shipment_id, partner, why, updated_at, since) SELECT id, ?, 'assigned', updated_at, ? FROM shipments WHERE id = ?
		ON CONFLICT (partner, shipment_id) DO UPDATE SET why = 'assigned'`, partner, db.now(), sid); err != nil {
		return fmt.Errorf("assign %s to %s: %w", ShipmentRef(sid), partner, err)
	}
	after, _ := json.Marshal(map[string]string{"partner": partner})
	if err := auditTx(ctx, tx, db.now(), by, "shipment", sid, "assign", nil, after); err != nil {
		return err
	}
	return tx.Commit()
}

// auditTx writes one audit entry in tx, of no file.
func auditTx(ctx context.Context, tx *sql.Tx, at, actor, entity string, id int64, action string, before, after []byte) error {
	return auditIn(ctx, tx, at, actor, 0, entity, id, action, before, after)
}

// auditIn writes one audit entry in tx: who (actor) did what to which
// entity, before and after as JSON (nil for none), from which file (0 for
// none).
func auditIn(ctx context.Context, tx q, at, actor string, fileID int64, entity string, id int64, action string, before, after []byte) error {
	var b, a any
	if before != nil {
		b = string(before)
	}
	if after != nil {
		a = string(after)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, entity, entity_id, action, before, after, file_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		at, actor, entity, id, action, b, a, nullID(fileID)); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}
