package cluster

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Sessions counts partners' SFTP sessions across the nodes, so a partner's
// session limit holds for the cluster, not per node: each node publishes
// how many sessions each partner has open on it, and a node admitting one
// adds up those of the other live nodes (a dead node's count stops
// counting when its heartbeat goes stale).
type Sessions struct {
	Store *Store
	// Node is this node's id.
	Node string
	// StaleAfter is when a silent node's sessions stop counting.
	StaleAfter time.Duration
}

// Admit decides whether the partner may open one more session on this
// node, where open are already open: yes while this node's and the other
// live nodes' sessions together stay under limit, and then this node's
// count goes up by one at once. Nodes admitting the same partner's
// sessions take turns (an advisory lock per partner), so two at the same
// instant cannot both take the last place.
func (s *Sessions) Admit(ctx context.Context, partner string, open, limit int) (bool, error) {
	tx, err := s.Store.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("admit an sftp session of %s: %w", partner, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('clearway sftp sessions ' || $1, 0))`, partner); err != nil {
		return false, fmt.Errorf("admit an sftp session of %s: %w", partner, err)
	}
	elsewhere, err := s.openElsewhere(ctx, tx, partner)
	if err != nil {
		return false, err
	}
	if open+elsewhere >= limit {
		return false, nil
	}
	if err := s.publish(ctx, tx, partner, open+1); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("admit an sftp session of %s: %w", partner, err)
	}
	return true, nil
}

// querier is a database handle or a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// OpenElsewhere is the number of the partner's sessions open on the other
// live nodes.
func (s *Sessions) OpenElsewhere(ctx context.Context, partner string) (int, error) {
	return s.openElsewhere(ctx, s.Store.db, partner)
}

func (s *Sessions) openElsewhere(ctx context.Context, q querier, partner string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(s.open), 0) FROM cluster_sftp_sessions s
		JOIN cluster_nodes n ON n.id = s.node
		WHERE s.partner = $1 AND s.node <> $2 AND n.left_at IS NULL AND n.seen_at > now() - make_interval(secs => $3)`,
		partner, s.Node, s.StaleAfter.Seconds()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sftp sessions of %s on other nodes: %w", partner, err)
	}
	return n, nil
}

// Publish records that the partner has open sessions on this node.
func (s *Sessions) Publish(ctx context.Context, partner string, open int) error {
	return s.publish(ctx, s.Store.db, partner, open)
}

func (s *Sessions) publish(ctx context.Context, q querier, partner string, open int) error {
	_, err := q.ExecContext(ctx, `INSERT INTO cluster_sftp_sessions (node, partner, open) VALUES ($1, $2, $3)
		ON CONFLICT (node, partner) DO UPDATE SET open = excluded.open`, s.Node, partner, open)
	if err != nil {
		return fmt.Errorf("publish sftp sessions of %s: %w", partner, err)
	}
	return nil
}
