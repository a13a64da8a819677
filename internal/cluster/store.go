package cluster

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// schema creates the cluster's tables; every statement is idempotent.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS cluster_nodes (
		id         text PRIMARY KEY,
		host       text NOT NULL,
		pid        integer NOT NULL,
		version    text NOT NULL,
		started_at timestamptz NOT NULL,
		seen_at    timestamptz NOT NULL,
		left_at    timestamptz
	)`,
	`CREATE TABLE IF NOT EXISTS cluster_leases (
		name        text PRIMARY KEY,
		holder      text NOT NULL,
		acquired_at timestamptz NOT NULL,
		expires_at  timestamptz NOT NULL,
		renewed_at  timestamptz NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS cluster_sftp_sessions (
		node    text NOT NULL,
		partner text NOT NULL,
		open    integer NOT NULL,
		PRIMARY KEY (node, partner)
	)`,
}

// schemaLock is the advisory lock key that serializes schema creation when
// several nodes start at once (CREATE TABLE IF NOT EXISTS alone can race).
const schemaLock = 0x636c7573746572 // "cluster"

// Store reads and writes the cluster tables over its own small pool, so
// lease renewals never queue behind the file store's work.
type Store struct {
	db *sql.DB
}

// Open connects to the PostgreSQL database at dsn and creates the cluster
// tables if they are missing.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("cluster database dsn: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{db: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }

// migrate creates the tables in one transaction under schemaLock.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create cluster tables: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(schemaLock)); err != nil {
		return fmt.Errorf("create cluster tables: lock: %w", err)
	}
	for _, stmt := range schema {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create cluster tables: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create cluster tables: %w", err)
	}
	return nil
}

// Status reads the nodes and leases as of one moment of the database clock
// and describes them (BuildStatus); nodes silent for staleAfter are stale.
func (s *Store) Status(ctx context.Context, staleAfter time.Duration) (Status, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return Status{}, fmt.Errorf("read cluster status: %w", err)
	}
	defer tx.Rollback()
	var now time.Time
	if err := tx.QueryRowContext(ctx, `SELECT now()`).Scan(&now); err != nil {
		return Status{}, fmt.Errorf("read cluster status: %w", err)
	}
	nodes, err := listNodes(ctx, tx)
	if err != nil {
		return Status{}, err
	}
	leases, err := listLeases(ctx, tx)
	if err != nil {
		return Status{}, err
	}
	if err := tx.Commit(); err != nil {
		return Status{}, fmt.Errorf("read cluster status: %w", err)
	}
	return BuildStatus(now, staleAfter, nodes, leases), nil
}

// micros is d as whole microseconds, PostgreSQL's interval resolution;
// statements turn it into an interval with $n::bigint * interval '1 microsecond'.
func micros(d time.Duration) int64 { return d.Microseconds() }
