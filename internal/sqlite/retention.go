package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/lifecycle"
	"github.com/clearway/clearway/internal/retention"
)

// LegalHold is a shipment's active legal hold: while it lasts, nothing of
// the shipment is purged, whatever its age.
type LegalHold struct {
	Reason string    `json:"reason"`
	SetBy  string    `json:"set_by"` // as the audit log names people: user:<login>, os:<name>
	SetAt  time.Time `json:"set_at"`
}

// SetLegalHold puts the shipment ref names (its ref or any identifier)
// under legal hold. by is who, as the audit log names people (user:<login>,
// os:<name>); the reason is required. A shipment already on hold is a
// conflict: clear the hold first to restate it. It returns the shipment's
// ref.
func (db *DB) SetLegalHold(ctx context.Context, ref, by, reason string) (string, error) {
	return db.changeLegalHold(ctx, ref, by, reason, true)
}

// ClearLegalHold ends the shipment's legal hold, keeping it in the history
// with who cleared it, when and why. A shipment not on hold is a conflict.
// It returns the shipment's ref.
func (db *DB) ClearLegalHold(ctx context.Context, ref, by, reason string) (string, error) {
	return db.changeLegalHold(ctx, ref, by, reason, false)
}

func (db *DB) changeLegalHold(ctx context.Context, ref, by, reason string, hold bool) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", clearway.Errorf(clearway.EINVALID, "give the reason (the matter or the request behind the legal hold)")
	}
	if by == "" {
		return "", clearway.Errorf(clearway.EINVALID, "say who sets or clears the legal hold")
	}
	sid, err := db.shipmentID(ctx, ref)
	if err != nil {
		return "", err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	current, held, err := legalHold(ctx, tx, sid)
	if err != nil {
		return "", err
	}
	now, shipment := db.now(), ShipmentRef(sid)
	switch {
	case hold && held:
		return "", clearway.Errorf(clearway.ECONFLICT, "%s is already under legal hold since %s (%s: %s); clear it first to restate it",
			shipment, retention.Day(current.SetAt), current.SetBy, current.Reason)
	case !hold && !held:
		return "", clearway.Errorf(clearway.ECONFLICT, "%s is not under legal hold", shipment)
	case hold:
		_, err = tx.ExecContext(ctx, `INSERT INTO legal_holds (shipment_id, reason, set_by, set_at) VALUES (?, ?, ?, ?)`, sid, reason, by, now)
	default:
		_, err = tx.ExecContext(ctx, `UPDATE legal_holds SET cleared_by = ?, cleared_at = ?, clear_reason = ? WHERE shipment_id = ? AND cleared_at IS NULL`,
			by, now, reason, sid)
	}
	if err != nil {
		return "", fmt.Errorf("legal hold of %s: %w", shipment, err)
	}
	action, before, after := "legal_hold", []byte(nil), []byte(nil)
	if hold {
		after, _ = json.Marshal(map[string]string{"reason": reason})
	} else {
		action = "legal_hold_clear"
		before, _ = json.Marshal(current)
		after, _ = json.Marshal(map[string]string{"reason": reason})
	}
	if err := auditTx(ctx, tx, now, by, "shipment", sid, action, before, after); err != nil {
		return "", err
	}
	return shipment, tx.Commit()
}

// LegalHold returns the active legal hold of shipment id, and false when
// it has none.
func (db *DB) LegalHold(ctx context.Context, shipmentID int64) (LegalHold, bool, error) {
	return legalHold(ctx, db.db, shipmentID)
}

func legalHold(ctx context.Context, tx q, shipmentID int64) (LegalHold, bool, error) {
	var h LegalHold
	var at string
	err := tx.QueryRowContext(ctx, `SELECT reason, set_by, set_at FROM legal_holds WHERE shipment_id = ? AND cleared_at IS NULL`, shipmentID).
		Scan(&h.Reason, &h.SetBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return LegalHold{}, false, nil
	}
	if err != nil {
		return LegalHold{}, false, fmt.Errorf("legal hold of %s: %w", ShipmentRef(shipmentID), err)
	}
	if h.SetAt, err = parseTime(at); err != nil {
		return LegalHold{}, false, fmt.Errorf("legal hold of %s: %w", ShipmentRef(shipmentID), err)
	}
	return h, true, nil
}

