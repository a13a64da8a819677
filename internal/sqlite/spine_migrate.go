package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// migrateSpine converts, once, a store written before identifier spine v2
// (meta key spine = v2; migration 012 moved the weak identifiers to links):
// purchase-order lines leave their shipments for their order, invoice lines
// and packing lists by invoice are keyed under their supplier, shipments
// that held nothing but PO lines go, and shipments that two bills of lading
// (or air waybills) share — merged by a container or a PO under the old
// rules — get an identifier_ambiguous review listing the evidence. Nothing
// is split silently and no line is dropped.
func (db *DB) migrateSpine(ctx context.Context) error {
	var done int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM meta WHERE key = 'spine' AND value = 'v2'`).Scan(&done); err != nil {
		return fmt.Errorf("read spine version: %w", err)
	}
	if done > 0 {
		return nil
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := db.now()
	for _, step := range []func(context.Context, *sql.Tx, string) error{rekeyFacts, dropPOOnlyShipments, flagMergedShipments} {
		if err := step(ctx, tx, now); err != nil {
			return fmt.Errorf("identifier spine v2: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('spine', 'v2') ON CONFLICT (key) DO UPDATE SET value = excluded.value`); err != nil {
		return err
	}
	return tx.Commit()
}

// rekeyFacts moves PO lines to their order and keys invoices per supplier.
func rekeyFacts(ctx context.Context, tx *sql.Tx, _ string) error {
	for _, q := range []string{
		`UPDATE facts SET shipment_id = NULL WHERE kind = 'purchase_order_line' AND shipment_id IS NOT NULL`,
		`UPDATE facts SET key = (SELECT partner FROM files WHERE id = facts.file_id) || '|' || key WHERE kind = 'invoice_line'`,
		`UPDATE facts SET key = (SELECT partner FROM files WHERE id = facts.file_id) || '|' || key WHERE kind = 'packing_line'
			AND EXISTS (SELECT 1 FROM fact_fields ff WHERE ff.fact_id = facts.id AND ff.field = 'invoice_number')`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// dropPOOnlyShipments removes shipments that were made for PO lines alone:
// the lines now belong to their order, and nothing else named the shipment.
func dropPOOnlyShipments(ctx context.Context, tx *sql.Tx, now string) error {
	ids, err := queryColumn[int64](ctx, tx, `SELECT s.id FROM shipments s WHERE s.fields = '{}'
		AND NOT EXISTS (SELECT 1 FROM facts WHERE shipment_id = s.id)
		AND NOT EXISTS (SELECT 1 FROM documents WHERE shipment_id = s.id)
		AND NOT EXISTS (SELECT 1 FROM reviews WHERE shipment_id = s.id)
		AND NOT EXISTS (SELECT 1 FROM timeline WHERE shipment_id = s.id)
		AND NOT EXISTS (SELECT 1 FROM outbound_packets WHERE shipment_id = s.id)`)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := dropDerived(ctx, tx, id); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM identifiers WHERE shipment_id = ?`, `DELETE FROM links WHERE shipment_id = ?`,
			`DELETE FROM parties WHERE shipment_id = ?`, `DELETE FROM shipments WHERE id = ?`} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("remove PO-only shipment %s: %w", ShipmentRef(id), err)
			}
		}
		before, _ := json.Marshal(map[string]string{"ref": ShipmentRef(id), "why": "known only from purchase-order lines, which now belong to their purchase order (DOMAIN.md §4.8)"})
		if err := auditTx(ctx, tx, now, "system", "shipment", id, "delete", before, nil); err != nil {
			return err
		}
	}
	return nil
}

// flagMergedShipments opens an identifier_ambiguous review on each shipment
// that two master bills of lading or air waybills name.
func flagMergedShipments(ctx context.Context, tx *sql.Tx, now string) error {
	rows, err := tx.QueryContext(ctx, `SELECT i.shipment_id, i.kind, i.value, COALESCE(f.partner, ''), COALESCE(f.name, '')
		FROM identifiers i LEFT JOIN files f ON f.id = i.file_id
		WHERE i.kind IN ('bill_of_lading', 'air_waybill') AND i.shipment_id IN (
			SELECT shipment_id FROM identifiers WHERE kind IN ('bill_of_lading', 'air_waybill') GROUP BY shipment_id, kind HAVING COUNT(*) > 1)
		ORDER BY i.shipment_id, i.kind, i.value`)
	if err != nil {
		return err
	}
	type evidence struct {
		Kind    string `json:"kind"`
		Value   string `json:"value"`
		Partner string `json:"partner"`
		File    string `json:"file"`
	}
	merged := map[int64][]evidence{}
	var order []int64
	for rows.Next() {
		var id int64
		var e evidence
		if err := rows.Scan(&id, &e.Kind, &e.Value, &e.Partner, &e.File); err != nil {
			rows.Close()
			return err
		}
		if merged[id] == nil {
			order = append(order, id)
		}
		merged[id] = append(merged[id], e)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return err
	}
	for _, id := range order {
		var values []string
		for _, e := range merged[id] {
			values = append(values, e.Kind+" "+e.Value)
		}
		summary := fmt.Sprintf("%s holds %s: merged by a shared container or purchase order before spine v2; decide whether these are separate shipments",
			ShipmentRef(id), strings.Join(values, ", "))
		detail, _ := json.Marshal(map[string]any{"shipments": []string{ShipmentRef(id)}, "evidence": merged[id], "via": "migration"})
		res, err := tx.ExecContext(ctx, `INSERT INTO reviews (kind, shipment_id, summary, detail, created_at, subject) VALUES (?, ?, ?, ?, ?, 'migration:spine-v2')`,
			ReviewIdentifierAmbiguous, id, summary, string(detail), now)
		if err != nil {
			return err
		}
		rid, _ := res.LastInsertId()
		if err := auditTx(ctx, tx, now, "system", "review", rid, "create", nil, detail); err != nil {
			return err
		}
	}
	return nil
}
