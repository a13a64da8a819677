package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/clearway/clearway/internal/clearway"
)

// RemotePullState is where a file taken from a partner's server stands.
type RemotePullState string

// Remote pull states.
const (
	// RemotePullTaking: downloaded and being handed to the intake.
	RemotePullTaking RemotePullState = "taking"
	// RemotePullAccepted: journaled; the server copy is still to be deleted
	// or moved.
	RemotePullAccepted RemotePullState = "accepted"
	// RemotePullDone: journaled, and deleted or moved on the server.
	RemotePullDone RemotePullState = "done"
	// RemotePullFailed: the intake refused it; it stays on the server.
	RemotePullFailed RemotePullState = "failed"
)

// RemotePull is the ledger entry of one file claimed on a partner's server.
// Partner, RemotePath, Size, ModTime and SHA256 are its key.
type RemotePull struct {
	ID         int64
	Partner    string
	RemotePath string
	// Name is the partner-relative name the file is journaled under.
	Name     string
	Size     int64
	ModTime  time.Time
	SHA256   string
	State    RemotePullState
	FileID   int64 // the journal entry, once accepted
	Attempts int   // intake refusals so far
	Error    string
	// CreatedAt and UpdatedAt are set by the store.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// BeginRemotePull records that the file keyed by p is being handed to the
// intake: a new entry, or an existing one (a failed attempt) moved back to
// taking. It sets p's ID, State and times, and notes how far the journal
// goes so that FindRemotePull can settle the entry after a crash.
func (db *DB) BeginRemotePull(ctx context.Context, p *RemotePull) error {
	if p.Partner == "" || p.RemotePath == "" || p.Name == "" || len(p.SHA256) != 64 {
		return clearway.Errorf(clearway.EINVALID, "remote pull: partner, remote path, name and sha256 are required")
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin remote pull %s %s: %w", p.Partner, p.RemotePath, err)
	}
	defer tx.Rollback()
	var mark int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM files`).Scan(&mark); err != nil {
		return fmt.Errorf("begin remote pull %s %s: %w", p.Partner, p.RemotePath, err)
	}
	nowTime := db.Now()
	now := formatTime(nowTime)
	var created string
	err = tx.QueryRowContext(ctx, `
		INSERT INTO remote_pulls (partner, remote_path, name, size, mtime, sha256, state, journal_mark, attempts, error, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 'taking', ?, ?, ?, ?, ?)
		ON CONFLICT (partner, remote_path, size, mtime, sha256) DO UPDATE
			SET state = 'taking', name = excluded.name, journal_mark = excluded.journal_mark, updated_at = excluded.updated_at
			WHERE remote_pulls.state IN ('taking', 'failed')
		RETURNING id, attempts, error, created_at`,
		p.Partner, p.RemotePath, p.Name, p.Size, formatTime(p.ModTime), p.SHA256, mark, p.Attempts, p.Error, now, now,
	).Scan(&p.ID, &p.Attempts, &p.Error, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return clearway.Errorf(clearway.ECONFLICT, "remote file %s of %s is already journaled", p.RemotePath, p.Partner)
	}
	if err != nil {
		return fmt.Errorf("begin remote pull %s %s: %w", p.Partner, p.RemotePath, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("begin remote pull %s %s: %w", p.Partner, p.RemotePath, err)
	}
	p.State, p.UpdatedAt = RemotePullTaking, nowTime.UTC()
	if p.CreatedAt, err = parseTime(created); err != nil {
		return err
	}
	return nil
}

// FindRemotePull returns the ledger entry for a file's key, or an ENOTFOUND
// error. An entry left taking by a crash whose file the intake did journal
// is settled to accepted first, so the file is never journaled twice.
func (db *DB) FindRemotePull(ctx context.Context, partner, remotePath string, size int64, mtime time.Time, sha256 string) (*RemotePull, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("find remote pull %s %s: %w", partner, remotePath, err)
	}
	defer tx.Rollback()
	var p RemotePull
	var mark int64
	var fileID sql.NullInt64
	var state, mt, created, updated string
	err = tx.QueryRowContext(ctx, `
		SELECT id, partner, remote_path, name, size, mtime, sha256, state, file_id, journal_mark, attempts, error, created_at, updated_at
		FROM remote_pulls WHERE partner = ? AND remote_path = ? AND size = ? AND mtime = ? AND sha256 = ?`,
		partner, remotePath, size, formatTime(mtime), sha256,
	).Scan(&p.ID, &p.Partner, &p.RemotePath, &p.Name, &p.Size, &mt, &p.SHA256, &state, &fileID, &mark, &p.Attempts, &p.Error, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clearway.Errorf(clearway.ENOTFOUND, "remote file %s of %s not in the ledger", remotePath, partner)
	}
	if err != nil {
		return nil, fmt.Errorf("find remote pull %s %s: %w", partner, remotePath, err)
	}
	p.State, p.FileID = RemotePullState(state), fileID.Int64
	if p.ModTime, err = parseTime(mt); err != nil {
		return nil, err
	}
	if p.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if p.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	if p.State != RemotePullTaking {
		return &p, nil
	}

	var journaled int64
	err = tx.QueryRowContext(ctx, `
		SELECT id FROM files WHERE partner = ? AND channel = 'remote' AND name = ? AND sha256 = ? AND id > ?
		ORDER BY id LIMIT 1`, p.Partner, p.Name, p.SHA256, mark).Scan(&journaled)
	if errors.Is(err, sql.ErrNoRows) {
		return &p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find remote pull %s %s: journal: %w", partner, remotePath, err)
	}
	now := db.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE remote_pulls SET state = 'accepted', file_id = ?, updated_at = ? WHERE id = ?`,
		journaled, formatTime(now), p.ID); err != nil {
		return nil, fmt.Errorf("settle remote pull %d: %w", p.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("settle remote pull %d: %w", p.ID, err)
	}
	p.State, p.FileID, p.UpdatedAt = RemotePullAccepted, journaled, now.UTC()
	return &p, nil
}

// UpdateRemotePull saves p's State, FileID, Attempts and Error.
func (db *DB) UpdateRemotePull(ctx context.Context, p *RemotePull) error {
	switch p.State {
	case RemotePullTaking, RemotePullAccepted, RemotePullDone, RemotePullFailed:
	default:
		return clearway.Errorf(clearway.EINVALID, "unknown remote pull state %q", p.State)
	}
	now := db.Now()
	var fileID any
	if p.FileID != 0 {
		fileID = p.FileID
	}
	res, err := db.db.ExecContext(ctx, `UPDATE remote_pulls SET state = ?, file_id = ?, attempts = ?, error = ?, updated_at = ? WHERE id = ?`,
		string(p.State), fileID, p.Attempts, p.Error, formatTime(now), p.ID)
	if err != nil {
		return fmt.Errorf("update remote pull %d: %w", p.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update remote pull %d: %w", p.ID, err)
	} else if n == 0 {
		return clearway.Errorf(clearway.ENOTFOUND, "remote pull %d not found", p.ID)
	}
	p.UpdatedAt = now.UTC()
	return nil
}

// RemotePushState is where a delivery to a partner's server stands.
type RemotePushState string

// Remote push states.
const (
	// RemotePushSending: the upload under a temp name began.
	RemotePushSending RemotePushState = "sending"
	// RemotePushUploaded: the temp file is complete; only the rename into
	// the final name may be missing.
	RemotePushUploaded RemotePushState = "uploaded"
	// RemotePushSent: delivered under its final name.
	RemotePushSent RemotePushState = "sent"
)

// RemotePush is the ledger entry of one delivery. Partner, RemotePath and
// SHA256 are its key: the same bytes under the same name are sent once.
type RemotePush struct {
	ID         int64
	Partner    string
	RemotePath string
	Size       int64
	SHA256     string
	State      RemotePushState
	Attempts   int // failed attempts so far
	Error      string
	// CreatedAt and UpdatedAt are set by the store.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CreateRemotePush records a delivery about to start, in state sending, and
// sets p's ID, State and times. An existing entry for the key is ECONFLICT.
func (db *DB) CreateRemotePush(ctx context.Context, p *RemotePush) error {
	if p.Partner == "" || p.RemotePath == "" || len(p.SHA256) != 64 {
		return clearway.Errorf(clearway.EINVALID, "remote push: partner, remote path and sha256 are required")
	}
	now := db.Now()
	res, err := db.db.ExecContext(ctx, `
		INSERT INTO remote_pushes (partner, remote_path, size, sha256, state, attempts, error, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'sending', ?, ?, ?, ?)
		ON CONFLICT (partner, remote_path, sha256) DO NOTHING`,
		p.Partner, p.RemotePath, p.Size, p.SHA256, p.Attempts, p.Error, formatTime(now), formatTime(now))
	if err != nil {
		return fmt.Errorf("create remote push %s %s: %w", p.Partner, p.RemotePath, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("create remote push %s %s: %w", p.Partner, p.RemotePath, err)
	} else if n == 0 {
		return clearway.Errorf(clearway.ECONFLICT, "delivery of %s to %s is already recorded", p.RemotePath, p.Partner)
	}
	if p.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create remote push %s %s: %w", p.Partner, p.RemotePath, err)
	}
	p.State, p.CreatedAt, p.UpdatedAt = RemotePushSending, now.UTC(), now.UTC()
	return nil
}

// FindRemotePush returns the ledger entry of a delivery, or an ENOTFOUND
// error.
func (db *DB) FindRemotePush(ctx context.Context, partner, remotePath, sha256 string) (*RemotePush, error) {
	var p RemotePush
	var state, created, updated string
	err := db.db.QueryRowContext(ctx, `
		SELECT id, partner, remote_path, size, sha256, state, attempts, error, created_at, updated_at
		FROM remote_pushes WHERE partner = ? AND remote_path = ? AND sha256 = ?`, partner, remotePath, sha256,
	).Scan(&p.ID, &p.Partner, &p.RemotePath, &p.Size, &p.SHA256, &state, &p.Attempts, &p.Error, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clearway.Errorf(clearway.ENOTFOUND, "delivery of %s to %s not in the ledger", remotePath, partner)
	}
	if err != nil {
		return nil, fmt.Errorf("find remote push %s %s: %w", partner, remotePath, err)
	}
	p.State = RemotePushState(state)
	if p.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if p.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &p, nil
}

// UpdateRemotePush saves p's State, Attempts and Error.
func (db *DB) UpdateRemotePush(ctx context.Context, p *RemotePush) error {
	switch p.State {
	case RemotePushSending, RemotePushUploaded, RemotePushSent:
	default:
		return clearway.Errorf(clearway.EINVALID, "unknown remote push state %q", p.State)
	}
	now := db.Now()
	res, err := db.db.ExecContext(ctx, `UPDATE remote_pushes SET state = ?, attempts = ?, error = ?, updated_at = ? WHERE id = ?`,
		string(p.State), p.Attempts, p.Error, formatTime(now), p.ID)
	if err != nil {
		return fmt.Errorf("update remote push %d: %w", p.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update remote push %d: %w", p.ID, err)
	} else if n == 0 {
		return clearway.Errorf(clearway.ENOTFOUND, "remote push %d not found", p.ID)
	}
	p.UpdatedAt = now.UTC()
	return nil
}
