package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to count rows in the target
	_ "github.com/mattn/go-sqlite3"

	"github.com/clearway/clearway/internal/testutil/pgtest"
)

// The story's SQLite store moved to PostgreSQL: interrupted once and run
// again, every row is there exactly once, and the workspace on
// PostgreSQL shows the same shipments, reviews and timelines.
func TestMigrateStoreToPostgres(t *testing.T) {
	t.Parallel()
	d := workspaceDemo(t)
	browserStory(t, d)
	dsn := pgtest.New(t)

	// Interrupted: killed once the first table is copied, row by row.
	cmd := exec.Command(binPath, "migrate-store", "--to", "postgres", dsn, "--batch", "1")
	cmd.Env = append(os.Environ(), "CLEARWAY_CONFIG="+d.config)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatal("migrate-store printed nothing")
	}
	cmd.Process.Kill()
	cmd.Wait()
	if out, errOut, code := d.clearway(t, "migrate-store", "--to", "postgres", dsn); code != 0 || !strings.Contains(out, "copied") {
		t.Fatalf("migrate-store again: exit %d\n%s%s", code, out, errOut)
	}
	compareRowCounts(t, filepath.Join(d.dir, "var", "clearway.db"), dsn)
	if _, errOut, code := d.clearway(t, "migrate-store", "--to", "postgres", dsn); code != 0 {
		t.Errorf("a third run (nothing left to copy): %s", errOut)
	}
	compareRowCounts(t, filepath.Join(d.dir, "var", "clearway.db"), dsn)

	// The same shipments, reviews and timelines through both stores.
	sqliteView := storeViews(t, d)
	cfg, _ := os.ReadFile(d.config)
	os.WriteFile(d.config, append(cfg, []byte("store: {driver: postgres, dsn: \""+dsn+"\"}\n")...), 0o644)
	if got := storeViews(t, d); got != sqliteView {
		t.Errorf("the PostgreSQL store shows something else:\n%s\nwant\n%s", got, sqliteView)
	}
	dm := d.start(t)
	token := apiToken(t, d, "ana")
	code, body := apiGet(t, dm.httpURL(t), token, "/api/v1/shipments/MAEU240312345")
	if code != 200 || !strings.Contains(string(body), `"timeline"`) || !strings.Contains(string(body), "INV-2026-0042") {
		t.Errorf("the workspace API on PostgreSQL: %d %.500s", code, body)
	}
	// A shipment created there gets a ref of its own: the sequences moved
	// past the ids copied.
	before, _, _ := d.clearway(t, "shipment", "list", "--json")
	inv := filepath.Join(d.dir, "out", "new", "INV-2026-0077_BL-MAEU240377777.xlsx")
	os.MkdirAll(filepath.Dir(inv), 0o755)
	writeInvoice(t, inv, "INV-2026-0077", "4500077777", "CN", "8482.10.5048")
	if out, errOut, code := d.clearway(t, "ingest", "--partner", "acme", "--into", "inbox/invoices", inv); code != 0 {
		t.Fatalf("ingest on PostgreSQL after the copy: %s%s", out, errOut)
	}
	show, _, _ := d.clearway(t, "shipment", "show", "MAEU240377777", "--json")
	var s struct{ Ref string }
	json.Unmarshal([]byte(show), &s)
	if s.Ref == "" || strings.Contains(before, `"`+s.Ref+`"`) {
		t.Errorf("the new shipment's ref %q (the copied ones: %.300s)", s.Ref, before)
	}
}

// storeViews is what the commands (and the API, which answers the same
// JSON) show of every shipment and review.
func storeViews(t *testing.T, d *demo) string {
	t.Helper()
	var b strings.Builder
	list, errOut, code := d.clearway(t, "shipment", "list", "--json")
	if code != 0 {
		t.Fatalf("shipment list: %s", errOut)
	}
	var ships []struct{ Ref string }
	json.Unmarshal([]byte(list), &ships)
	if len(ships) == 0 {
		t.Fatalf("no shipments: %s", list)
	}
	b.WriteString(list)
	for _, s := range ships {
		out, _, _ := d.clearway(t, "shipment", "show", s.Ref, "--json")
		b.WriteString(out)
	}
	reviews, _, _ := d.clearway(t, "review", "list", "--status", "all", "--json")
	b.WriteString(reviews)
	return b.String()
}

// compareRowCounts checks every table holds as many rows in PostgreSQL as
// in SQLite.
func compareRowCounts(t *testing.T, sqlitePath, dsn string) {
	t.Helper()
	src, err := sql.Open("sqlite3", "file:"+sqlitePath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := dst.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
		AND table_name NOT IN ('migrations', 'store_copy', 'meta') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	for _, table := range tables {
		var a, b int64
		src.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+table+`"`).Scan(&a)
		dst.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+table+`"`).Scan(&b)
		if a != b {
			t.Errorf("table %s: %d rows in SQLite, %d in PostgreSQL", table, a, b)
		}
	}
}
