package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/clearway"
)

// The files and shipments lines refer to must exist: SQLite checks them
// by foreign key, PostgreSQL a statement at a time (migration
// 004_fact_references); both refuse the same things.
func TestFactReferences(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	f := refFile(t, db)
	s1, s2 := refShipment(t, db, "CW-T1"), refShipment(t, db, "CW-T2")
	addLine := func(key string, file, shipment int64) error {
		_, err := db.db.ExecContext(ctx, `INSERT INTO facts (kind, key, shipment_id, fields, file_id, source) VALUES ('invoice_line', ?, ?, '[]', ?, '{}')`,
			key, nullID(shipment), file)
		return err
	}
	refused := func(what string, err error) {
		t.Helper()
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "foreign key") {
			t.Errorf("%s: want a foreign key error, got %v", what, err)
		}
	}
	if err := addLine("ok", f.ID, s1); err != nil {
		t.Fatal(err)
	}
	if err := addLine("loose", f.ID, 0); err != nil {
		t.Fatal(err)
	}
	refused("line of a file that does not exist", addLine("nofile", f.ID+100, s1))
	refused("line of a shipment that does not exist", addLine("noship", f.ID, s2+100))
	_, err := db.db.ExecContext(ctx, `UPDATE facts SET shipment_id = ? WHERE key = 'ok'`, s2+100)
	refused("line moved to a shipment that does not exist", err)
	_, err = db.db.ExecContext(ctx, `UPDATE facts SET file_id = ? WHERE key = 'ok'`, f.ID+100)
	refused("line moved to a file that does not exist", err)
	_, err = db.db.ExecContext(ctx, `DELETE FROM shipments WHERE id = ?`, s1)
	refused("shipment deleted under its lines", err)
	_, err = db.db.ExecContext(ctx, `DELETE FROM files WHERE id = ?`, f.ID)
	refused("file deleted under its lines", err)
	if _, err := db.db.ExecContext(ctx, `UPDATE facts SET shipment_id = ? WHERE key = 'ok'`, s2); err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.ExecContext(ctx, `DELETE FROM shipments WHERE id = ?`, s1); err != nil {
		t.Fatalf("a shipment no line names: %v", err)
	}
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM facts`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("facts: %d rows (%v), want the 2 accepted", n, err)
	}
}

// A shipment merged away while another transaction adds lines to it: the
// delete waits for that transaction and then is refused, as with a
// foreign key (the adding transaction locks the shipment).
func TestFactReferencesConcurrentDelete(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	f, s := refFile(t, db), refShipment(t, db, "CW-T1")
	adding, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer adding.Rollback()
	if _, err := adding.ExecContext(ctx, `INSERT INTO facts (kind, key, shipment_id, fields, file_id, source) VALUES ('invoice_line', 'k', ?, '[]', ?, '{}')`, s, f.ID); err != nil {
		t.Fatal(err)
	}
	deleted := make(chan error, 1)
	go func() {
		_, err := db.db.ExecContext(ctx, `DELETE FROM shipments WHERE id = ?`, s)
		deleted <- err
	}()
	select {
	case err := <-deleted:
		t.Fatalf("the delete did not wait for the transaction adding lines: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := adding.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-deleted; err == nil || !strings.Contains(strings.ToLower(err.Error()), "foreign key") {
		t.Fatalf("delete of a shipment lines were added to: want a foreign key error, got %v", err)
	}
}

// refFile and refShipment add a file and a shipment lines can name.
func refFile(t *testing.T, db *DB) *clearway.File {
	t.Helper()
	f := &clearway.File{Partner: "acme", Channel: clearway.ChannelSFTP, Name: "inbox/a.csv", Size: 1, SHA256: strings.Repeat("ab", 32)}
	if err := db.CreateFile(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	return f
}

func refShipment(t *testing.T, db *DB, ref string) int64 {
	t.Helper()
	res, err := db.db.ExecContext(context.Background(), `INSERT INTO shipments (ref, created_at, updated_at) VALUES (?, '', '')`, ref)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return id
}
