package cluster

import (
	"context"
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

// OpenElsewhere is the number of the partner's sessions open on the other
// live nodes.
func (s *Sessions) OpenElsewhere(ctx context.Context, partner string) (int, error) {
	var n int
	err := s.Store.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(s.open), 0) FROM cluster_sftp_sessions s
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
	_, err := s.Store.db.ExecContext(ctx, `INSERT INTO cluster_sftp_sessions (node, partner, open) VALUES ($1, $2, $3)
		ON CONFLICT (node, partner) DO UPDATE SET open = excluded.open`, s.Node, partner, open)
	if err != nil {
		return fmt.Errorf("publish sftp sessions of %s: %w", partner, err)
	}
	return nil
}
