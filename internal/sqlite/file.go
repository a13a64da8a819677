package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/clearway/clearway/internal/clearway"
)

// CreateFile journals a file that a channel accepted completely. It sets the
// file's ID, state (received, unless the caller journals it processing)
// and times. Its bytes must already be archived.
func (db *DB) CreateFile(ctx context.Context, f *clearway.File) error {
	if f.Partner == "" || f.Name == "" || len(f.SHA256) != 64 {
		return clearway.Errorf(clearway.EINVALID, "journal file: partner, name and sha256 are required")
	}
	now := db.Now()
	// A file is journaled received, for the pipeline to claim; a caller
	// that applies it itself journals it already processing, so the
	// pipeline never takes it.
	if f.State != clearway.FileProcessing {
		f.State = clearway.FileReceived
	}
	f.ReceivedAt, f.UpdatedAt = now.UTC(), now.UTC()
	res, err := db.db.ExecContext(ctx, `
		INSERT INTO files (partner, channel, name, size, sha256, state, error, received_at, updated_at, "user")
		VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?)`,
		f.Partner, string(f.Channel), f.Name, f.Size, f.SHA256, string(f.State), formatTime(now), formatTime(now), f.User)
	if err != nil {
		return fmt.Errorf("journal file %s/%s: %w", f.Partner, f.Name, err)
	}
	if f.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("journal file %s/%s: %w", f.Partner, f.Name, err)
	}
	return nil
}

// FindFileByID returns one journal entry.
func (db *DB) FindFileByID(ctx context.Context, id int64) (*clearway.File, error) {
	files, err := db.FindFiles(ctx, clearway.FileFilter{ID: id})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, clearway.Errorf(clearway.ENOTFOUND, "file %d not found", id)
	}
	return files[0], nil
}

// FindFiles returns the journal entries matching the filter, oldest first.
func (db *DB) FindFiles(ctx context.Context, q clearway.FileFilter) ([]*clearway.File, error) {
	var where []string
	var args []any
	if q.ID != 0 {
		where, args = append(where, "id = ?"), append(args, q.ID)
	}
	if q.Partner != "" {
		where, args = append(where, "partner = ?"), append(args, q.Partner)
	}
	if q.State != "" {
		where, args = append(where, "state = ?"), append(args, string(q.State))
	}
	sqlText := `SELECT ` + fileColumns + ` FROM files`
	if len(where) > 0 {
		sqlText += " WHERE " + strings.Join(where, " AND ")
	}
	sqlText += " ORDER BY id"
	if q.Newest {
		sqlText += " DESC"
	}
	if q.Limit > 0 {
		sqlText += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	rows, err := db.db.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("find files: %w", err)
	}
	defer rows.Close()
	var files []*clearway.File
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find files: %w", err)
	}
	return files, nil
}

// UpdateFileState moves a journal entry to a new state, recording errText
// (empty when the file is fine).
func (db *DB) UpdateFileState(ctx context.Context, id int64, state clearway.FileState, errText string) error {
	if !state.Valid() {
		return clearway.Errorf(clearway.EINVALID, "unknown file state %q", state)
	}
	if state != clearway.FileRejected {
		return db.setFileState(ctx, db.db, id, state, errText)
	}
	// A rejection notifies in the same transaction.
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := db.setFileState(ctx, tx, id, state, errText); err != nil {
		return err
	}
	return tx.Commit()
}

// setFileState is UpdateFileState on a given connection or transaction.
func (db *DB) setFileState(ctx context.Context, tx q, id int64, state clearway.FileState, errText string) error {
	res, err := tx.ExecContext(ctx, `UPDATE files SET state = ?, error = ?, updated_at = ? WHERE id = ?`,
		string(state), errText, db.now(), id)
	if err != nil {
		return fmt.Errorf("update file %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update file %d: %w", id, err)
	} else if n == 0 {
		return clearway.Errorf(clearway.ENOTFOUND, "file %d not found", id)
	}
	if state == clearway.FileRejected {
		return db.raiseFileRejected(ctx, tx, id, errText)
	}
	return nil
}

type scanner interface{ Scan(...any) error }

func scanFile(row scanner, extra ...any) (*clearway.File, error) {
	var f clearway.File
	var channel, state, received, updated string
	dest := append([]any{&f.ID, &f.Partner, &channel, &f.Name, &f.Size, &f.SHA256, &state, &f.Error, &received, &updated, &f.User}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, clearway.Errorf(clearway.ENOTFOUND, "file not found")
		}
		return nil, fmt.Errorf("scan file: %w", err)
	}
	f.Channel, f.State = clearway.Channel(channel), clearway.FileState(state)
	var err error
	if f.ReceivedAt, err = parseTime(received); err != nil {
		return nil, err
	}
	if f.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &f, nil
}

