package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/clearway/clearway/internal/testutil/pgtest"
)

// TestMain stops the throwaway PostgreSQL a run on it started.
func TestMain(m *testing.M) { pgtest.Main(m) }

// testPostgres returns the DSN of a fresh database when the store tests
// run on PostgreSQL, "" when they run on SQLite: CLEARWAY_STORE=postgres
// starts a throwaway cluster (pgtest; make test does this), and
// CLEARWAY_STORE_PG names a server of your own to create databases on.
func testPostgres(tb testing.TB) string {
	if os.Getenv("CLEARWAY_STORE") == "postgres" {
		return pgtest.New(tb)
	}
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
	if os.Getenv("CLEARWAY_STORE_PG") != "" || os.Getenv("CLEARWAY_STORE") == "postgres" {
		t.Skip("tests " + what)
	}
}
