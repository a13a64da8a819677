package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// reassessBatch is how many shipments one transaction re-assesses, so the
// write lock is never held for long.
const reassessBatch = 500

// rulesLogicVersion names the generation of the checks and lifecycle code;
// bump it when a release changes what a rule finds, so stores written by the
// old code are re-assessed at the next start.
const rulesLogicVersion = "2026-12-06 lifecycle v2, spine v2, dashboard profiles"

// Fingerprint identifies what the rules decide: tolerances, triggers,
// destination basis, code tables and the code version. Two rule sets with
// the same fingerprint assess every shipment alike.
func (r *Rules) Fingerprint() (string, error) {
	b, err := json.Marshal(struct {
		Logic     string
		Checks    any
		Basis     string
		ChangePct float64
		Codes     string
	}{rulesLogicVersion, r.Validation, r.DestinationBasis, r.ChangeTolerancePct, r.Codes.Digest()})
	if err != nil {
		return "", fmt.Errorf("fingerprint rules: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// ReassessIfRulesChanged re-runs the rules on every shipment when they
// differ from those the store was last assessed with, so a changed
// tolerance or code table takes effect on the shipments already stored.
// It returns how many shipments were re-assessed (0 when nothing changed).
func (db *DB) ReassessIfRulesChanged(ctx context.Context) (int, error) {
	rules, err := db.rules()
	if err != nil {
		return 0, err
	}
	fingerprint, err := rules.Fingerprint()
	if err != nil {
		return 0, err
	}
	var stored string
	err = db.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'rules'`).Scan(&stored)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("read rules fingerprint: %w", err)
	}
	if stored == fingerprint {
		return 0, nil
	}
	n, err := db.ReassessAll(ctx)
	if err != nil {
		return n, err
	}
	// Recorded only after every batch committed: a crash midway re-runs
	// the whole pass at the next start, which is idempotent.
	_, err = db.db.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('rules', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, fingerprint)
	if err != nil {
		return n, fmt.Errorf("record rules fingerprint: %w", err)
	}
	return n, nil
}

// ReassessAll re-runs the rules on every shipment, a batch per transaction.
func (db *DB) ReassessAll(ctx context.Context) (int, error) {
	rules, err := db.rules()
	if err != nil {
		return 0, err
	}
	n := 0
	for last := int64(0); ; {
		rows, err := db.db.QueryContext(ctx, `SELECT id FROM shipments WHERE id > ? ORDER BY id LIMIT ?`, last, reassessBatch)
		if err != nil {
			return n, err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return n, err
			}
			ids = append(ids, id)
		}
		// A read cut short must not pass for the end of the table: the
		// caller records the new rules as applied after the last batch.
		err = rows.Err()
		rows.Close()
		if err != nil {
			return n, fmt.Errorf("re-assess shipments: %w", err)
		}
		if len(ids) == 0 {
			return n, nil
		}
		tx, err := db.db.BeginTx(ctx, nil)
		if err != nil {
			return n, err
		}
		a := &assessment{db: db, ctx: ctx, tx: tx, layouts: db.layouts, rules: rules, now: db.now(), actor: "system"}
		if err := a.assess(ids); err != nil {
			tx.Rollback()
			return n, err
		}
		if err := tx.Commit(); err != nil {
			return n, fmt.Errorf("re-assess shipments: %w", err)
		}
		n += len(ids)
		last = ids[len(ids)-1]
	}
}
