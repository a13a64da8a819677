package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/clearway"
)

// Review is one item of the human review queue (`review list`).
type Review struct {
	ID        int64           `json:"id"`
	Kind      string          `json:"kind"`
	Status    string          `json:"status"`
	Shipment  string          `json:"shipment"`
	Summary   string          `json:"summary"`
	CreatedAt time.Time       `json:"created_at"`
	Detail    json.RawMessage `json:"detail"`
	FileID    int64           `json:"file_id,omitempty"`
	DecidedAt *time.Time      `json:"decided_at,omitempty"`
	Decision  string          `json:"decision,omitempty"`
	// DueAt is when it must be decided by, when a deadline applies.
	DueAt     *time.Time `json:"due_at,omitempty"`
	DecidedBy string     `json:"decided_by,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	Note      string     `json:"note,omitempty"`
	// Escalated is how many steps of notify.escalation it climbed undecided.
	Escalated int `json:"escalated,omitempty"`
}

// Review statuses.
const (
	ReviewOpen     = "open"
	ReviewApproved = "approved"
	ReviewRejected = "rejected"
	// ReviewSuperseded: its cause went away before anyone decided.
	ReviewSuperseded = "superseded"
)

const reviewColumns = `r.id, r.kind, r.status, COALESCE(s.ref, ''), r.summary, r.created_at, r.detail, COALESCE(r.file_id, 0),
	COALESCE(r.decided_at, ''), r.decision, COALESCE(r.decided_by, ''), COALESCE(r.reason, ''), COALESCE(r.note, ''), COALESCE(r.due_at, ''), r.escalated
	FROM reviews r LEFT JOIN shipments s ON s.id = r.shipment_id`

func scanReview(row interface{ Scan(...any) error }) (*Review, error) {
	var r Review
	var created, decided, detail, due string
	if err := row.Scan(&r.ID, &r.Kind, &r.Status, &r.Shipment, &r.Summary, &created, &detail, &r.FileID, &decided, &r.Decision, &r.DecidedBy, &r.Reason, &r.Note, &due, &r.Escalated); err != nil {
		return nil, err
	}
	var err error
	if r.CreatedAt, err = parseTime(created); err != nil {
		return nil, fmt.Errorf("review %d: %w", r.ID, err)
	}
	r.Detail = json.RawMessage(detail)
	if due != "" {
		t, err := parseTime(due)
		if err != nil {
			return nil, fmt.Errorf("review %d: %w", r.ID, err)
		}
		r.DueAt = &t
	}
	if decided != "" {
		t, err := parseTime(decided)
		if err != nil {
			return nil, fmt.Errorf("review %d: %w", r.ID, err)
		}
		r.DecidedAt = &t
	}
	return &r, nil
}

// ListReviews returns the reviews in the given status ("" for all), oldest
// first.
func (db *DB) ListReviews(ctx context.Context, status string) ([]*Review, error) {
	if status == "" {
		return db.queryReviews(ctx, "list reviews", ``)
	}
	return db.queryReviews(ctx, "list reviews", `WHERE r.status = ?`, status)
}

// queryReviews returns the reviews a WHERE clause selects, oldest first.
func (db *DB) queryReviews(ctx context.Context, what, where string, args ...any) ([]*Review, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+reviewColumns+` `+where+` ORDER BY r.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := []*Review{}
	for rows.Next() {
		r, err := scanReview(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Review decisions (PRODUCT.md §11.3 decision values).
const (
	DecisionApprove  = "approve"
	DecisionReject   = "reject"
	DecisionMerge    = "merge"
	DecisionSeparate = "separate"
)

// Decision is a person's verdict on a review.
type Decision struct {
	// Action is approve, reject, merge or separate; empty means approve
	// when Approve is set, else reject.
	Action  string
	Approve bool
	// Reason must be one of ReasonCodes (the config's review.reason_codes).
	Reason, By, Note string
	ReasonCodes      []string
	// Attachments are files the decision rests on, already in the archive.
	Attachments []Attachment
}

// action is the decision's verb.
func (d Decision) action() string {
	switch {
	case d.Action != "":
		return d.Action
	case d.Approve:
		return DecisionApprove
	}
	return DecisionReject
}

// DecideReview decides an open review. Approving a held change applies it
// to its line (refused when the line changed since); rejecting drops it;
// approving a finding review accepts the finding for the data as it
// stands. An identifier_conflict is decided merge (one shipment takes
// everything of the other) or separate (the pair is remembered apart), and
// the record it held is then applied. The decision, what it changed and its
// attachments go to the audit log, and the shipments' checks are re-run,
// in one transaction.
func (db *DB) DecideReview(ctx context.Context, id int64, d Decision) (*Review, error) {
	if !slices.Contains(d.ReasonCodes, d.Reason) {
		return nil, clearway.Errorf(clearway.EINVALID, "reason code %q is not one of the configured review.reason_codes: %s", d.Reason, strings.Join(d.ReasonCodes, ", "))
	}
	if strings.TrimSpace(d.By) == "" {
		return nil, clearway.Errorf(clearway.EINVALID, "a decision needs the name of who takes it (--by)")
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := scanReview(tx.QueryRowContext(ctx, `SELECT `+reviewColumns+` WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clearway.Errorf(clearway.ENOTFOUND, "no review %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read review %d: %w", id, err)
	}
	if r.Status != ReviewOpen {
		return nil, clearway.Errorf(clearway.EINVALID, "review %d is already %s (by %s, %s)", id, r.Status, r.DecidedBy, r.Reason)
	}
	action := d.action()
	if err := checkAction(r, action); err != nil {
		return nil, err
	}
	now := db.now()
	a, err := db.newAssessment(ctx, tx, now, "user:"+d.By, 0)
	if err != nil {
		return nil, err
	}
	shipments, err := db.carryOut(a, r, action)
	if err != nil {
		return nil, err
	}
	status := ReviewRejected
	if action != DecisionReject {
		status = ReviewApproved
	}
	before, _ := json.Marshal(map[string]string{"status": r.Status})
	after, _ := json.Marshal(map[string]any{"status": status, "decision": action, "reason": d.Reason, "by": d.By, "note": d.Note, "attachments": d.Attachments})
	if _, err := tx.ExecContext(ctx, `UPDATE reviews SET status = ?, decision = ?, decided_at = ?, decided_by = ?, reason = ?, note = ? WHERE id = ?`,
		status, action, now, d.By, d.Reason, d.Note, id); err != nil {
		return nil, fmt.Errorf("decide review %d: %w", id, err)
	}
	if err := a.addAttachments(id, d.By, d.Attachments); err != nil {
		return nil, err
	}
	if err := a.audit("review", id, "decide", before, after); err != nil {
		return nil, err
	}
	if err := a.assess(shipments); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("decide review %d: %w", id, err)
	}
	r.Status, r.Decision, r.DecidedBy, r.Reason, r.Note = status, action, d.By, d.Reason, d.Note
	t, _ := parseTime(now)
	r.DecidedAt = &t
	return r, nil
}

// checkAction refuses a decision that does not fit the review's kind.
func checkAction(r *Review, action string) error {
	switch action {
	case DecisionApprove, DecisionReject:
		if r.Kind == ReviewIdentifierConflict && action == DecisionApprove {
			return clearway.Errorf(clearway.EINVALID, "review %d is an identifier_conflict: decide merge (one shipment) or separate (two shipments), not approve", r.ID)
		}
	case DecisionMerge, DecisionSeparate:
		if r.Kind != ReviewIdentifierConflict {
			return clearway.Errorf(clearway.EINVALID, "review %d is a %s: %s applies only to an identifier_conflict; approve or reject it", r.ID, r.Kind, action)
		}
	default:
		return clearway.Errorf(clearway.EINVALID, "decision %q is not one of approve, reject, merge, separate", action)
	}
	return nil
}

// carryOut does what the decision means for the review's kind and returns
// the shipments to re-assess.
func (db *DB) carryOut(a *assessment, r *Review, action string) ([]int64, error) {
	var shipment int64
	if err := a.tx.QueryRowContext(a.ctx, `SELECT COALESCE(shipment_id, 0) FROM reviews WHERE id = ?`, r.ID).Scan(&shipment); err != nil {
		return nil, err
	}
	var shipments []int64
	if shipment != 0 {
		shipments = append(shipments, shipment)
	}
	switch {
	case action == DecisionMerge || action == DecisionSeparate:
		touched, err := db.decideConflict(a, r, action)
		if err != nil {
			return nil, err
		}
		return append(shipments, touched...), nil
	case action == DecisionApprove && (r.Kind == ReviewClassificationChange || r.Kind == ReviewValuationChange || r.Kind == ReviewPreferenceClaim):
		moved, err := a.applyHeld(r)
		if err != nil {
			return nil, err
		}
		if moved != 0 && moved != shipment {
			shipments = append(shipments, moved)
		}
	}
	return shipments, nil
}

// applyHeld applies an approved change to its line, provided the line still
// holds the values the change was proposed against. It returns the line's
// shipment.
func (a *assessment) applyHeld(r *Review) (int64, error) {
	var h heldChange
	if err := json.Unmarshal(r.Detail, &h); err != nil {
		return 0, fmt.Errorf("review %d: held change: %w", r.ID, err)
	}
	var raw string
	var shipment int64
	err := a.tx.QueryRowContext(a.ctx, `SELECT fields, shipment_id FROM facts WHERE id = ?`, h.FactID).Scan(&raw, &shipment)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, clearway.Errorf(clearway.EINVALID, "review %d: %s %s no longer exists; reject the review instead", r.ID, h.Kind, h.Key)
	}
	if err != nil {
		return 0, err
	}
	fields, err := a.layouts.decode(raw)
	if err != nil {
		return 0, fmt.Errorf("fact %d: %w", h.FactID, err)
	}
	before, _ := json.Marshal(fields)
	for name, c := range h.Changes {
		if fields[name] != c.From {
			return 0, clearway.Errorf(clearway.EINVALID, "review %d: %s %s changed since: %s is now %q, the change was from %q; reject this review",
				r.ID, h.Kind, h.Key, name, fields[name], c.From)
		}
		if c.To == "" {
			delete(fields, name)
		} else {
			fields[name] = c.To
		}
	}
	stored, err := a.layouts.encode(h.Kind, fields)
	if err != nil {
		return 0, fmt.Errorf("review %d: %w", r.ID, err)
	}
	updated, _ := json.Marshal(fields)
	// The line's lineage becomes the file that proposed the change; the
	// person who approved it is in the audit log.
	if _, err := a.tx.ExecContext(a.ctx, `UPDATE facts SET fields = ?, file_id = COALESCE(?, file_id) WHERE id = ?`,
		stored, nullID(r.FileID), h.FactID); err != nil {
		return 0, fmt.Errorf("apply review %d: %w", r.ID, err)
	}
	return shipment, a.audit("fact", h.FactID, "update", before, updated)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ShipmentReviews returns every review of the shipment, oldest first.
func (db *DB) ShipmentReviews(ctx context.Context, ref string) ([]*Review, error) {
	return db.queryReviews(ctx, "reviews of "+ref, `WHERE s.ref = ?`, ref)
}

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	ID       int64           `json:"id"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`
	Entity   string          `json:"entity"`
	EntityID int64           `json:"entity_id"`
	Action   string          `json:"action"`
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	FileID   int64           `json:"file_id,omitempty"`
}

// ShipmentAudit returns the audit trail of a shipment: its own changes and
// those of its lines, documents and reviews, and the ingest of every file
// that contributed to it, in order.
func (db *DB) ShipmentAudit(ctx context.Context, ref string) ([]AuditEntry, error) {
	rows, err := db.db.QueryContext(ctx, `WITH s AS (SELECT id FROM shipments WHERE ref = ?)
		SELECT a.id, a.at, a.actor, a.entity, COALESCE(a.entity_id, 0), a.action, COALESCE(a.before, ''), COALESCE(a.after, ''), COALESCE(a.file_id, 0)
		FROM audit_log a WHERE
		   (a.entity = 'shipment' AND a.entity_id IN (SELECT id FROM s))
		OR (a.entity = 'fact' AND a.entity_id IN (SELECT id FROM facts WHERE shipment_id IN (SELECT id FROM s)))
		-- lines a corrected packing list replaced: gone from facts, named by their document
		OR (a.entity = 'fact' AND a.action = 'delete' AND (
			`+db.jsonField("a.before", "invoice_number")+` IN (SELECT value FROM links WHERE kind = 'invoice_number' AND shipment_id IN (SELECT id FROM s))
			OR `+db.jsonField("a.before", "po_number")+` IN (SELECT value FROM links WHERE kind = 'po_number' AND shipment_id IN (SELECT id FROM s))))
		OR (a.entity = 'document' AND a.entity_id IN (SELECT id FROM documents WHERE shipment_id IN (SELECT id FROM s)))
		OR (a.entity = 'review' AND a.entity_id IN (SELECT id FROM reviews WHERE shipment_id IN (SELECT id FROM s)))
		OR (a.entity = 'manual_event' AND a.entity_id IN (SELECT id FROM manual_events WHERE shipment_id IN (SELECT id FROM s)))
		OR (a.entity = 'file' AND a.entity_id IN (
			SELECT file_id FROM facts WHERE shipment_id IN (SELECT id FROM s)
			UNION SELECT file_id FROM documents WHERE shipment_id IN (SELECT id FROM s)))
		ORDER BY a.id`, ref)
	if err != nil {
		return nil, fmt.Errorf("audit trail of %s: %w", ref, err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at, before, after string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Entity, &e.EntityID, &e.Action, &before, &after, &e.FileID); err != nil {
			return nil, err
		}
		var err error
		if e.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("audit entry %d: %w", e.ID, err)
		}
		if before != "" {
			e.Before = json.RawMessage(before)
		}
		if after != "" {
			e.After = json.RawMessage(after)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
