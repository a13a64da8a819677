package cluster

import (
	"context"
	"testing"
	"time"
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
