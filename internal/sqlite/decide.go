package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/clearway/clearway/internal/clearway"
)

// heldRecord is what an identifier review holds: the record, the file it
// came from and the shipments it named.
type heldRecord struct {
	Record    clearway.Record `json:"record"`
	Shipments []string        `json:"shipments"`
	FileID    int64           `json:"file_id"`
}

// decideConflict carries out merge or separate on an identifier_conflict
// and then applies the record it held. It returns the shipments touched.
func (db *DB) decideConflict(a *assessment, r *Review, action string) ([]int64, error) {
	var h heldRecord
	if err := json.Unmarshal(r.Detail, &h); err != nil {
		return nil, fmt.Errorf("review %d: held record: %w", r.ID, err)
	}
	ids, err := a.shipmentIDs(h.Shipments)
	if err != nil {
		return nil, fmt.Errorf("review %d: %w", r.ID, err)
	}
	if len(ids) < 2 {
		return nil, clearway.Errorf(clearway.EINVALID, "review %d: its shipments %v are no longer two (merged since?); reject it instead", r.ID, h.Shipments)
	}
	into := ids[0]
	for _, other := range ids[1:] {
		if action == DecisionMerge {
			err = a.mergeShipment(into, other)
		} else {
			err = a.separate(into, other, r.ID)
		}
		if err != nil {
			return nil, fmt.Errorf("review %d: %w", r.ID, err)
		}
	}
	touched := []int64{into}
	if action == DecisionSeparate {
		touched = ids
	}
	if h.FileID == 0 {
		h.FileID = r.FileID
	}
	more, err := db.applyHeldRecord(a, h.FileID, h.Record)
	if err != nil {
		return nil, fmt.Errorf("review %d: apply the held record: %w", r.ID, err)
	}
	return append(touched, more...), nil
}

