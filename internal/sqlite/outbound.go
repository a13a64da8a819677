package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/clearway/clearway/internal/clearway"
)

// OutboundRun is one file of a scheduled outbound job.
type OutboundRun struct {
	ID          int64      `json:"id"`
	Partner     string     `json:"partner"`
	Job         string     `json:"job"`
	Kind        string     `json:"kind"`
	Seq         int        `json:"seq"`
	Name        string     `json:"name"`
	Spool       string     `json:"-"`
	SHA256      string     `json:"sha256"`
	Size        int64      `json:"size"`
	Items       int        `json:"items"`
	State       string     `json:"state"`
	CreatedAt   time.Time  `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// Outbound run states.
const (
	OutboundPending   = "pending"
	OutboundDelivered = "delivered"
)

// ErrCursorMoved means another run of the same job reserved first; the
// caller computes its content again from the new cursor.
var ErrCursorMoved = errors.New("outbound cursor moved by another run")

// OutboundCursor returns the job's cursor ("" before its first run).
func (db *DB) OutboundCursor(ctx context.Context, partner, job string) (string, error) {
	var c string
	err := db.db.QueryRowContext(ctx, `SELECT cursor FROM outbound_cursors WHERE partner = ? AND job = ?`, partner, job).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return c, err
}

// PacketDelivery records that a run carries a shipment's packet at a version.
type PacketDelivery struct {
	ShipmentID int64
	DataHash   string
}

// Reservation is what ReserveOutbound commits: the run (its Seq and Name
// are filled in), the cursor it moves from and to, and for packets which
// shipment versions it carries.
type Reservation struct {
	Run              *OutboundRun
	From, To         string
	Packets          []PacketDelivery
	NameFor          func(seq int) string
	AdvanceOnlyEmpty bool // no file: only move the cursor
}

// ReserveOutbound moves the job's cursor and records the run as pending in
// one transaction, provided the cursor is still From (else ErrCursorMoved).
// The run's content must already be durable at Run.Spool.
func (db *DB) ReserveOutbound(ctx context.Context, r Reservation) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	run := r.Run
	var cur string
	err = tx.QueryRowContext(ctx, `SELECT cursor FROM outbound_cursors WHERE partner = ? AND job = ?`, run.Partner, run.Job).Scan(&cur)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if cur != r.From {
		return ErrCursorMoved
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbound_cursors (partner, job, cursor) VALUES (?, ?, ?)
		ON CONFLICT (partner, job) DO UPDATE SET cursor = excluded.cursor`, run.Partner, run.Job, r.To); err != nil {
		return fmt.Errorf("move cursor of %s/%s: %w", run.Partner, run.Job, err)
	}
	if !r.AdvanceOnlyEmpty {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM outbound_runs WHERE partner = ? AND job = ?`, run.Partner, run.Job).Scan(&run.Seq); err != nil {
			return err
		}
		run.Name = r.NameFor(run.Seq)
		run.State = OutboundPending
		now := db.now()
		run.CreatedAt, _ = parseTime(now)
		res, err := tx.ExecContext(ctx, `INSERT INTO outbound_runs (partner, job, kind, seq, name, spool, sha256, size, items, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			run.Partner, run.Job, run.Kind, run.Seq, run.Name, run.Spool, run.SHA256, run.Size, run.Items, now)
		if err != nil {
			return fmt.Errorf("reserve %s/%s: %w", run.Partner, run.Job, err)
		}
		run.ID, _ = res.LastInsertId()
		for _, p := range r.Packets {
			if _, err := tx.ExecContext(ctx, `INSERT INTO outbound_packets (partner, job, shipment_id, data_hash, run_id) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (partner, job, shipment_id) DO UPDATE SET data_hash = excluded.data_hash, run_id = excluded.run_id`,
				run.Partner, run.Job, p.ShipmentID, p.DataHash, run.ID); err != nil {
				return fmt.Errorf("reserve %s/%s: %w", run.Partner, run.Job, err)
			}
			// The broker a packet goes to is party to its shipment.
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO parties (shipment_id, partner, why, updated_at, since) SELECT id, ?, 'outbound', updated_at, ? FROM shipments WHERE id = ?`, run.Partner, formatTime(db.Now()), p.ShipmentID); err != nil {
				return fmt.Errorf("reserve %s/%s: %w", run.Partner, run.Job, err)
			}
		}
	}
	return tx.Commit()
}

const outboundColumns = `id, partner, job, kind, seq, name, spool, sha256, size, items, state, created_at, COALESCE(delivered_at, '') FROM outbound_runs`

func scanOutbound(rows *sql.Rows) ([]*OutboundRun, error) {
	defer rows.Close()
	out := []*OutboundRun{}
	for rows.Next() {
		var r OutboundRun
		var created, delivered string
		if err := rows.Scan(&r.ID, &r.Partner, &r.Job, &r.Kind, &r.Seq, &r.Name, &r.Spool, &r.SHA256, &r.Size, &r.Items, &r.State, &created, &delivered); err != nil {
			return nil, err
		}
		var err error
		if r.CreatedAt, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("outbound run %d: %w", r.ID, err)
		}
		if delivered != "" {
			t, err := parseTime(delivered)
			if err != nil {
				return nil, fmt.Errorf("outbound run %d: %w", r.ID, err)
			}
			r.DeliveredAt = &t
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// PendingOutbound returns the job's reserved runs not yet delivered, oldest first.
func (db *DB) PendingOutbound(ctx context.Context, partner, job string) ([]*OutboundRun, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+outboundColumns+` WHERE state = 'pending' AND partner = ? AND job = ? ORDER BY seq`, partner, job)
	if err != nil {
		return nil, err
	}
	return scanOutbound(rows)
}

// ListOutbound returns the outbound runs, of one partner when given, newest first.
func (db *DB) ListOutbound(ctx context.Context, partner string) ([]*OutboundRun, error) {
	q, args := `SELECT `+outboundColumns, []any{}
	if partner != "" {
		q += ` WHERE partner = ?`
		args = append(args, partner)
	}
	rows, err := db.db.QueryContext(ctx, q+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, err
	}
	return scanOutbound(rows)
}

// MarkOutboundDelivered records that the run's file is in the partner's outbox.
func (db *DB) MarkOutboundDelivered(ctx context.Context, id int64) error {
	_, err := db.db.ExecContext(ctx, `UPDATE outbound_runs SET state = 'delivered', delivered_at = ? WHERE id = ? AND state = 'pending'`, db.now(), id)
	return err
}

// StatusChange is an entry state change or a milestone for the status feed.
type StatusChange struct {
	// Type is "state" or "milestone".
	Type        string              `json:"type"`
	Shipment    string              `json:"shipment"`
	Identifiers map[string][]string `json:"identifiers"`
	// Event is the new state, or the milestone's event.
	Event    string `json:"event"`
	Previous string `json:"previous,omitempty"`
	At       string `json:"at"`
	Location string `json:"location,omitempty"`
	// Seq orders the feed: the audit id of a state change, the line id of a
	// milestone.
	Seq int64 `json:"-"`
}

// StateChanges returns entry state changes recorded after audit id after,
// reading at most limit audit rows, and the last audit id it read (a
// change of holds alone is read but not returned).
func (db *DB) StateChanges(ctx context.Context, after int64, limit int) ([]StatusChange, int64, error) {
	last := after
	rows, err := db.db.QueryContext(ctx, `SELECT a.id, a.at, s.ref, s.id, COALESCE(a.before, '{}'), COALESCE(a.after, '{}') FROM audit_log a JOIN shipments s ON s.id = a.entity_id
		WHERE a.entity = 'shipment' AND a.action = 'state' AND a.id > ? ORDER BY a.id LIMIT ?`, after, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("state changes: %w", err)
	}
	defer rows.Close()
	var out []StatusChange
	var ids []int64
	for rows.Next() {
		var c StatusChange
		var at, before, after string
		var id int64
		if err := rows.Scan(&c.Seq, &at, &c.Shipment, &id, &before, &after); err != nil {
			return nil, 0, err
		}
		last = c.Seq
		var b, a struct{ State string }
		if err := errors.Join(json.Unmarshal([]byte(before), &b), json.Unmarshal([]byte(after), &a)); err != nil {
			return nil, 0, fmt.Errorf("audit entry %d: %w", c.Seq, err)
		}
		if a.State == b.State {
			continue // a change of holds only
		}
		t, err := parseTime(at)
		if err != nil {
			return nil, 0, fmt.Errorf("audit entry %d: %w", c.Seq, err)
		}
		c.Type, c.Event, c.Previous, c.At = "state", a.State, b.State, t.UTC().Format(time.RFC3339)
		out, ids = append(out, c), append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	idents, err := db.identifiersOf(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	for i := range out {
		out[i].Identifiers = idents[i]
	}
	return out, last, nil
}

// Milestones returns milestone lines stored after line id after.
func (db *DB) Milestones(ctx context.Context, after int64, limit int) ([]StatusChange, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT f.id, f.fields, s.ref, s.id FROM facts f JOIN shipments s ON s.id = f.shipment_id
		WHERE f.kind = ? AND f.id > ? ORDER BY f.id LIMIT ?`, string(clearway.KindMilestone), after, limit)
	if err != nil {
		return nil, fmt.Errorf("milestones: %w", err)
	}
	defer rows.Close()
	var out []StatusChange
	var ids []int64
	for rows.Next() {
		var c StatusChange
		var raw string
		var id int64
		if err := rows.Scan(&c.Seq, &raw, &c.Shipment, &id); err != nil {
			return nil, err
		}
		f, err := db.layouts.decode(raw)
		if err != nil {
			return nil, fmt.Errorf("milestone %d: %w", c.Seq, err)
		}
		c.Type, c.Event, c.At, c.Location = "milestone", f["event"], f["at"], f["location"]
		out, ids = append(out, c), append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	idents, err := db.identifiersOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Identifiers = idents[i]
	}
	return out, nil
}

