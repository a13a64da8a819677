package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// CopyProgress is told, after each batch, how far the copy of a table is.
type CopyProgress func(table string, copied, total int64)

// CopyStore copies an SQLite store into an empty PostgreSQL one
// (`clearway migrate-store`). Tables are copied parents first, in batches;
// each batch commits together with the copy's progress row in the target
// (store_copy), so an interrupted copy, run again, carries on where it
// stopped and copies no row twice. Ids are kept, and the identity
// sequences are moved past them at the end. The source must not change
// meanwhile: stop the daemon first.
func CopyStore(ctx context.Context, src, dst *DB, batch int, progress CopyProgress) error {
	if src.postgres() || !dst.postgres() {
		return errors.New("copy store: from SQLite to PostgreSQL only")
	}
	if batch <= 0 {
		batch = 1000
	}
	if err := dst.beginCopy(ctx); err != nil {
		return err
	}
	for _, table := range pgTables {
		if err := copyTable(ctx, src, dst, table, batch, progress); err != nil {
			return fmt.Errorf("copy %s: %w", table, err)
		}
	}
	return dst.finishCopy(ctx)
}

// beginCopy makes the progress table, and refuses a target that holds a
// store already (files journaled) unless it is this copy's.
func (db *DB) beginCopy(ctx context.Context) error {
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS store_copy (
		table_name TEXT PRIMARY KEY, last_key BIGINT NOT NULL, copied BIGINT NOT NULL, done INTEGER NOT NULL DEFAULT 0)`); err != nil {
		return fmt.Errorf("copy store: %w", err)
	}
	var started, files int64
	if err := db.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM store_copy), (SELECT COUNT(*) FROM files)`).Scan(&started, &files); err != nil {
		return fmt.Errorf("copy store: %w", err)
	}
	if started == 0 && files > 0 {
		return fmt.Errorf("copy store: the target already holds a store (%d files journaled); copy into an empty database", files)
	}
	return nil
}

// copyTable copies one table in batches keyed by SQLite's rowid (or, for a
// table without one, by position: the source does not change meanwhile).
func copyTable(ctx context.Context, src, dst *DB, table string, batch int, progress CopyProgress) error {
	last, copied, done, err := dst.copyState(ctx, table)
	if err != nil || done {
		return err
	}
	cols, pk, err := src.columns(ctx, table)
	if err != nil {
		return err
	}
	key := "rowid"
	if !src.hasRowID(ctx, table) {
		key = "" // by position in primary key order
	}
	var total int64
	if err := src.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+table+`"`).Scan(&total); err != nil {
		return err
	}
	for {
		rows, next, err := src.readBatch(ctx, table, cols, pk, key, last, batch)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			_, err := dst.db.ExecContext(ctx, `UPDATE store_copy SET done = 1 WHERE table_name = ?`, table)
			return err
		}
		if err := dst.writeBatch(ctx, table, cols, rows, next, copied+int64(len(rows))); err != nil {
			return err
		}
		last, copied = next, copied+int64(len(rows))
		if progress != nil {
			progress(table, copied, total)
		}
	}
}

// copyState is a table's progress: the last key copied, the rows copied,
// and whether it is done.
func (db *DB) copyState(ctx context.Context, table string) (last, copied int64, done bool, err error) {
	var d int
	err = db.db.QueryRowContext(ctx, `SELECT last_key, copied, done FROM store_copy WHERE table_name = ?`, table).Scan(&last, &copied, &d)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, nil
	}
	return last, copied, d == 1, err
}

// columns are a table's column names and those of its primary key (in
// key order), quoted.
func (db *DB) columns(ctx context.Context, table string) (cols, pk []string, err error) {
	rows, err := db.db.QueryContext(ctx, `SELECT name, pk FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	keyed := map[int]string{}
	for rows.Next() {
		var c string
		var k int
		if err := rows.Scan(&c, &k); err != nil {
			return nil, nil, err
		}
		cols = append(cols, `"`+c+`"`)
		if k > 0 {
			keyed[k] = `"` + c + `"`
		}
	}
	if len(cols) == 0 {
		return nil, nil, fmt.Errorf("table %s not in the source store", table)
	}
	for k := 1; k <= len(keyed); k++ {
		pk = append(pk, keyed[k])
	}
	if len(pk) == 0 {
		pk = cols
	}
	return cols, pk, rows.Err()
}

// hasRowID reports whether an SQLite table has a rowid (not WITHOUT ROWID).
func (db *DB) hasRowID(ctx context.Context, table string) bool {
	var ddl string
	db.db.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&ddl)
	return !strings.Contains(strings.ToUpper(ddl), "WITHOUT ROWID")
}

// readBatch reads up to n rows after key last (rowid, or the position in
// primary key order when key is ""), and returns them with the key to
// resume after.
func (db *DB) readBatch(ctx context.Context, table string, cols, pk []string, key string, last int64, n int) ([][]any, int64, error) {
	q := `SELECT rowid, ` + strings.Join(cols, ", ") + ` FROM "` + table + `" WHERE rowid > ? ORDER BY rowid LIMIT ?`
	args := []any{last, n}
	if key == "" {
		q = `SELECT 0, ` + strings.Join(cols, ", ") + ` FROM "` + table + `" ORDER BY ` + strings.Join(pk, ", ") + ` LIMIT ? OFFSET ?`
		args = []any{n, last}
	}
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out [][]any
	next := last
	for rows.Next() {
		vals := make([]any, len(cols)+1)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, 0, err
		}
		if key == "" {
			next++
		} else {
			next = vals[0].(int64)
		}
		out = append(out, vals[1:])
	}
	return out, next, rows.Err()
}

// writeBatch inserts rows and records the progress, in one transaction.
func (db *DB) writeBatch(ctx context.Context, table string, cols []string, rows [][]any, last, copied int64) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	insert := `INSERT INTO "` + table + `" (` + strings.Join(cols, ", ") + `) VALUES (?` + strings.Repeat(", ?", len(cols)-1) + `) ON CONFLICT DO NOTHING`
	stmt, err := tx.PrepareContext(ctx, insert)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range rows {
		if _, err := stmt.ExecContext(ctx, r...); err != nil {
			return fmt.Errorf("row %v: %w", r[0], err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO store_copy (table_name, last_key, copied) VALUES (?, ?, ?)
		ON CONFLICT (table_name) DO UPDATE SET last_key = excluded.last_key, copied = excluded.copied`, table, last, copied); err != nil {
		return err
	}
	return tx.Commit()
}

// finishCopy moves every identity sequence past the ids copied.
func (db *DB) finishCopy(ctx context.Context) error {
	for _, table := range pgTables {
		if !idTables[table] {
			continue
		}
		if _, err := db.db.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM "`+table+`"), 1))`); err != nil {
			return fmt.Errorf("copy store: sequence of %s: %w", table, err)
		}
	}
	return nil
}
