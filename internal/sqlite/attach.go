package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/lifecycle"
)

// Attachment is a file a person attached to a review decision: its bytes
// are in the archive under SHA256.
type Attachment struct {
	ID        int64     `json:"id,omitempty"`
	ReviewID  int64     `json:"review_id,omitempty"`
	Name      string    `json:"name"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	AddedBy   string    `json:"added_by,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// addAttachments records a decision's attachments.
func (a *assessment) addAttachments(review int64, by string, atts []Attachment) error {
	for _, at := range atts {
		if at.SHA256 == "" || at.Name == "" {
			return clearway.Errorf(clearway.EINVALID, "attachment %q has no name or checksum", at.Name)
		}
		if _, err := a.tx.ExecContext(a.ctx, `INSERT INTO review_attachments (review_id, name, size, sha256, added_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			review, at.Name, at.Size, at.SHA256, by, a.now); err != nil {
			return fmt.Errorf("attach %s to review %d: %w", at.Name, review, err)
		}
	}
	return nil
}

// ShipmentAttachments returns the files attached to the shipment's review
// decisions, oldest first (the audit packet lists them).
func (db *DB) ShipmentAttachments(ctx context.Context, ref string) ([]Attachment, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT a.id, a.review_id, a.name, a.size, a.sha256, a.added_by, a.created_at
		FROM review_attachments a JOIN reviews r ON r.id = a.review_id JOIN shipments s ON s.id = r.shipment_id
		WHERE s.ref = ? ORDER BY a.id`, ref)
	if err != nil {
		return nil, fmt.Errorf("attachments of %s: %w", ref, err)
	}
	defer rows.Close()
	out := []Attachment{}
	for rows.Next() {
		var at Attachment
		var created string
		if err := rows.Scan(&at.ID, &at.ReviewID, &at.Name, &at.Size, &at.SHA256, &at.AddedBy, &created); err != nil {
			return nil, err
		}
		if at.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, at)
	}
	return out, rows.Err()
}

// ManualState is a state a person records by hand (`shipment set-state`).
type ManualState struct {
	State, Reason, By, Note string
	// EntryNumber picks one entry of a split shipment; "" for the only one.
	EntryNumber string
	// At is when it happened (the phone call); zero means now.
	At time.Time
	// Resolves are open status reviews of the shipment (an unmapped code,
	// a hold after release, a revoked release) this state settles: they
	// are closed with it.
	Resolves    []int64
	ReasonCodes []string
}

// SetState records a manual state event on the shipment's timeline: it is
// evidence like a broker's message, replayed with them in event-time order
// (DOMAIN.md §4.7), so later messages still apply on top.
func (db *DB) SetState(ctx context.Context, ref string, m ManualState) (*Shipment, error) {
	state := lifecycle.State(strings.ToUpper(strings.TrimSpace(m.State)))
	if !state.Valid() || slices.Contains([]lifecycle.State{lifecycle.Planned, lifecycle.PreAlerted, lifecycle.DocsIncomplete, lifecycle.FileReady}, state) {
		return nil, clearway.Errorf(clearway.EINVALID, "state %q cannot be set by hand: give one of SUBMITTED, REJECTED, ACCEPTED, ON_HOLD, EXAM, RELEASED, SUMMARY_FILED, FINALIZED, CLOSED, REFUSED, SEIZED, GENERAL_ORDER, CANCELLED (readiness comes from the checks)", m.State)
	}
	if !slices.Contains(m.ReasonCodes, m.Reason) {
		return nil, clearway.Errorf(clearway.EINVALID, "reason code %q is not one of the configured review.reason_codes: %s", m.Reason, strings.Join(m.ReasonCodes, ", "))
	}
	if strings.TrimSpace(m.By) == "" {
		return nil, clearway.Errorf(clearway.EINVALID, "a manual state needs the name of who records it (--by)")
	}
	sid, err := db.shipmentID(ctx, ref)
	if err != nil {
		return nil, err
	}
	at := m.At
	if at.IsZero() {
		at = db.Now()
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	a, err := db.newAssessment(ctx, tx, db.now(), "user:"+m.By, 0)
	if err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO manual_events (shipment_id, at, state, entry_number, reason, note, by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		sid, at.UTC().Format(time.RFC3339), string(state), m.EntryNumber, m.Reason, m.Note, m.By)
	if err != nil {
		return nil, fmt.Errorf("set state of %s: %w", ShipmentRef(sid), err)
	}
	id, _ := res.LastInsertId()
	after, _ := json.Marshal(map[string]string{"shipment": ShipmentRef(sid), "state": string(state), "entry_number": m.EntryNumber, "reason": m.Reason, "note": m.Note})
	if err := a.audit("manual_event", id, "create", nil, after); err != nil {
		return nil, err
	}
	for _, rid := range m.Resolves {
		if err := a.resolveByHand(sid, rid, string(state), m); err != nil {
			return nil, err
		}
	}
	if err := a.assess([]int64{sid}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("set state of %s: %w", ShipmentRef(sid), err)
	}
	return db.loadShipment(ctx, sid)
}

// statusReviewKinds are the reviews a status message opens.
var statusReviewKinds = []string{lifecycle.ReviewUnmappedStatus, lifecycle.ReviewReleaseRevoked, lifecycle.ReviewFinding,
	lifecycle.ReviewDiscrepancy, lifecycle.ReviewGOWarning}

// resolveByHand closes an open status review of the shipment as settled by
// a manual state.
func (a *assessment) resolveByHand(shipment, review int64, state string, m ManualState) error {
	var kind, subject, status string
	var of int64
	err := a.tx.QueryRowContext(a.ctx, `SELECT kind, subject, status, COALESCE(shipment_id, 0) FROM reviews WHERE id = ?`, review).Scan(&kind, &subject, &status, &of)
	if err != nil || of != shipment {
		return clearway.Errorf(clearway.ENOTFOUND, "no review %d on this shipment", review)
	}
	if status != ReviewOpen || !slices.Contains(statusReviewKinds, kind) || !strings.HasPrefix(subject, "status:") {
		return clearway.Errorf(clearway.EINVALID, "review %d is a %s %s review: a manual state settles only open status reviews (unmapped_status, release_revoked, HOLD_AFTER_RELEASE …)", review, status, kind)
	}
	note := fmt.Sprintf("settled by the manual state %s: %s", state, m.Note)
	if _, err := a.tx.ExecContext(a.ctx, `UPDATE reviews SET status = 'approved', decision = 'manual_state', decided_at = ?, decided_by = ?, reason = ?, note = ? WHERE id = ?`,
		a.now, m.By, m.Reason, note, review); err != nil {
		return fmt.Errorf("settle review %d: %w", review, err)
	}
	after, _ := json.Marshal(map[string]string{"status": ReviewApproved, "decision": "manual_state", "state": state, "reason": m.Reason, "by": m.By})
	return a.audit("review", review, "decide", []byte(`{"status":"open"}`), after)
}
