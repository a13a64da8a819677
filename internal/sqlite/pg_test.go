package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// testPostgres returns the DSN of a fresh database when the store tests
// run on PostgreSQL (CLEARWAY_STORE_PG: the DSN of a server to create test
// databases on), "" when they run on SQLite.
func testPostgres(tb testing.TB) string {
	base := os.Getenv("CLEARWAY_STORE_PG")
	if base == "" {
		return ""
	}
	admin, err := openPostgres(base)
	if err != nil {
		tb.Fatal(err)
	}
	name := fmt.Sprintf("t_%d", rand.Int64())
	if _, err := admin.ExecContext(context.Background(), `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		admin.ExecContext(context.Background(), `DROP DATABASE `+name+` WITH (FORCE)`)
		admin.Close()
	})
	return withDatabase(base, name)
}

// withDatabase swaps the database of a key=value or URL DSN.
func withDatabase(dsn, name string) string {
	if strings.Contains(dsn, "://") {
		if i := strings.LastIndex(dsn, "/"); i > strings.Index(dsn, "://")+2 {
			rest := ""
			if j := strings.IndexByte(dsn[i:], '?'); j >= 0 {
				rest = dsn[i+j:]
			}
			return dsn[:i+1] + name + rest
		}
		return dsn + "/" + name
	}
	return dsn + " dbname=" + name
}

// reopened is a second handle on the same store.
func reopened(db *DB) *DB {
	if db.postgres() {
		return NewPostgres(db.DSN)
	}
	return NewDB(db.Path)
}

// skipOnPostgres skips a test of SQLite's own behaviour when the store
// tests run on PostgreSQL.
func skipOnPostgres(t *testing.T, what string) {
	if os.Getenv("CLEARWAY_STORE_PG") != "" {
		t.Skip("tests " + what)
	}
}
