package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/clearway/clearway/internal/clearway"
)

// A line's canonical fields are stored compactly: facts.fields is a JSON
// array [layout, value, value, …] whose values follow the field names of
// fact_layouts row `layout` ("" where a field is absent, trailing blanks
// left off). Repeating the names on every row made a purchase-order line
// 410 bytes instead of 230, and bytes written (to the WAL and again at the
// checkpoint) are most of what a big file's transaction costs.
//
// A layout row is never changed: when the canonical field list of a kind
// changes, Open adds a new layout and rows keep the one they were written
// with, so every row stays readable.

// layout is the field order of one kind's stored rows.
type layout struct {
	id    int64
	kind  string
	names []string
	pos   map[string]int // name → index in names
}

// layouts are a store's layouts: loaded at Open, read-only afterwards.
type layouts struct {
	current map[string]*layout // by kind: the one new rows are written with
	byID    map[int64]*layout
}

// loadLayouts loads the store's layouts, recording the current layout of
// each canonical kind first when it is missing (a new store, a changed
// field list). A store that has them all is only read: commands that just
// look do not wait for a big file's write lock.
func loadLayouts(ctx context.Context, db q) (*layouts, error) {
	ls, err := readLayouts(ctx, db)
	if err != nil || len(ls.current) == len(clearway.Kinds()) {
		return ls, err
	}
	for _, kind := range clearway.Kinds() {
		if ls.current[string(kind)] != nil {
			continue
		}
		names, _ := json.Marshal(clearway.Fields(kind))
		if _, err := db.ExecContext(ctx, `INSERT INTO fact_layouts (kind, names) VALUES (?, ?) ON CONFLICT DO NOTHING`, string(kind), string(names)); err != nil {
			return nil, fmt.Errorf("record field layout of %s: %w", kind, err)
		}
	}
	return readLayouts(ctx, db)
}

