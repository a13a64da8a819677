// Package sqlitetest opens real stores for tests. It lives apart from
// testutil so that parser packages' tests, which use testutil, do not link
// cgo SQLite.
package sqlitetest

import (
	"path/filepath"
	"testing"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/sqlite"
)

// OpenStore opens a store and an archive in dir, as the daemon lays them
// out; the store is closed with the test.
func OpenStore(tb testing.TB, dir string) (*sqlite.DB, *archive.Archive) {
	tb.Helper()
	db := sqlite.NewDB(filepath.Join(dir, "clearway.db"))
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	arc := archive.New(filepath.Join(dir, "archive"))
	if err := arc.Open(); err != nil {
		tb.Fatal(err)
	}
	return db, arc
}
