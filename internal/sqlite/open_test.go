package sqlite

import (
	"context"
	"testing"
	"time"
)

// TestNewStorePageSize checks a new store is created with pageSize pages
// in WAL mode (a page size can only be chosen before the first table).
func TestNewStorePageSize(t *testing.T) {
	skipOnPostgres(t, "the page size of an SQLite file")
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

// TestOpenDoesNotWaitForAWriter checks a command that only reads (Open,
// then a query) goes ahead while the daemon holds the write lock for a big
// file's transaction.
func TestOpenDoesNotWaitForAWriter(t *testing.T) {
	skipOnPostgres(t, "SQLite's single writer")
	ctx := context.Background()
	db := MustOpenDB(t)
	tx, err := db.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('held', 'yes')`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		reader := NewDB(db.Path)
		err := reader.Open()
		if err == nil {
			_, err = reader.ListShipments(ctx)
			reader.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Open waited for the writer's transaction")
	}
}