const fileColumns = `id, partner, channel, name, size, sha256, state, error, received_at, updated_at, "user"` // "user": a reserved word in PostgreSQL

// ClaimNextFile moves the oldest received file to processing and returns it
// (nil when none waits). The UPDATE is atomic: two processes never claim the
// same file. On PostgreSQL a file another node is claiming is skipped, not
// waited for (FOR UPDATE SKIP LOCKED): each node takes the next one.
func (db *DB) ClaimNextFile(ctx context.Context) (*clearway.File, error) {
	lock := ""
	if db.postgres() {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	row := db.db.QueryRowContext(ctx, `UPDATE files SET state = 'processing', updated_at = ?, claimed_by = ?
		WHERE id = (SELECT id FROM files WHERE state = 'received' ORDER BY id LIMIT 1`+lock+`) AND state = 'received'
		RETURNING `+fileColumns, db.now(), db.Node)
	f, err := scanFile(row)
	if clearway.ErrorCode(err) == clearway.ENOTFOUND {
		return nil, nil
	}
	return f, err
}

// ClaimFile moves one received file to processing; false when another
// process already took it.
func (db *DB) ClaimFile(ctx context.Context, id int64) (bool, error) {
	res, err := db.db.ExecContext(ctx, `UPDATE files SET state = 'processing', updated_at = ?, claimed_by = ? WHERE id = ? AND state = 'received'`, db.now(), db.Node, id)
	if err != nil {
		return false, fmt.Errorf("claim file %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RequeueProcessing puts files a crash left in processing back to received:
// their writes were never committed, so they are simply done again. live
// names the nodes of a cluster still at work, whose files stay theirs;
// nil takes back every file (a lone daemon starting).
func (db *DB) RequeueProcessing(ctx context.Context, live []string) (int64, error) {
	list, _ := json.Marshal(live)
	if live == nil {
		list = []byte("[]")
	}
	res, err := db.db.ExecContext(ctx, `UPDATE files SET state = 'received', updated_at = ?, claimed_by = ''
		WHERE state = 'processing' AND claimed_by NOT IN (`+db.jsonTexts("?")+`)`, db.now(), string(list))
	if err != nil {
		return 0, fmt.Errorf("requeue files: %w", err)
	}
	return res.RowsAffected()
}

// DuplicateOf returns the id of an earlier file of the same partner with the
// same bytes that was already applied (0 when there is none).
func (db *DB) DuplicateOf(ctx context.Context, f *clearway.File) (int64, error) {
	var id int64
	err := db.db.QueryRowContext(ctx, `SELECT id FROM files WHERE partner = ? AND sha256 = ? AND state = 'done' AND id <> ? ORDER BY id LIMIT 1`,
		f.Partner, f.SHA256, f.ID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("duplicate check of file %d: %w", f.ID, err)
	}
	return id, nil
}

// maxControl is the largest X12 control number (nine digits).
const maxControl = 999_999_999

// NextControlNumbers reserves n consecutive X12 control numbers of a kind
// ("isa", "gs") for a partner and returns the first: persistent and
// increasing, wrapping to 1 after 999999999.
func (db *DB) NextControlNumbers(ctx context.Context, partner, kind string, n int) (int64, error) {
	return nextControlNumbers(ctx, db.db, partner, kind, n)
}

func nextControlNumbers(ctx context.Context, db q, partner, kind string, n int) (int64, error) {
	if n < 1 {
		n = 1
	}
	var last int64
	err := db.QueryRowContext(ctx, `INSERT INTO control_numbers (partner, kind, last) VALUES (?, ?, ?)
		ON CONFLICT (partner, kind) DO UPDATE SET last = CASE WHEN control_numbers.last + ? > ? THEN ? ELSE control_numbers.last + ? END
		RETURNING last`, partner, kind, n, n, maxControl, n, n).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("control number %s/%s: %w", partner, kind, err)
	}
	return last - int64(n) + 1, nil
}

// FailAttempt records an internal failure processing a file: back to
// received for another try, or, at the max-th failure, rejected with the
// error. It reports whether the file was set aside.
func (db *DB) FailAttempt(ctx context.Context, id int64, errText string, max int) (bool, error) {
	var state string
	err := db.db.QueryRowContext(ctx, `UPDATE files SET attempts = attempts + 1,
		state = CASE WHEN attempts + 1 >= ? THEN 'rejected' ELSE 'received' END,
		error = CASE WHEN attempts + 1 >= ? THEN ? ELSE error END, updated_at = ?
		WHERE id = ? AND (? = '' OR claimed_by = ?) RETURNING state`, max, max, errText, db.now(), id, db.Node, db.Node).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // another node took the file back meanwhile: it is that node's now
	}
	if err != nil {
		return false, fmt.Errorf("record failure of file %d: %w", id, err)
	}
	return state == string(clearway.FileRejected), nil
}