// SetLegalHold sets (hold) or clears the legal hold of a shipment the
// scope sees, for compliance and admin users only (EFORBIDDEN for the
// others, ENOTFOUND for what the scope does not see), and returns the
// shipment as the scope sees it.
func (v *View) SetLegalHold(ctx context.Context, ref string, hold bool, reason string) (*Shipment, error) {
	id, err := v.locate(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !retention.MayHold(v.scope.Role) {
		return nil, clearway.Errorf(clearway.EFORBIDDEN, "a %s user may not set or clear a legal hold (compliance and admin may)", v.scope.Role)
	}
	if hold {
		_, err = v.db.SetLegalHold(ctx, ShipmentRef(id), v.scope.Actor(), reason)
	} else {
		_, err = v.db.ClearLegalHold(ctx, ShipmentRef(id), v.scope.Actor(), reason)
	}
	if err != nil {
		return nil, err
	}
	return v.Shipment(ctx, ShipmentRef(id))
}

// expiry is a shipment past retention, by id.
type expiry struct {
	ref      string
	released time.Time
}

// PurgeCandidates returns the archive objects whose every journal entry
// contributed only to shipments past retention at cutoff (released before
// it, every entry released or beyond, no legal hold, no open review:
// retention.Expired). It is conservative: an object also linked to
// something that is no shipment (purchase-order lines, a review of no
// shipment), to no shipment at all (a rejected file) or to a journal entry
// still being processed is kept. An object already purged is left out
// unless its bytes were received again since.
//
// It reads every link of the expired shipments' files, once per run: a
// daily job's cost, not a request's.
func (db *DB) PurgeCandidates(ctx context.Context, cutoff time.Time) ([]retention.Candidate, error) {
	expired, err := db.expiredShipments(ctx, cutoff)
	if err != nil || len(expired) == 0 {
		return nil, err
	}
	objects, files, err := db.objectsOf(ctx, slices.Collect(maps.Keys(expired)))
	if err != nil {
		return nil, err
	}
	if err := db.linkObjects(ctx, objects, files); err != nil {
		return nil, err
	}
	byRef := make(map[string]expiry, len(expired))
	for _, e := range expired {
		byRef[e.ref] = e
	}
	var out []retention.Candidate
	for _, sum := range slices.Sorted(maps.Keys(objects)) {
		o := objects[sum]
		if o.purgedAt != "" && o.purgedAt >= o.lastReceived {
			continue
		}
		slices.Sort(o.links.Shipments)
		o.links.Shipments = slices.Compact(o.links.Shipments)
		if o.links.Keep(func(ref string) bool { _, ok := byRef[ref]; return ok }) != "" {
			continue
		}
		c := retention.Candidate{SHA256: sum, Files: o.files, Shipments: o.links.Shipments}
		for _, ref := range c.Shipments {
			if r := byRef[ref].released; r.After(c.ReleasedAt) {
				c.ReleasedAt = r
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// expiredShipments returns the shipments past retention at cutoff. The
// first release (shipment_profiles) before the cutoff picks the few worth
// a look; the latest release of any entry (its timeline) is what counts.
func (db *DB) expiredShipments(ctx context.Context, cutoff time.Time) (map[int64]expiry, error) {
	closed, _ := json.Marshal(retention.ClosedStates)
	rows, err := db.db.QueryContext(ctx, `SELECT s.id, s.ref, s.state, s.entry, p.released_at,
		COALESCE((SELECT MAX(t.at) FROM timeline t WHERE t.shipment_id = s.id AND t.state = ?1 AND t.msg_key IS NOT NULL), ''),
		EXISTS (SELECT 1 FROM legal_holds h WHERE h.shipment_id = s.id AND h.cleared_at IS NULL),
		(SELECT COUNT(*) FROM reviews r WHERE r.shipment_id = s.id AND r.status = 'open')
		FROM shipments s JOIN shipment_profiles p ON p.shipment_id = s.id
		WHERE s.state IN (`+db.jsonTexts("?2")+`) AND p.released_at != '' AND p.released_at < ?3`,
		string(lifecycle.Released), string(closed), formatTime(cutoff))
	if err != nil {
		return nil, fmt.Errorf("shipments past retention: %w", err)
	}
	defer rows.Close()
	out := map[int64]expiry{}
	for rows.Next() {
		var id int64
		var s retention.Shipment
		var state, entry, first, latest string
		if err := rows.Scan(&id, &s.Ref, &state, &entry, &first, &latest, &s.LegalHold, &s.OpenReviews); err != nil {
			return nil, err
		}
		s.State = lifecycle.State(state)
		if s.ReleasedAt, err = parseTime(first); err != nil {
			return nil, fmt.Errorf("release of %s: %w", s.Ref, err)
		}
		if t, err := time.Parse(time.RFC3339, latest); err == nil && t.After(s.ReleasedAt) {
			s.ReleasedAt = t
		}
		var x entryExtra
		if err := json.Unmarshal([]byte(entry), &x); err != nil {
			return nil, fmt.Errorf("shipment %s: stored entry: %w", s.Ref, err)
		}
		for _, e := range x.Entries {
			s.Entries = append(s.Entries, retention.Entry{Number: e.EntryNumber, State: e.State, Partial: e.Release != nil && e.Release.Partial})
		}
		if ok, _ := retention.Expired(s, cutoff); ok {
			out[id] = expiry{ref: s.Ref, released: s.ReleasedAt}
		}
	}
	return out, rows.Err()
}

// object is one archive object under consideration.
type object struct {
	files        []int64
	lastReceived string // of its journal entries
	purgedAt     string // "" when never purged
	links        retention.Links
}

// objectsOf returns, by sha256, every archive object a file of the
// shipments contributed to, with all its journal entries, and which object
// each of those entries holds.
func (db *DB) objectsOf(ctx context.Context, shipments []int64) (map[string]*object, map[int64]string, error) {
	ids, _ := json.Marshal(shipments)
	rows, err := db.db.QueryContext(ctx, `WITH p(id) AS (`+db.jsonInts("?")+`),
		linked(file_id) AS (
			SELECT file_id FROM facts WHERE shipment_id IN (SELECT id FROM p)
			UNION SELECT file_id FROM documents WHERE shipment_id IN (SELECT id FROM p)
			UNION SELECT file_id FROM identifiers WHERE shipment_id IN (SELECT id FROM p)
			UNION SELECT file_id FROM links WHERE shipment_id IN (SELECT id FROM p)
			UNION SELECT file_id FROM timeline WHERE shipment_id IN (SELECT id FROM p)
			UNION SELECT file_id FROM reviews WHERE shipment_id IN (SELECT id FROM p))
		SELECT f.id, f.sha256, f.state, f.received_at, COALESCE(ap.purged_at, '') FROM files f LEFT JOIN archive_purges ap ON ap.sha256 = f.sha256
		WHERE f.sha256 IN (SELECT sha256 FROM files WHERE id IN (SELECT file_id FROM linked)) ORDER BY f.id`, string(ids))
	if err != nil {
		return nil, nil, fmt.Errorf("archive objects past retention: %w", err)
	}
	defer rows.Close()
	objects, files := map[string]*object{}, map[int64]string{}
	for rows.Next() {
		var id int64
		var sum, state, received, purged string
		if err := rows.Scan(&id, &sum, &state, &received, &purged); err != nil {
			return nil, nil, err
		}
		o := objects[sum]
		if o == nil {
			o = &object{purgedAt: purged}
			objects[sum] = o
		}
		o.files = append(o.files, id)
		o.lastReceived = max(o.lastReceived, received)
		o.links.Pending = o.links.Pending || state == string(clearway.FileReceived) || state == string(clearway.FileProcessing)
		files[id] = sum
	}
	return objects, files, rows.Err()
}

// linkObjects fills each object's links: what each of its journal entries
// contributed to, and the documents and review attachments naming its
// bytes. A NULL shipment is a link to no shipment (a PO line, a review of
// no shipment).
func (db *DB) linkObjects(ctx context.Context, objects map[string]*object, files map[int64]string) error {
	ids, _ := json.Marshal(slices.Collect(maps.Keys(files)))
	sums, _ := json.Marshal(slices.Collect(maps.Keys(objects)))
	rows, err := db.db.QueryContext(ctx, `WITH e(id) AS (`+db.jsonInts("?1")+`), h(sha) AS (`+db.jsonTexts("?2")+`),
		l(file_id, shipment_id) AS (
			SELECT file_id, shipment_id FROM facts WHERE file_id IN (SELECT id FROM e)
			UNION SELECT file_id, shipment_id FROM documents WHERE file_id IN (SELECT id FROM e)
			UNION SELECT file_id, shipment_id FROM identifiers WHERE file_id IN (SELECT id FROM e)
			UNION SELECT file_id, shipment_id FROM links WHERE file_id IN (SELECT id FROM e)
			UNION SELECT file_id, shipment_id FROM timeline WHERE file_id IN (SELECT id FROM e)
			UNION SELECT file_id, shipment_id FROM reviews WHERE file_id IN (SELECT id FROM e))
		SELECT f.sha256, l.shipment_id FROM l JOIN files f ON f.id = l.file_id
		UNION SELECT sha256, shipment_id FROM documents WHERE sha256 IN (SELECT sha FROM h)
		UNION SELECT a.sha256, r.shipment_id FROM review_attachments a JOIN reviews r ON r.id = a.review_id WHERE a.sha256 IN (SELECT sha FROM h)`,
		string(ids), string(sums))
	if err != nil {
		return fmt.Errorf("links of archive objects: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sum string
		var shipment sql.NullInt64
		if err := rows.Scan(&sum, &shipment); err != nil {
			return err
		}
		o := objects[sum]
		switch {
		case o == nil:
		case !shipment.Valid:
			o.links.Unshipped = true
		default:
			o.links.Shipments = append(o.links.Shipments, ShipmentRef(shipment.Int64))
		}
	}
	return rows.Err()
}

// RecordPurge records that the archive object sha was deleted, held by the
// journal entries files, and why. It refuses (ECONFLICT) when the journal
// holds other entries with those bytes than files: they arrived since the
// candidates were read, and the caller must say so. Recording the same
// purge again only updates it.
func (db *DB) RecordPurge(ctx context.Context, sha string, files []int64, reason string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var have []int64
	rows, err := tx.QueryContext(ctx, `SELECT id FROM files WHERE sha256 = ? ORDER BY id`, sha)
	if err != nil {
		return fmt.Errorf("purge of %s: %w", sha, err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		have = append(have, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("purge of %s: %w", sha, err)
	}
	want := slices.Sorted(slices.Values(files))
	if !slices.Equal(have, want) {
		return clearway.Errorf(clearway.ECONFLICT, "archive object %s: the journal holds files %v with these bytes, not %v", sha, have, want)
	}
	list, _ := json.Marshal(want)
	now := db.now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO archive_purges (sha256, purged_at, files, reason) VALUES (?, ?, ?, ?)
		ON CONFLICT (sha256) DO UPDATE SET purged_at = excluded.purged_at, files = excluded.files, reason = excluded.reason`,
		sha, now, string(list), reason); err != nil {
		return fmt.Errorf("purge of %s: %w", sha, err)
	}
	after, _ := json.Marshal(map[string]string{"sha256": sha, "reason": reason})
	for _, id := range want {
		if err := auditIn(ctx, tx, now, "system", id, "file", id, "purge", nil, after); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// ArchivePurge says when the archive object sha was purged, and false when
// it never was. The same bytes may be in the archive again if a partner
// sent them after the purge.
func (db *DB) ArchivePurge(ctx context.Context, sha string) (time.Time, bool, error) {
	var at string
	err := db.db.QueryRowContext(ctx, `SELECT purged_at FROM archive_purges WHERE sha256 = ?`, sha).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("purge of %s: %w", sha, err)
	}
	t, err := parseTime(at)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("purge of %s: %w", sha, err)
	}
	return t, true, nil
}

// ExpiredDeliveries returns the delivered packet runs whose shipments are
// all past retention at cutoff. Only packets are tied to shipments
// (outbound_packets, which names the latest packet of each shipment a
// broker got); status feeds and document requests mix many shipments and
// an amended packet's earlier runs are no longer named: their copies stay.
func (db *DB) ExpiredDeliveries(ctx context.Context, cutoff time.Time) ([]retention.SentCopy, error) {
	expired, err := db.expiredShipments(ctx, cutoff)
	if err != nil || len(expired) == 0 {
		return nil, err
	}
	ids, _ := json.Marshal(slices.Collect(maps.Keys(expired)))
	rows, err := db.db.QueryContext(ctx, `WITH p(id) AS (`+db.jsonInts("?")+`)
		SELECT r.id, r.partner, r.job, r.name, r.spool, k.shipment_id, EXISTS (SELECT 1 FROM outbound_runs o WHERE o.spool = r.spool AND o.id != r.id)
		FROM outbound_packets k JOIN outbound_runs r ON r.id = k.run_id
		WHERE r.state = 'delivered' AND k.shipment_id IN (SELECT id FROM p)
		  AND NOT EXISTS (SELECT 1 FROM outbound_packets o WHERE o.run_id = r.id AND o.shipment_id NOT IN (SELECT id FROM p))
		ORDER BY r.id`, string(ids))
	if err != nil {
		return nil, fmt.Errorf("deliveries past retention: %w", err)
	}
	defer rows.Close()
	var out []retention.SentCopy
	for rows.Next() {
		var d retention.SentCopy
		var sid int64
		if err := rows.Scan(&d.Run, &d.Partner, &d.Job, &d.Name, &d.Spool, &sid, &d.SpoolShared); err != nil {
			return nil, err
		}
		d.Shipment, d.ReleasedAt = expired[sid].ref, expired[sid].released
		out = append(out, d)
	}
	return out, rows.Err()
}
