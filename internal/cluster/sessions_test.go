package cluster

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/testutil/pgtest"
)

// Sessions published by one node count on the others while it is alive,
// and stop counting when it leaves.
func TestSessionsAcrossNodes(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	ctx := t.Context()
	mustNode(t, ctx, s, "node-a")
	crashCtx, crash := context.WithCancel(ctx)
	b := mustNode(t, crashCtx, s, "node-b")
	a := &Sessions{Store: s, Node: "node-a", StaleAfter: time.Minute}
	bs := &Sessions{Store: s, Node: "node-b", StaleAfter: time.Minute}
	if err := bs.Publish(ctx, "acme", 2); err != nil {
		t.Fatal(err)
	}
	if err := a.Publish(ctx, "acme", 1); err != nil {
		t.Fatal(err)
	}
	bs.Publish(ctx, "globex", 5)
	if n, err := a.OpenElsewhere(ctx, "acme"); err != nil || n != 2 {
		t.Fatalf("node A sees %d of acme's sessions elsewhere (%v), want node B's 2", n, err)
	}
	if n, _ := bs.OpenElsewhere(ctx, "acme"); n != 1 {
		t.Fatalf("node B sees %d, want node A's 1", n)
	}
	bs.Publish(ctx, "acme", 0)
	if n, _ := a.OpenElsewhere(ctx, "acme"); n != 0 {
		t.Fatalf("after B's sessions closed node A sees %d", n)
	}
	bs.Publish(ctx, "acme", 3)
	crash()
	b.Close() // leaves the cluster: its sessions stop counting
	if n, _ := a.OpenElsewhere(ctx, "acme"); n != 0 {
		t.Fatalf("a node that left still counts %d sessions", n)
	}
}

// Nodes admitting a partner's sessions at the same instant take turns: of
// twelve nodes asking at once for a partner limited to three sessions,
// exactly three are admitted, and the count they published says so.
func TestSessionsAdmitTakesTurns(t *testing.T) {
	t.Parallel()
	dsn := pgtest.New(t)
	ctx := t.Context()
	const nodes, limit = 12, 3
	ledgers := make([]*Sessions, nodes)
	for i := range ledgers {
		id := fmt.Sprintf("node-%02d", i)
		// Each node its own store and connections, already open, as in a
		// cluster.
		own, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { own.Close() })
		mustNode(t, ctx, own, id)
		ledgers[i] = &Sessions{Store: own, Node: id, StaleAfter: time.Minute}
		if _, err := ledgers[i].OpenElsewhere(ctx, "acme"); err != nil {
			t.Fatal(err)
		}
	}
	start := make(chan struct{})
	var admitted atomic.Int32
	var wg sync.WaitGroup
	for _, l := range ledgers {
		wg.Go(func() {
			<-start
			ok, err := l.Admit(ctx, "acme", 0, limit)
			if err != nil {
				t.Error(err)
			}
			if ok {
				admitted.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := admitted.Load(); n != limit {
		t.Fatalf("%d sessions admitted at once, want the limit of %d", n, limit)
	}
	if n, err := ledgers[0].OpenElsewhere(ctx, "acme"); err != nil || n+openOn(t, ledgers[0]) != limit {
		t.Fatalf("published counts add up to %d (%v), want %d", n+openOn(t, ledgers[0]), err, limit)
	}
	if ok, _ := ledgers[0].Admit(ctx, "acme", openOn(t, ledgers[0]), limit); ok {
		t.Fatal("a fourth session admitted")
	}
}

// openOn is the count a node published for acme.
func openOn(t *testing.T, l *Sessions) int {
	t.Helper()
	var n int
	err := l.Store.db.QueryRowContext(t.Context(), `SELECT COALESCE(SUM(open), 0) FROM cluster_sftp_sessions WHERE node = $1 AND partner = 'acme'`, l.Node).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