// DocumentRequest is a document a supplier owes for a shipment.
type DocumentRequest struct {
	Shipment    string              `json:"shipment"`
	Identifiers map[string][]string `json:"identifiers"`
	Rule        string              `json:"rule"`
	Message     string              `json:"message"`
}

// DocumentRequests returns the missing-document findings of every shipment
// the supplier sent invoice or packing lines or documents for: what it
// owes, by shipment.
func (db *DB) DocumentRequests(ctx context.Context, supplier string) ([]DocumentRequest, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT s.id, s.ref, s.findings FROM shipments s
		WHERE (s.findings LIKE '%"PGA_DOC_MISSING"%' OR s.findings LIKE '%"DOC_REQUIRED_MISSING"%')
		AND (EXISTS (SELECT 1 FROM facts f JOIN files fl ON fl.id = f.file_id WHERE f.shipment_id = s.id AND fl.partner = ?1
				AND f.kind IN ('invoice_line', 'packing_line'))
		  OR EXISTS (SELECT 1 FROM documents d JOIN files fl ON fl.id = d.file_id WHERE d.shipment_id = s.id AND fl.partner = ?1))
		ORDER BY s.id`, supplier)
	if err != nil {
		return nil, fmt.Errorf("document requests for %s: %w", supplier, err)
	}
	defer rows.Close()
	var out []DocumentRequest
	var ids []int64
	for rows.Next() {
		var id int64
		var ref, raw string
		if err := rows.Scan(&id, &ref, &raw); err != nil {
			return nil, err
		}
		var findings []struct{ Rule, Message string }
		if err := json.Unmarshal([]byte(raw), &findings); err != nil {
			return nil, fmt.Errorf("shipment %s: stored findings: %w", ref, err)
		}
		for _, f := range findings {
			if f.Rule == "DOC_REQUIRED_MISSING" || f.Rule == "PGA_DOC_MISSING" {
				out, ids = append(out, DocumentRequest{Shipment: ref, Rule: f.Rule, Message: f.Message}), append(ids, id)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	idents, err := db.identifiersOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Identifiers = idents[i]
	}
	return out, nil
}

// PacketDue is a shipment whose packet a broker job should send.
type PacketDue struct {
	ShipmentID int64
	Ref        string
	DataHash   string
	Amendment  bool
}

// PacketsDue returns the shipments whose packet the job has not sent in
// their current version: FILE_READY ones never sent, and those sent before
// whose content changed since and still have no error finding. Shipments
// whose `broker` field names another partner are left out.
func (db *DB) PacketsDue(ctx context.Context, partner, job string) ([]PacketDue, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT s.id, s.ref, s.data_hash, p.data_hash IS NOT NULL
		FROM shipments s LEFT JOIN outbound_packets p ON p.shipment_id = s.id AND p.partner = ?1 AND p.job = ?2
		WHERE s.ready_once = 1 AND s.data_hash != ''
		  AND COALESCE(`+db.jsonField("s.fields", "broker")+`, ?1) = ?1
		  AND ((p.data_hash IS NULL AND s.ready = 1)
		    OR (p.data_hash != s.data_hash AND s.findings NOT LIKE '%"severity":"error"%'))
		ORDER BY s.id`, partner, job)
	if err != nil {
		return nil, fmt.Errorf("packets due for %s: %w", partner, err)
	}
	defer rows.Close()
	var out []PacketDue
	for rows.Next() {
		var p PacketDue
		if err := rows.Scan(&p.ShipmentID, &p.Ref, &p.DataHash, &p.Amendment); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// identifiersOf returns the identifiers of each shipment id, in order.
func (db *DB) identifiersOf(ctx context.Context, shipments []int64) ([]map[string][]string, error) {
	out := make([]map[string][]string, len(shipments))
	for i, id := range shipments {
		ids, err := db.identifiers(ctx, id)
		if err != nil {
			return nil, err
		}
		out[i] = ids
	}
	return out, nil
}
