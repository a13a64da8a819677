// Package sqlite is Clearway's store: one SQLite file (go-sqlite3, WAL) with
// embedded migrations. Exported methods own their transaction; unexported
// helpers take a *sql.Tx so several compose in one.
//
// The store loads and saves; the decisions are in pure packages it calls
// inside the same transaction: spine (which shipment a record belongs to,
// line keys), sensitive (which changes wait for review), validate and
// readiness (findings, FILE_READY, finding reviews), lifecycle (entry state
// from evidence). Its surface, which a second backend implements, is:
// the intake journal (CreateFile, ClaimNextFile, UpdateFileState,
// RejectFile, FindFiles …), a file's ingest transaction (BeginIngest →
// Ingest.ApplyPrepared … Commit), the shipment record (FindShipment,
// ListShipments, PurchaseOrder, ShipmentAudit, ShipmentAttachments),
// decisions (ListReviews, DecideReview, SetState, ReassessIfRulesChanged),
// outbound and acks (ReserveOutbound, StateChanges, PacketsDue, PendingAcks
// …) and the remote ledgers.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"github.com/clearway/clearway/internal/notify"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// pgMigrationFS is the same schema for PostgreSQL (issue 16): dialect.go
// rewrites the store's statements, and a test keeps the two schemas'
// tables and columns equal.
//
//go:embed migrations_pg/*.sql
var pgMigrationFS embed.FS

// timeFormat is how times are stored: UTC, sortable as text.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// DB is the handle to the Clearway database file.
type DB struct {
	db *sql.DB

	// Path is the database file.
	Path string
	// Dialect is DialectSQLite (the default, at Path) or DialectPostgres
	// (at DSN).
	Dialect string
	DSN     string
	// Node names this process in a cluster; it marks the files it claims.
	Node string
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Rules are re-run on a shipment whenever its facts change; nil means
	// DefaultRules.
	Rules *Rules
	// Planner decides the notifications events call for (the notify
	// rules); nil: none are written.
	Planner *notify.Planner

	layouts *layouts  // how facts.fields rows are laid out, loaded at Open
	bulk    bulkSizes // PostgreSQL's COPY path (pg_bulk.go); zero: defaults
}

// NewDB returns a DB for the file at path; call Open before use.
func NewDB(path string) *DB {
	return &DB{Path: path, Now: time.Now}
}

// DSN returns the connection string. Settings live in the DSN so that every
// pooled connection gets them (a PRAGMA via Exec reaches only one).
// synchronous=FULL: a journaled upload is acknowledged to the partner, so its
// commit must survive a power cut, not only a crash.
func DSN(path string) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "on")
	// SQLite has one writer, and a big file is ingested in one transaction
	// (8 s for a million lines): an upload's journal entry waits for it
	// rather than failing the partner's transfer after a short wait.
	q.Set("_busy_timeout", "120000")
	q.Set("_txlock", "immediate")
	q.Set("_mutex", "no")
	q.Set("_synchronous", "FULL")
	// A 64 MiB page cache: a large file keeps two growing indexes hot.
	q.Set("_cache_size", "-65536")
	// Prepared statements are kept per connection and reused: re-running
	// the rules on every shipment a big file touches runs the same few
	// queries tens of thousands of times.
	q.Set("_stmt_cache_size", "64")
	return "file:" + path + "?" + q.Encode()
}

// NewPostgres returns a DB on the PostgreSQL database dsn names; call
// Open before use.
func NewPostgres(dsn string) *DB {
	return &DB{Dialect: DialectPostgres, DSN: dsn, Now: time.Now}
}

// postgres reports whether the store runs on PostgreSQL.
func (db *DB) postgres() bool { return db.Dialect == DialectPostgres }

// Open opens the database file, creating it and its folder when missing, and
// applies pending migrations.
func (db *DB) Open() error {
	if db.postgres() {
		return db.openPostgres()
	}
	if db.Path == "" {
		return fmt.Errorf("open database: no path")
	}
	if err := os.MkdirAll(filepath.Dir(db.Path), 0o750); err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	if _, err := os.Stat(db.Path); errors.Is(err, fs.ErrNotExist) {
		if err := createFile(db.Path); err != nil {
			return fmt.Errorf("create database %s: %w", db.Path, err)
		}
	}
	sdb, err := sql.Open("sqlite3", DSN(db.Path))
	if err != nil {
		return fmt.Errorf("open database %s: %w", db.Path, err)
	}
	db.db = sdb
	ctx := context.Background()
	if err := db.migrate(ctx, migrationFS, "migrations/*.sql"); err != nil {
		sdb.Close()
		return fmt.Errorf("migrate %s: %w", db.Path, err)
	}
	return db.openData(ctx, db.Path)
}

