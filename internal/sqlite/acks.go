package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/clearway/clearway/internal/clearway"
)

// AckQueue takes the acknowledgements a file's outcome calls for, inside
// the transaction that settles the file (see migration 011).
type AckQueue interface {
	// NextControlNumbers reserves n control numbers of kind ("isa", "gs")
	// for partner and returns the first.
	NextControlNumbers(partner, kind string, n int) (int64, error)
	// QueueAck queues an acknowledgement for the partner's outbox.
	QueueAck(partner, name string, body []byte) error
}

// PendingAck is an acknowledgement waiting for delivery.
type PendingAck struct {
	ID      int64
	FileID  int64
	Partner string
	Name    string
	Body    []byte
}

// AckFilter selects queued acknowledgements; a zero field matches all.
type AckFilter struct {
	Partner      string
	FileID       int64
	QueuedBefore time.Time
}

// ackTx is an AckQueue on one transaction, for one file.
type ackTx struct {
	ctx    context.Context
	tx     q
	fileID int64
	now    string
	ready  func() error // frees the transaction's connection (an ingest's open COPY); nil: free
}

func (a *ackTx) NextControlNumbers(partner, kind string, n int) (int64, error) {
	if err := a.free(); err != nil {
		return 0, err
	}
	return nextControlNumbers(a.ctx, a.tx, partner, kind, n)
}

func (a *ackTx) free() error {
	if a.ready == nil {
		return nil
	}
	return a.ready()
}

func (a *ackTx) QueueAck(partner, name string, body []byte) error {
	if err := a.free(); err != nil {
		return err
	}
	if _, err := a.tx.ExecContext(a.ctx, `INSERT INTO acks_pending (file_id, partner, name, body, created_at) VALUES (?, ?, ?, ?, ?)`,
		a.fileID, partner, name, body, a.now); err != nil {
		return fmt.Errorf("queue ack %s: %w", name, err)
	}
	return nil
}

// Acks is the queue for this file's acknowledgements, in its transaction.
func (in *Ingest) Acks() AckQueue {
	return &ackTx{ctx: in.ctx, tx: in.tx, fileID: in.file.ID, now: in.now, ready: in.endStream}
}

// RejectFile settles a file as rejected with errText and, in the same
// transaction, queues the acknowledgements acks decides (nil: none).
func (db *DB) RejectFile(ctx context.Context, id int64, errText string, acks func(AckQueue) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("reject file %d: %w", id, err)
	}
	defer tx.Rollback()
	if err := db.setFileState(ctx, tx, id, clearway.FileRejected, errText); err != nil {
		return err
	}
	if acks != nil {
		if err := acks(&ackTx{ctx: ctx, tx: tx, fileID: id, now: db.now()}); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("reject file %d: %w", id, err)
	}
	return nil
}

// PendingAcks returns the acknowledgements waiting for delivery that f
// selects, oldest first.
func (db *DB) PendingAcks(ctx context.Context, f AckFilter) ([]PendingAck, error) {
	before := ""
	if !f.QueuedBefore.IsZero() {
		before = formatTime(f.QueuedBefore)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT id, file_id, partner, name, body FROM acks_pending
		WHERE (?1 = '' OR partner = ?1) AND (?2 = 0 OR file_id = ?2) AND (?3 = '' OR created_at < ?3)
		ORDER BY id`, f.Partner, f.FileID, before)
	if err != nil {
		return nil, fmt.Errorf("pending acks: %w", err)
	}
	defer rows.Close()
	var out []PendingAck
	for rows.Next() {
		var a PendingAck
		if err := rows.Scan(&a.ID, &a.FileID, &a.Partner, &a.Name, &a.Body); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AckDelivered removes a delivered acknowledgement from the queue.
func (db *DB) AckDelivered(ctx context.Context, id int64) error {
	if _, err := db.db.ExecContext(ctx, `DELETE FROM acks_pending WHERE id = ?`, id); err != nil {
		return fmt.Errorf("ack %d delivered: %w", id, err)
	}
	return nil
}
