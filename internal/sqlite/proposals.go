package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/clearway/clearway/internal/clearway"
)

// MappingProposal is a mapping version proposed for a name, and what
// became of it.
type MappingProposal struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	File         string    `json:"file"`
	BaseHash     string    `json:"base_hash"` // the version it edits; "" for a new mapping
	Hash         string    `json:"hash"`
	Status       string    `json:"status"` // submitted, approved, rejected, withdrawn
	Note         string    `json:"note"`
	ProposedBy   string    `json:"proposed_by"` // a login
	ProposedAt   time.Time `json:"proposed_at"`
	DecidedBy    string    `json:"decided_by,omitempty"`
	DecidedAt    time.Time `json:"decided_at,omitzero"`
	DecisionNote string    `json:"decision_note,omitempty"`
	// Trial is the dry run shown when it was submitted (JSON), "" if none.
	Trial   string `json:"trial,omitempty"`
	Content []byte `json:"-"`
}

// Proposal statuses.
const (
	ProposalSubmitted = "submitted"
	ProposalApproved  = "approved"
	ProposalRejected  = "rejected"
	ProposalWithdrawn = "withdrawn"
)

// ProposeMapping keeps the proposed version's content and records the
// proposal as submitted; it returns its id.
func (db *DB) ProposeMapping(ctx context.Context, p MappingProposal) (int64, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := db.now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO mapping_versions (hash, name, content, first_seen) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
		p.Hash, p.Name, string(p.Content), now); err != nil {
		return 0, fmt.Errorf("propose %s: %w", p.Name, err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO mapping_proposals (name, file, base_hash, hash, status, note, proposed_by, proposed_at, trial) VALUES (?, ?, ?, ?, 'submitted', ?, ?, ?, ?)`,
		p.Name, p.File, p.BaseHash, p.Hash, p.Note, p.ProposedBy, now, p.Trial)
	if err != nil {
		return 0, fmt.Errorf("propose %s: %w", p.Name, err)
	}
	id, _ := res.LastInsertId()
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, entity, entity_id, action, before, after) VALUES (?, ?, 'mapping_proposal', ?, 'propose', NULL, ?)`,
		now, "user:"+p.ProposedBy, id, fmt.Sprintf(`{"name":%q,"hash":%q,"base_hash":%q}`, p.Name, p.Hash, p.BaseHash)); err != nil {
		return 0, fmt.Errorf("propose %s: %w", p.Name, err)
	}
	return id, tx.Commit()
}

// DecideProposal settles a submitted proposal (approved, rejected or
// withdrawn). A proposal decided meanwhile is a conflict.
func (db *DB) DecideProposal(ctx context.Context, id int64, status, by, note string) error {
	now := db.now()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE mapping_proposals SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? WHERE id = ? AND status = 'submitted'`,
		status, by, now, note, id)
	if err != nil {
		return fmt.Errorf("decide proposal %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		cur, err := db.MappingProposal(ctx, id)
		if err != nil {
			return err
		}
		return clearway.Errorf(clearway.ECONFLICT, "proposal %d was already %s by %s", id, cur.Status, cur.DecidedBy)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, entity, entity_id, action, before, after) VALUES (?, ?, 'mapping_proposal', ?, ?, NULL, ?)`,
		now, "user:"+by, id, status, fmt.Sprintf(`{"note":%q}`, note)); err != nil {
		return fmt.Errorf("decide proposal %d: %w", id, err)
	}
	return tx.Commit()
}

const proposalColumns = `p.id, p.name, p.file, p.base_hash, p.hash, p.status, p.note, p.proposed_by, p.proposed_at, p.decided_by, p.decided_at, p.decision_note, p.trial, v.content`

func scanProposal(row scanner) (*MappingProposal, error) {
	var p MappingProposal
	var proposed, decided, content string
	err := row.Scan(&p.ID, &p.Name, &p.File, &p.BaseHash, &p.Hash, &p.Status, &p.Note, &p.ProposedBy, &proposed, &p.DecidedBy, &decided, &p.DecisionNote, &p.Trial, &content)
	if err != nil {
		return nil, err
	}
	p.ProposedAt, p.DecidedAt, p.Content = optTime(proposed), optTime(decided), []byte(content)
	return &p, nil
}

// MappingProposal returns one proposal with its content.
func (db *DB) MappingProposal(ctx context.Context, id int64) (*MappingProposal, error) {
	p, err := scanProposal(db.db.QueryRowContext(ctx, `SELECT `+proposalColumns+` FROM mapping_proposals p JOIN mapping_versions v ON v.hash = p.hash WHERE p.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clearway.Errorf(clearway.ENOTFOUND, "no mapping proposal %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("mapping proposal %d: %w", id, err)
	}
	return p, nil
}

// MappingProposals lists proposals, newest first: of one mapping when
// name is set, of one status when status is set.
func (db *DB) MappingProposals(ctx context.Context, name, status string) ([]*MappingProposal, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+proposalColumns+` FROM mapping_proposals p JOIN mapping_versions v ON v.hash = p.hash
		WHERE (?1 = '' OR p.name = ?1) AND (?2 = '' OR p.status = ?2) ORDER BY p.id DESC`, name, status)
	if err != nil {
		return nil, fmt.Errorf("mapping proposals: %w", err)
	}
	defer rows.Close()
	var out []*MappingProposal
	for rows.Next() {
		p, err := scanProposal(rows)
		if err != nil {
			return nil, fmt.Errorf("mapping proposals: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ActiveMappingHash is the hash of a mapping's last activation ("" when
// it never was active).
func (db *DB) ActiveMappingHash(ctx context.Context, name string) (string, error) {
	return activeHash(ctx, db.db, name)
}

func activeHash(ctx context.Context, tx q, name string) (string, error) {
	var h string
	err := tx.QueryRowContext(ctx, `SELECT hash FROM mapping_activations WHERE name = ? ORDER BY id DESC LIMIT 1`, name).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return h, err
}

// ReopenProposal puts an approved proposal back to submitted: its file
// could not be written, so it never went live.
func (db *DB) ReopenProposal(ctx context.Context, id int64, why string) error {
	_, err := db.db.ExecContext(ctx, `UPDATE mapping_proposals SET status = 'submitted', decided_by = '', decided_at = '', decision_note = ? WHERE id = ? AND status = 'approved'`, why, id)
	return err
}
