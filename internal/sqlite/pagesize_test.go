package sqlite

import "testing"

// TestNewStorePageSize checks a new store is created with pageSize pages
// in WAL mode (a page size can only be chosen before the first table).
func TestNewStorePageSize(t *testing.T) {
	db := MustOpenDB(t)
	var size int
	var mode string
	if err := db.db.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	if err := db.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if size != pageSize || mode != "wal" {
		t.Fatalf("page size %d, journal mode %s; want %d, wal", size, mode, pageSize)
	}
}