// readLayouts reads every layout the store has.
func readLayouts(ctx context.Context, db q) (*layouts, error) {
	ls := &layouts{current: map[string]*layout{}, byID: map[int64]*layout{}}
	rows, err := db.QueryContext(ctx, `SELECT id, kind, names FROM fact_layouts ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("load field layouts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		l := &layout{pos: map[string]int{}}
		var names string
		if err := rows.Scan(&l.id, &l.kind, &names); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(names), &l.names); err != nil {
			return nil, fmt.Errorf("field layout %d: %w", l.id, err)
		}
		for i, n := range l.names {
			l.pos[n] = i
		}
		ls.byID[l.id] = l
		if slices.Equal(l.names, clearway.Fields(clearway.Kind(l.kind))) {
			ls.current[l.kind] = l
		}
	}
	return ls, rows.Err()
}

// layoutOf returns the layout new rows of kind are written with.
func (ls *layouts) layoutOf(kind string) (*layout, error) {
	l := ls.current[kind]
	if l == nil {
		return nil, fmt.Errorf("no stored field layout for kind %q", kind)
	}
	return l, nil
}

// positions maps each of names to its index in l, failing on a field the
// kind does not have.
func (l *layout) positions(names []string) ([]int, error) {
	pos := make([]int, len(names))
	for i, n := range names {
		p, ok := l.pos[n]
		if !ok {
			return nil, fmt.Errorf("%q is not a field of %s", n, l.kind)
		}
		pos[i] = p
	}
	return pos, nil
}

// appendRow encodes values (values[i] belongs at layout index pos[i]) as a
// stored row; scratch is reused between calls.
func (l *layout) appendRow(buf []byte, pos []int, values []string, scratch *[]string) []byte {
	row := *scratch
	if cap(row) < len(l.names) {
		row = make([]string, len(l.names))
	}
	row = row[:len(l.names)]
	clear(row)
	last := -1
	for i, v := range values {
		if v == "" {
			continue
		}
		row[pos[i]] = v
		last = max(last, pos[i])
	}
	buf = append(buf, '[')
	buf = strconv.AppendInt(buf, l.id, 10)
	for _, v := range row[:last+1] {
		buf = append(buf, ',')
		buf = appendString(buf, v)
	}
	*scratch = row
	return append(buf, ']')
}

// encode stores a map of fields as a row of kind.
func (ls *layouts) encode(kind string, fields map[string]string) (string, error) {
	l, err := ls.layoutOf(kind)
	if err != nil {
		return "", err
	}
	names := make([]string, 0, len(fields))
	values := make([]string, 0, len(fields))
	for n, v := range fields {
		names = append(names, n)
		values = append(values, v)
	}
	pos, err := l.positions(names)
	if err != nil {
		return "", err
	}
	var scratch []string
	return string(l.appendRow(nil, pos, values, &scratch)), nil
}

// decode reads a stored row back into its fields (absent ones left out).
func (ls *layouts) decode(raw string) (map[string]string, error) {
	var row []any
	if err := json.Unmarshal([]byte(raw), &row); err != nil {
		return nil, fmt.Errorf("stored fields %.40q: %w", raw, err)
	}
	if len(row) == 0 {
		return nil, fmt.Errorf("stored fields %.40q: no layout", raw)
	}
	id, ok := row[0].(float64)
	l := ls.byID[int64(id)]
	if !ok || l == nil {
		return nil, fmt.Errorf("stored fields %.40q: unknown layout %v", raw, row[0])
	}
	if len(row)-1 > len(l.names) {
		return nil, fmt.Errorf("stored fields %.40q: %d values for the %d fields of layout %d", raw, len(row)-1, len(l.names), l.id)
	}
	fields := make(map[string]string, len(row)-1)
	for i, v := range row[1:] {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("stored fields %.40q: value %d is not a string", raw, i+1)
		}
		if s != "" {
			fields[l.names[i]] = s
		}
	}
	return fields, nil
}

// objectJSON turns a stored row into the JSON object people and the audit
// log read: {"field": "value", …}, sorted by name.
func (ls *layouts) objectJSON(raw string) ([]byte, error) {
	if raw == "" {
		return nil, nil
	}
	fields, err := ls.decode(raw)
	if err != nil {
		return nil, err
	}
	return json.Marshal(fields)
}

// compactObjectRows rewrites the lines a store wrote before layouts (JSON
// objects) in the compact form, once, a batch per transaction; the meta
// key fields_format says it is done, so later starts do not scan.
func (db *DB) compactObjectRows(ctx context.Context) error {
	var done int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM meta WHERE key = 'fields_format' AND value = 'layouts'`).Scan(&done); err != nil {
		return fmt.Errorf("read fields format: %w", err)
	}
	if done > 0 {
		return nil
	}
	for last := int64(0); ; {
		tx, err := db.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		n, next, err := db.compactBatch(ctx, tx, last)
		if err == nil && n == 0 {
			_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('fields_format', 'layouts')
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
		}
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("compact stored lines: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("compact stored lines: %w", err)
		}
		if n == 0 {
			return nil
		}
		last = next
	}
}

// compactBatch rewrites up to 1,000 object rows with ids above after.
func (db *DB) compactBatch(ctx context.Context, tx *sql.Tx, after int64) (n int, last int64, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, kind, fields FROM facts WHERE id > ? AND fields LIKE '{%' ORDER BY id LIMIT 1000`, after)
	if err != nil {
		return 0, 0, err
	}
	type row struct {
		id           int64
		kind, fields string
	}
	var batch []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.kind, &r.fields); err != nil {
			rows.Close()
			return 0, 0, err
		}
		batch = append(batch, r)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return 0, 0, err
	}
	for _, r := range batch {
		fields := map[string]string{}
		if err := json.Unmarshal([]byte(r.fields), &fields); err != nil {
			return 0, 0, fmt.Errorf("fact %d: %w", r.id, err)
		}
		stored, err := db.layouts.encode(r.kind, fields)
		if err != nil {
			return 0, 0, fmt.Errorf("fact %d: %w", r.id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE facts SET fields = ? WHERE id = ?`, stored, r.id); err != nil {
			return 0, 0, err
		}
		last = r.id
	}
	return len(batch), last, nil
}
