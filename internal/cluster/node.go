package cluster

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Node is this daemon's row in cluster_nodes: registered at Open, its
// seen_at refreshed every Period, marked gone at Close.
type Node struct {
	Store *Store
	// ID names the node and is its lease holder name; NewNode makes one
	// from the host, pid and a random suffix.
	ID      string
	Host    string
	PID     int
	Version string
	// Period is the heartbeat interval (default 5s); status calls a node
	// stale after a few missed ones.
	Period time.Duration
	// ForgetAfter removes, at Open, nodes not seen for this long (default
	// 24h), so cluster status does not list every past restart.
	ForgetAfter time.Duration
	Logger      *slog.Logger

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewNode returns a node of this process on store, with a fresh ID.
func NewNode(store *Store, version string) *Node {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	suffix := make([]byte, 3)
	rand.Read(suffix) // never fails (crypto/rand, Go 1.24+)
	pid := os.Getpid()
	return &Node{
		Store:   store,
		ID:      fmt.Sprintf("%s-%d-%s", host, pid, hex.EncodeToString(suffix)),
		Host:    host,
		PID:     pid,
		Version: version,
	}
}

// Open registers the node and starts its heartbeat, which runs until Close
// or until ctx ends (then the row is left to go stale, as after a crash).
func (n *Node) Open(ctx context.Context) error {
	if n.Store == nil || n.ID == "" {
		return errors.New("cluster node: store and id are required")
	}
	n.Period = orDefault(n.Period, 5*time.Second)
	n.ForgetAfter = orDefault(n.ForgetAfter, 24*time.Hour)
	if n.Logger == nil {
		n.Logger = slog.New(slog.DiscardHandler)
	}
	if err := n.Store.forgetNodes(ctx, n.ForgetAfter); err != nil {
		return err
	}
	if err := n.Store.registerNode(ctx, n); err != nil {
		return err
	}
	ctx, n.cancel = context.WithCancel(ctx)
	n.wg.Add(1)
	go n.heartbeat(ctx)
	return nil
}

// Close stops the heartbeat and marks the node gone.
func (n *Node) Close() error {
	if n.cancel == nil {
		return nil
	}
	n.cancel()
	n.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return n.Store.leaveNode(ctx, n.ID)
}

// heartbeat refreshes seen_at every Period, registering again if the row
// disappeared.
func (n *Node) heartbeat(ctx context.Context) {
	defer n.wg.Done()
	t := time.NewTicker(n.Period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		found, err := n.Store.touchNode(ctx, n.ID)
		if err == nil && !found {
			err = n.Store.registerNode(ctx, n)
		}
		if err != nil && ctx.Err() == nil {
			n.Logger.Warn("cluster heartbeat failed", "node", n.ID, "error", err)
		}
	}
}

// orDefault is d, or def when d is not positive.
func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// registerNode inserts or restarts node n's row.
func (s *Store) registerNode(ctx context.Context, n *Node) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO cluster_nodes (id, host, pid, version, started_at, seen_at)
		VALUES ($1, $2, $3, $4, now(), now())
		ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid,
			version = EXCLUDED.version, started_at = now(), seen_at = now(), left_at = NULL`,
		n.ID, n.Host, n.PID, n.Version)
	if err != nil {
		return fmt.Errorf("register node %q: %w", n.ID, err)
	}
	return nil
}

// touchNode sets the node's seen_at to now and reports whether its row
// exists.
func (s *Store) touchNode(ctx context.Context, id string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE cluster_nodes SET seen_at = now() WHERE id = $1 AND left_at IS NULL`, id)
	if err != nil {
		return false, fmt.Errorf("heartbeat node %q: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("heartbeat node %q: %w", id, err)
	}
	return n == 1, nil
}

// leaveNode marks the node gone.
func (s *Store) leaveNode(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE cluster_nodes SET seen_at = now(), left_at = now() WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("mark node %q gone: %w", id, err)
	}
	return nil
}

// forgetNodes deletes nodes not seen for longer than age.
func (s *Store) forgetNodes(ctx context.Context, age time.Duration) error {
	_, err := s.db.ExecContext(ctx, `
		DELETE FROM cluster_nodes WHERE seen_at < now() - $1::bigint * interval '1 microsecond'`, micros(age))
	if err != nil {
		return fmt.Errorf("forget old nodes: %w", err)
	}
	return nil
}

// listNodes reads every node row.
func listNodes(ctx context.Context, tx *sql.Tx) ([]NodeRow, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT id, host, pid, version, started_at, seen_at, left_at FROM cluster_nodes ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	defer rows.Close()
	var nodes []NodeRow
	for rows.Next() {
		var n NodeRow
		var left sql.NullTime
		if err := rows.Scan(&n.ID, &n.Host, &n.PID, &n.Version, &n.StartedAt, &n.SeenAt, &left); err != nil {
			return nil, fmt.Errorf("list nodes: %w", err)
		}
		n.LeftAt = left.Time
		nodes = append(nodes, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	return nodes, nil
}

// LiveNodes lists the nodes seen within staleAfter and not gone, by the
// database clock: those whose claims still count.
func (s *Store) LiveNodes(ctx context.Context, staleAfter time.Duration) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM cluster_nodes
		WHERE left_at IS NULL AND seen_at > now() - make_interval(secs => $1) ORDER BY id`, staleAfter.Seconds())
	if err != nil {
		return nil, fmt.Errorf("live nodes: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("live nodes: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
