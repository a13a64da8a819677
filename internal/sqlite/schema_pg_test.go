package sqlite

import (
	"context"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The PostgreSQL schema (migrations_pg) must hold the tables and columns
// the SQLite migrations make: a migration written for one store and not
// the other fails here.
func TestPostgresSchemaMatchesSQLite(t *testing.T) {
	db := NewDB(filepath.Join(t.TempDir(), "clearway.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	sqliteCols := map[string][]string{}
	rows, err := db.db.QueryContext(ctx, `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT IN ('migrations', 'sqlite_sequence') ORDER BY m.name, p.cid`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, col string
		rows.Scan(&table, &col)
		sqliteCols[table] = append(sqliteCols[table], strings.Trim(col, `"`))
	}
	rows.Close()
	pgCols := postgresColumns(t)
	for _, table := range slices.Sorted(maps.Keys(sqliteCols)) {
		want, got := sqliteCols[table], pgCols[table]
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			t.Errorf("table %s: SQLite has %v, PostgreSQL %v", table, want, got)
		}
	}
	for table := range pgCols {
		if sqliteCols[table] == nil {
			t.Errorf("table %s is only in the PostgreSQL schema", table)
		}
	}
}

var (
	createTable = regexp.MustCompile(`(?s)^\s*(?:--[^\n]*\n\s*)*CREATE TABLE (\w+) \((.*)\)\s*$`)
	addColumn   = regexp.MustCompile(`ALTER TABLE (\w+) ADD COLUMN ("?\w+"?) `)
	columnLine  = regexp.MustCompile(`^\s*("?\w+"?)\s+(BIGINT|TEXT|BYTEA|DOUBLE PRECISION)\b`)
)

// postgresColumns reads the tables and columns the PostgreSQL migrations
// create.
func postgresColumns(t *testing.T) map[string][]string {
	t.Helper()
	names, _ := fs.Glob(pgMigrationFS, "migrations_pg/*.sql")
	out := map[string][]string{}
	for _, name := range names {
		body, _ := fs.ReadFile(pgMigrationFS, name)
		for _, stmt := range strings.Split(string(body), ";\n") {
			m := createTable.FindStringSubmatch(stmt)
			if m == nil {
				continue
			}
			for _, part := range strings.Split(m[2], "\n") {
				for _, col := range strings.Split(part, ", ") { // columns SQLite's ALTER TABLE put on one line
					if c := columnLine.FindStringSubmatch(col); c != nil {
						out[m[1]] = append(out[m[1]], strings.Trim(c[1], `"`))
					}
				}
			}
		}
		for _, m := range addColumn.FindAllStringSubmatch(string(body), -1) {
			out[m[1]] = append(out[m[1]], strings.Trim(m[2], `"`))
		}
	}
	if len(out) == 0 {
		t.Fatal("no tables found in migrations_pg")
	}
	return out
}
