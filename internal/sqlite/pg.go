package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Dialects the store speaks.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// openPostgres opens a pool on a PostgreSQL database whose connections
// rewrite the store's statements (toPostgres) as they are run.
func openPostgres(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres dsn: %w", err)
	}
	return sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)}), nil
}

// pgConnector hands out rewriting connections.
type pgConnector struct{ inner driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{conn.(*stdlib.Conn)}, nil
}

func (c pgConnector) Driver() driver.Driver { return c.inner.Driver() }

// pgConn is pgx's connection with the store's statements rewritten; every
// optional interface database/sql looks for is passed through.
type pgConn struct{ *stdlib.Conn }

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(toPostgres(query))
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	q, ids := returningID(toPostgres(query))
	s, err := c.Conn.PrepareContext(ctx, q)
	if err != nil || !ids {
		return s, err
	}
	return idStmt{s.(*stdlib.Stmt)}, nil
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	q, ids := returningID(toPostgres(query))
	if ids {
		return readIDs(c.Conn.QueryContext(ctx, q, args))
	}
	return c.Conn.ExecContext(ctx, q, args)
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, toPostgres(query), args)
}

var (
	_ driver.ConnPrepareContext = (*pgConn)(nil)
	_ driver.ExecerContext      = (*pgConn)(nil)
	_ driver.QueryerContext     = (*pgConn)(nil)
	_ driver.ConnBeginTx        = (*pgConn)(nil)
	_ driver.NamedValueChecker  = (*pgConn)(nil)
	_ driver.SessionResetter    = (*pgConn)(nil)
	_ driver.Pinger             = (*pgConn)(nil)
)

// PostgreSQL has no last insert id: an INSERT into a table whose rows get
// an id is run with RETURNING id instead, and its result answers
// LastInsertId (the highest id of the rows added) and RowsAffected as
// SQLite's would, so the store's statements need not know.

// pgTables are the PostgreSQL schema's tables in the order its
// migrations create them (parents first), and idTables those with an id
// column, read once from the embedded migrations.
var pgTables, idTables = readPGSchema()

func readPGSchema() (order []string, ids map[string]bool) {
	ids = map[string]bool{}
	names, _ := fs.Glob(pgMigrationFS, "migrations_pg/*.sql")
	for _, name := range names {
		body, _ := fs.ReadFile(pgMigrationFS, name)
		for _, m := range createTableRE.FindAllStringSubmatch(string(body), -1) {
			order = append(order, m[1])
			ids[m[1]] = m[2] != ""
		}
	}
	return order, ids
}

var (
	createTableRE = regexp.MustCompile(`(?m)^CREATE TABLE (\w+) \((\s*\n\s*id\s+BIGINT GENERATED)?`)
	insertInto    = regexp.MustCompile(`(?i)^\s*INSERT\s+INTO\s+(\w+)`)
)

// returningID gives an INSERT into an id table a RETURNING id clause.
func returningID(query string) (string, bool) {
	m := insertInto.FindStringSubmatch(query)
	if m == nil || !idTables[m[1]] || indexWord(query, "RETURNING") >= 0 {
		return query, false
	}
	return strings.TrimRight(query, " \t\n;") + " RETURNING id", true
}

// idResult is an INSERT's result read from its RETURNING id rows.
type idResult struct{ last, n int64 }

func (r idResult) LastInsertId() (int64, error) { return r.last, nil }
func (r idResult) RowsAffected() (int64, error) { return r.n, nil }

// readIDs drains RETURNING id rows into a result.
func readIDs(rows driver.Rows, err error) (driver.Result, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var r idResult
	dest := make([]driver.Value, 1)
	for {
		if err := rows.Next(dest); err == io.EOF {
			return r, nil
		} else if err != nil {
			return nil, err
		}
		id, _ := dest[0].(int64)
		r.last, r.n = max(r.last, id), r.n+1
	}
}

// idStmt is a prepared INSERT … RETURNING id that executes as SQLite's.
type idStmt struct{ *stdlib.Stmt }

func (s idStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return readIDs(s.Stmt.QueryContext(ctx, args))
}

// findingsHaveErrors is the condition that a findings column (a JSON array
// of validate.Finding) holds an error, in the store's dialect.
func (db *DB) findingsHaveErrors(column string) string {
	if db.postgres() {
		return `EXISTS (SELECT 1 FROM jsonb_array_elements(` + column + `::jsonb) e WHERE e ->> 'severity' = 'error')`
	}
	return `EXISTS (SELECT 1 FROM json_each(` + column + `) e WHERE e.value ->> 'severity' = 'error')`
}

// CheckNamedValue stores a Go bool as 0 or 1, as SQLite does: the schema
// keeps flags in integer columns.
func (c *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if b {
			nv.Value = int64(1)
		}
		return nil
	}
	return c.Conn.CheckNamedValue(nv)
}

// jsonInts is a SELECT of the integers of a JSON array bound at the
// placeholder ph (a column named value), in the store's dialect.
func (db *DB) jsonInts(ph string) string {
	if db.postgres() {
		return `SELECT (jsonb_array_elements_text(` + ph + `::jsonb))::bigint AS value`
	}
	return `SELECT value FROM json_each(` + ph + `)`
}

// jsonTexts is jsonInts for a JSON array of strings.
func (db *DB) jsonTexts(ph string) string {
	if db.postgres() {
		return `SELECT jsonb_array_elements_text(` + ph + `::jsonb) AS value`
	}
	return `SELECT value FROM json_each(` + ph + `)`
}

// jsonField is a JSON object column's text field key.
func (db *DB) jsonField(column, key string) string {
	if db.postgres() {
		return `(` + column + `::jsonb ->> '` + key + `')`
	}
	return `json_extract(` + column + `, '$.` + key + `')`
}

// jsonPatch is JSON object a with b's fields laid over it (SQLite's
// json_patch of flat objects).
func (db *DB) jsonPatch(a, b string) string {
	if db.postgres() {
		return `(` + a + `::jsonb || ` + b + `::jsonb)::text`
	}
	return `json_patch(` + a + `, ` + b + `)`
}
