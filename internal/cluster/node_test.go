package cluster

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/testutil"
)

func mustNode(t *testing.T, ctx context.Context, s *Store, id string) *Node {
	t.Helper()
	n := NewNode(s, "v1.2.3")
	n.ID = id
	n.Period = 50 * time.Millisecond
	if err := n.Open(ctx); err != nil {
		t.Fatalf("open node %s: %v", id, err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func mustStatus(t *testing.T, s *Store, staleAfter time.Duration) Status {
	t.Helper()
	st, err := s.Status(context.Background(), staleAfter)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	return st
}

func findNode(t *testing.T, st Status, id string) NodeStatus {
	t.Helper()
	i := slices.IndexFunc(st.Nodes, func(n NodeStatus) bool { return n.ID == id })
	if i < 0 {
		t.Fatalf("node %s not in status %+v", id, st.Nodes)
	}
	return st.Nodes[i]
}

func TestNodeHeartbeat(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	ctx, crash := context.WithCancel(t.Context())
	n := mustNode(t, ctx, s, "node-a")
	if !strings.HasPrefix(NewNode(s, "").ID, n.Host+"-") {
		t.Errorf("NewNode ID does not start with the host %q", n.Host)
	}

	first := findNode(t, mustStatus(t, s, time.Second), "node-a")
	if first.State != NodeUp || first.Version != "v1.2.3" || first.PID == 0 {
		t.Errorf("registered node: got %+v, want up, v1.2.3, with a pid", first)
	}
	testutil.WaitFor(t, "a heartbeat", 5*time.Second, func() bool {
		return findNode(t, mustStatus(t, s, time.Second), "node-a").SeenAt.After(first.SeenAt)
	})

	// A crash stops the heartbeat: the node goes stale, not gone.
	crash()
	time.Sleep(200 * time.Millisecond)
	if got := findNode(t, mustStatus(t, s, 100*time.Millisecond), "node-a"); got.State != NodeStale {
		t.Errorf("node after its heartbeat stopped: got state %q, want %q", got.State, NodeStale)
	}

	// Close marks it gone.
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	got := findNode(t, mustStatus(t, s, time.Second), "node-a")
	if got.State != NodeGone || got.LeftAt == nil {
		t.Errorf("closed node: got state %q left_at %v, want gone with left_at", got.State, got.LeftAt)
	}
}

// Open forgets nodes not seen for ForgetAfter.
func TestNodeForgetsOldNodes(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	if _, err := s.db.Exec(`INSERT INTO cluster_nodes (id, host, pid, version, started_at, seen_at)
		VALUES ('old', 'h', 1, 'v', now() - interval '3 days', now() - interval '2 days')`); err != nil {
		t.Fatal(err)
	}
	mustNode(t, t.Context(), s, "new")
	st := mustStatus(t, s, time.Second)
	if len(st.Nodes) != 1 || st.Nodes[0].ID != "new" {
		t.Errorf("nodes: got %+v, want only new", st.Nodes)
	}
}

// `cluster status --json` prints {"now", "nodes": [...], "leases": [...]}
// with ages, read from the database.
func TestStatusJSON(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	a := mustNode(t, t.Context(), s, "node-a")
	mustNode(t, t.Context(), s, "node-b")
	mustLeader(t, t.Context(), s, "outbound:acme", a.ID, 30*time.Second)
	time.Sleep(100 * time.Millisecond)

	raw, err := json.Marshal(mustStatus(t, s, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if keys := slices.Sorted(maps.Keys(doc)); !slices.Equal(keys, []string{"leases", "nodes", "now"}) {
		t.Errorf("top-level keys: got %v, want leases, nodes, now", keys)
	}
	var nodes, leases []map[string]any
	if err := json.Unmarshal(doc["nodes"], &nodes); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc["leases"], &leases); err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 2 || nodes[0]["id"] != "node-a" || nodes[0]["state"] != NodeUp {
		t.Errorf("nodes: got %v, want node-a and node-b, up", nodes)
	}
	if age, _ := nodes[0]["age_seconds"].(float64); age <= 0 || age > 30 {
		t.Errorf("node-a age_seconds: got %v, want a small positive age", nodes[0]["age_seconds"])
	}
	if len(leases) != 1 {
		t.Fatalf("leases: got %v, want one", leases)
	}
	l := leases[0]
	if l["name"] != "outbound:acme" || l["holder"] != "node-a" || l["state"] != LeaseHeld || l["holder_state"] != NodeUp {
		t.Errorf("lease: got %v, want outbound:acme held by node-a (up)", l)
	}
	if in, _ := l["expires_in_seconds"].(float64); in <= 0 || in > 30 {
		t.Errorf("expires_in_seconds: got %v, want within the 30s ttl", l["expires_in_seconds"])
	}
	if age, _ := l["age_seconds"].(float64); age < 0.1 || age > 30 {
		t.Errorf("lease age_seconds: got %v, want at least the 0.1s slept", l["age_seconds"])
	}
}