// openPostgres connects to the PostgreSQL database and applies pending
// migrations.
func (db *DB) openPostgres() error {
	sdb, err := openPostgres(db.DSN)
	if err != nil {
		return err
	}
	db.db = sdb
	ctx := context.Background()
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return fmt.Errorf("open postgres: %w", err)
	}
	if err := db.migrate(ctx, pgMigrationFS, "migrations_pg/*.sql"); err != nil {
		sdb.Close()
		return fmt.Errorf("migrate postgres: %w", err)
	}
	return db.openData(ctx, "postgres")
}

// openData loads what the store keeps in memory and brings old rows up to
// date (both no-ops on a new store).
func (db *DB) openData(ctx context.Context, where string) error {
	sdb := db.db
	var err error
	if db.layouts, err = loadLayouts(ctx, sdb); err != nil {
		sdb.Close()
		return fmt.Errorf("open %s: %w", where, err)
	}
	if err := db.compactObjectRows(ctx); err != nil {
		sdb.Close()
		return fmt.Errorf("open %s: %w", where, err)
	}
	if err := db.migrateSpine(ctx); err != nil {
		sdb.Close()
		return fmt.Errorf("open %s: %w", where, err)
	}
	return nil
}

// pageSize is the page size of new stores. A big file's transaction writes
// every page twice (to the WAL, then at the checkpoint), a system call a
// page: 16 KiB pages made the million-line ingest a third faster than the
// default 4 KiB. A store's page size is fixed when it is created.
const pageSize = 16384

// createFile creates an empty store with pageSize pages in WAL mode.
func createFile(path string) error {
	sdb, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		return err
	}
	defer sdb.Close()
	sdb.SetMaxOpenConns(1)
	for _, pragma := range []string{fmt.Sprintf("PRAGMA page_size = %d", pageSize), "PRAGMA journal_mode = WAL"} {
		if _, err := sdb.Exec(pragma); err != nil {
			return fmt.Errorf("%s: %w", pragma, err)
		}
	}
	return sdb.Close()
}

// Close closes the database.
func (db *DB) Close() error {
	if db.db == nil {
		return nil
	}
	return db.db.Close()
}

// migrate applies the embedded migrations not yet recorded, in name order,
// each in its own transaction.
func (db *DB) migrate(ctx context.Context, files fs.FS, pattern string) error {
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	names, err := fs.Glob(files, pattern)
	if err != nil {
		return err
	}
	sort.Strings(names)
	// Read first, and take the write lock only for a migration to apply: a
	// command that only looks must not wait for a big file's transaction.
	applied := map[string]bool{}
	rows, err := db.db.QueryContext(ctx, `SELECT name FROM migrations`)
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		applied[name] = true
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	for _, name := range names {
		if applied[name] {
			continue
		}
		if err := db.migrateFile(ctx, files, name); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// foreignKeysOff is the first line of a migration that rebuilds a table
// others refer to: it runs with foreign keys off, checked before commit.
const foreignKeysOff = "-- migrate: foreign_keys off"

func (db *DB) migrateFile(ctx context.Context, files fs.FS, name string) error {
	body, err := fs.ReadFile(files, name)
	if err != nil {
		return err
	}
	// One connection for the whole migration: the foreign_keys setting is
	// per connection, and cannot change inside a transaction.
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if strings.HasPrefix(string(body), foreignKeysOff) {
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if strings.HasPrefix(string(body), foreignKeysOff) {
		if err := foreignKeyCheck(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name, applied_at) VALUES (?, ?)`, name, db.now()); err != nil {
		return err
	}
	return tx.Commit()
}

// now is the current time in the stored format.
func (db *DB) now() string {
	return formatTime(db.Now())
}

func formatTime(t time.Time) string {
	return t.UTC().Format(timeFormat)
}

func parseTime(s string) (time.Time, error) {
	if t, ok := fastTime(s); ok {
		return t, nil
	}
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

// foreignKeyCheck fails when a row refers to one that does not exist.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return err
		}
		return fmt.Errorf("foreign key check: %s row %d refers to a missing %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}

// queryColumn runs a query of one column and returns its values in order.
func queryColumn[T any](ctx context.Context, tx q, query string, args ...any) ([]T, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// fastTime reads timeFormat ("2006-01-02T15:04:05.000000000Z") digit by
// digit: dashboards read hundreds of thousands of stored times.
func fastTime(s string) (time.Time, bool) {
	if len(s) != len(timeFormat) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[29] != 'Z' {
		return time.Time{}, false
	}
	n := func(from, to int) (int, bool) {
		v := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := n(0, 4)
	mo, ok2 := n(5, 7)
	d, ok3 := n(8, 10)
	h, ok4 := n(11, 13)
	mi, ok5 := n(14, 16)
	se, ok6 := n(17, 19)
	ns, ok7 := n(20, 29)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, se, ns, time.UTC), true
}