// shipmentIDs returns the ids of the shipments named by ref (a merged
// one's ref names the shipment that took it), without repeats.
func (a *assessment) shipmentIDs(refs []string) ([]int64, error) {
	var ids []int64
	for _, ref := range refs {
		var id int64
		err := a.tx.QueryRowContext(a.ctx, `SELECT shipment_id FROM identifiers WHERE kind = 'shipment_ref' AND value = ?`, ref).Scan(&id)
		if err == sql.ErrNoRows {
			return nil, clearway.Errorf(clearway.EINVALID, "shipment %s no longer exists", ref)
		}
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// mergeShipment moves everything of shipment from into shipment into:
// lines, documents (re-versioned after into's, the same checksum once),
// timeline, identifiers (from's ref then names into), links, reviews and
// manual events; then removes from. The audit entry lists what from held,
// so the merge can be undone by hand from the trail.
func (a *assessment) mergeShipment(into, from int64) error {
	before, err := a.shipmentEvidence(from)
	if err != nil {
		return err
	}
	if err := a.mergeDocuments(into, from); err != nil {
		return err
	}
	for _, q := range []string{
		`UPDATE facts SET shipment_id = ?1 WHERE shipment_id = ?2`,
		`DELETE FROM timeline WHERE shipment_id = ?2 AND msg_key IN (SELECT msg_key FROM timeline WHERE shipment_id = ?1 AND msg_key IS NOT NULL)`,
		`UPDATE timeline SET shipment_id = ?1 WHERE shipment_id = ?2`,
		`UPDATE identifiers SET shipment_id = ?1 WHERE shipment_id = ?2`,
		`INSERT OR IGNORE INTO links (kind, scope, value, shipment_id, file_id) SELECT kind, scope, value, CAST(?1 AS BIGINT), file_id FROM links WHERE shipment_id = ?2`,
		`DELETE FROM links WHERE shipment_id = ?2`,
		`UPDATE reviews SET shipment_id = ?1 WHERE shipment_id = ?2`,
		`UPDATE manual_events SET shipment_id = ?1 WHERE shipment_id = ?2`,
		`UPDATE outbound_packets SET shipment_id = ?1 WHERE shipment_id = ?2
			AND NOT EXISTS (SELECT 1 FROM outbound_packets o WHERE o.partner = outbound_packets.partner AND o.job = outbound_packets.job AND o.shipment_id = ?1)`,
		`DELETE FROM outbound_packets WHERE shipment_id = ?2`,
		`INSERT OR IGNORE INTO parties (shipment_id, partner, why, updated_at, since) SELECT CAST(?1 AS BIGINT), partner, why, updated_at, since FROM parties WHERE shipment_id = ?2`,
		`UPDATE parties SET since = (SELECT MIN(since) FROM parties p WHERE p.partner = parties.partner AND p.shipment_id IN (?1, ?2)) WHERE shipment_id = ?1`,
		`DELETE FROM parties WHERE shipment_id = ?2`,
		`UPDATE questions SET shipment_id = ?1 WHERE shipment_id = ?2`,
		`DELETE FROM separations WHERE a = ?2 OR b = ?2`,
		`UPDATE shipments SET fields = (SELECT ` + a.db.jsonPatch("f.fields", "i.fields") + ` FROM shipments f, shipments i WHERE f.id = ?2 AND i.id = ?1), updated_at = ?3 WHERE id = ?1`,
		`DELETE FROM shipment_profiles WHERE shipment_id = ?2`,
		`DELETE FROM state_spans WHERE shipment_id = ?2`,
		`DELETE FROM hold_periods WHERE shipment_id = ?2`,
		`DELETE FROM shipments WHERE id = ?2`,
	} {
		args := []any{into, from}
		if !strings.Contains(q, "?1") {
			// PostgreSQL must know the type of every parameter sent.
			q, args = strings.ReplaceAll(q, "?2", "?1"), []any{from}
		}
		if strings.Contains(q, "?3") {
			args = append(args, a.now)
		}
		if _, err := a.tx.ExecContext(a.ctx, q, args...); err != nil {
			return fmt.Errorf("merge %s into %s: %s: %w", ShipmentRef(from), ShipmentRef(into), strings.Fields(q)[:3], err)
		}
	}
	after, _ := json.Marshal(map[string]string{"merged_into": ShipmentRef(into)})
	return a.audit("shipment", from, "merge", before, after)
}

// mergeDocuments re-versions from's documents after into's of each type;
// a version whose checksum into already has is dropped (audited).
func (a *assessment) mergeDocuments(into, from int64) error {
	rows, err := a.tx.QueryContext(a.ctx, `SELECT id, doc_type, sha256 FROM documents WHERE shipment_id = ? ORDER BY doc_type, version`, from)
	if err != nil {
		return err
	}
	type doc struct {
		id           int64
		docType, sum string
	}
	var docs []doc
	for rows.Next() {
		var d doc
		if err := rows.Scan(&d.id, &d.docType, &d.sum); err != nil {
			rows.Close()
			return err
		}
		docs = append(docs, d)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return err
	}
	for _, d := range docs {
		var same, last int
		if err := a.tx.QueryRowContext(a.ctx, `SELECT COALESCE(SUM(CASE WHEN sha256 = ? THEN 1 ELSE 0 END), 0), COALESCE(MAX(version), 0) FROM documents WHERE shipment_id = ? AND doc_type = ?`,
			d.sum, into, d.docType).Scan(&same, &last); err != nil {
			return err
		}
		q, args := `UPDATE documents SET shipment_id = ?, version = ? WHERE id = ?`, []any{into, last + 1, d.id}
		if same > 0 {
			q, args = `DELETE FROM documents WHERE id = ?`, []any{d.id}
		}
		if _, err := a.tx.ExecContext(a.ctx, q, args...); err != nil {
			return fmt.Errorf("merge document %d: %w", d.id, err)
		}
	}
	_, err = a.tx.ExecContext(a.ctx, `UPDATE documents SET superseded = CASE WHEN version < (SELECT MAX(version) FROM documents d WHERE d.shipment_id = documents.shipment_id AND d.doc_type = documents.doc_type) THEN 1 ELSE 0 END
		WHERE shipment_id = ?`, into)
	return err
}

// shipmentEvidence is what a shipment held, for the audit log of a merge.
func (a *assessment) shipmentEvidence(id int64) ([]byte, error) {
	var ref, fields string
	if err := a.tx.QueryRowContext(a.ctx, `SELECT ref, fields FROM shipments WHERE id = ?`, id).Scan(&ref, &fields); err != nil {
		return nil, fmt.Errorf("read shipment %d: %w", id, err)
	}
	var n struct{ Facts, Documents, Timeline int }
	if err := a.tx.QueryRowContext(a.ctx, `SELECT (SELECT COUNT(*) FROM facts WHERE shipment_id = ?1), (SELECT COUNT(*) FROM documents WHERE shipment_id = ?1),
		(SELECT COUNT(*) FROM timeline WHERE shipment_id = ?1)`, id).Scan(&n.Facts, &n.Documents, &n.Timeline); err != nil {
		return nil, err
	}
	idents := map[string][]string{}
	rows, err := a.tx.QueryContext(a.ctx, `SELECT kind, value FROM identifiers WHERE shipment_id = ?1 UNION SELECT kind, value FROM links WHERE shipment_id = ?1`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		idents[k] = append(idents[k], v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"ref": ref, "fields": json.RawMessage(fields), "identifiers": idents,
		"facts": n.Facts, "documents": n.Documents, "timeline": n.Timeline})
}

// separate remembers that two shipments are distinct, so records naming
// both stay with the first they name and do not ask again.
func (a *assessment) separate(x, y, review int64) error {
	if _, err := a.tx.ExecContext(a.ctx, `INSERT OR IGNORE INTO separations (a, b, review_id) VALUES (?, ?, ?)`, min(x, y), max(x, y), review); err != nil {
		return fmt.Errorf("separate %s and %s: %w", ShipmentRef(x), ShipmentRef(y), err)
	}
	after, _ := json.Marshal(map[string]string{"separate_from": ShipmentRef(y)})
	return a.audit("shipment", x, "separate", nil, after)
}

// applyHeldRecord applies a record a review held, as its file's ingest
// would have, inside the decision's transaction. It returns the shipments
// it touched.
func (db *DB) applyHeldRecord(a *assessment, fileID int64, rec clearway.Record) ([]int64, error) {
	tx, ok := a.tx.(*sql.Tx)
	if !ok || fileID == 0 || rec.Kind == "" {
		return nil, nil
	}
	f, err := scanFile(tx.QueryRowContext(a.ctx, `SELECT `+fileColumns+` FROM files WHERE id = ?`, fileID))
	if err != nil {
		return nil, fmt.Errorf("file %d: %w", fileID, err)
	}
	in := &Ingest{db: db, tx: tx, ctx: a.ctx, cancel: a.ctx, file: f, now: a.now,
		shipments: map[ident]int64{}, stmts: map[string]*sql.Stmt{}, factMax: -1, shipmentMax: -1,
		Stats: IngestStats{Created: map[string]int{}, Updated: map[string]int{}}}
	defer in.closeStmts()
	if err := tx.QueryRowContext(a.ctx, `SELECT mapping, mapping_hash FROM files WHERE id = ?`, fileID).Scan(&in.mapping, &in.hash); err != nil {
		return nil, err
	}
	if err := in.Apply(rec); err != nil {
		return nil, err
	}
	if err := in.flush(); err != nil {
		return nil, err
	}
	var touched []int64
	for id := range in.touched {
		touched = append(touched, id)
	}
	slices.Sort(touched)
	return touched, nil
}
