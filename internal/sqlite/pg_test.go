package sqlite

import (
	"os"
	"testing"

	"github.com/clearway/clearway/internal/testutil/pgtest"
)

// TestMain stops the throwaway PostgreSQL a run on it started.
func TestMain(m *testing.M) { pgtest.Main(m) }

// onPostgres reports whether the store tests run on PostgreSQL
// (CLEARWAY_STORE=postgres, as make test does a second time).
func onPostgres() bool { return os.Getenv("CLEARWAY_STORE") == "postgres" }

// testPostgres returns the DSN of a fresh database on a throwaway cluster
// when the store tests run on PostgreSQL, "" when they run on SQLite.
func testPostgres(tb testing.TB) string {
	if !onPostgres() {
		return ""
	}
	return pgtest.New(tb)
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
	if onPostgres() {
		t.Skip("tests " + what)
	}
}
