package cluster

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/schedule"
	"github.com/clearway/clearway/internal/testutil"
)

// tickLog records which nodes ran a job on which tick (the whole second
// the tick was due at).
type tickLog struct {
	mu   sync.Mutex
	runs map[time.Time][]string
}

func (l *tickLog) record(node string) {
	tick := time.Now().Round(time.Second)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.runs == nil {
		l.runs = map[time.Time][]string{}
	}
	l.runs[tick] = append(l.runs[tick], node)
}

// ticks returns the ticks seen, in order, and who ran each.
func (l *tickLog) ticks() ([]time.Time, map[time.Time][]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.SortedFunc(maps.Keys(l.runs), time.Time.Compare), maps.Clone(l.runs)
}

func (l *tickLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.runs)
}

// lastRunner is the node that ran the latest tick.
func (l *tickLog) lastRunner() string {
	ticks, runs := l.ticks()
	if len(ticks) == 0 {
		return ""
	}
	r := runs[ticks[len(ticks)-1]]
	return r[len(r)-1]
}

// gatedNode is one "daemon": a Leader for job and a real scheduler running
// job every second through the leader's gate.
type gatedNode struct {
	leader *Leader
	sched  *schedule.Scheduler
}

func startGatedNode(t *testing.T, ctx context.Context, s *Store, job, node string, ttl time.Duration, log *tickLog) *gatedNode {
	t.Helper()
	n := &gatedNode{leader: mustLeader(t, ctx, s, job, node, ttl)}
	n.sched = schedule.New(slog.New(slog.DiscardHandler))
	// This is how cmd/clearway would plug a job in.
	err := n.sched.Add(job, "@every 1s", n.leader.Gate(func(context.Context) error {
		log.record(node)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	n.sched.Start(ctx)
	t.Cleanup(n.stopScheduler)
	return n
}

func (n *gatedNode) stopScheduler() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n.sched.Stop(ctx)
}

// checkOncePerTick fails unless every tick ran exactly once, with no tick
// missing between the first and the last.
func checkOncePerTick(t *testing.T, log *tickLog) {
	t.Helper()
	ticks, runs := log.ticks()
	for i, tick := range ticks {
		if got := runs[tick]; len(got) != 1 {
			t.Errorf("tick %s ran on %v, want exactly one node", tick.Format(time.TimeOnly), got)
		}
		if i > 0 && tick.Sub(ticks[i-1]) != time.Second {
			t.Errorf("ticks %s then %s: a tick ran nowhere", ticks[i-1].Format(time.TimeOnly), tick.Format(time.TimeOnly))
		}
	}
}

// Two nodes schedule the same job every second; through the gate it runs
// once per tick in total, on the lease holder.
func TestGateRunsEachTickOnce(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	const job = "outbound:acme"
	log := &tickLog{}
	a := startGatedNode(t, t.Context(), s, job, "node-a", 3*time.Second, log)
	b := startGatedNode(t, t.Context(), s, job, "node-b", 3*time.Second, log)
	if !a.leader.Held() || b.leader.Held() {
		t.Fatalf("held: node-a %v, node-b %v; want only node-a (it opened first)", a.leader.Held(), b.leader.Held())
	}

	testutil.WaitFor(t, "5 ticks", 15*time.Second, func() bool { return log.count() >= 5 })
	a.stopScheduler()
	b.stopScheduler()

	checkOncePerTick(t, log)
	ticks, runs := log.ticks()
	for _, tick := range ticks {
		if got := runs[tick]; len(got) > 0 && got[0] != "node-a" {
			t.Errorf("tick %s ran on %s, want node-a, the holder", tick.Format(time.TimeOnly), got[0])
		}
	}
	t.Logf("%d ticks, each run once", len(ticks))
}

// Killing the holder (its context ends, nothing is released) moves the job
// to the other node within one lease period.
func TestHandoverWhenHolderDies(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	const job = "outbound:tms"
	ttl := 2 * time.Second
	log := &tickLog{}
	ctxA, killA := context.WithCancel(t.Context())
	a := startGatedNode(t, ctxA, s, job, "node-a", ttl, log)
	b := startGatedNode(t, t.Context(), s, job, "node-b", ttl, log)
	testutil.WaitFor(t, "a tick on node-a", 5*time.Second, func() bool { return log.lastRunner() == "node-a" })

	// kill -9: the process stops, its lease stays in the table until it
	// expires.
	killed := time.Now()
	killA()
	a.stopScheduler()
	if a.leader.Held() {
		t.Error("node-a still holds after its death")
	}
	testutil.WaitFor(t, "node-b to take the lease", 3*ttl, b.leader.Held)
	took := time.Since(killed)
	t.Logf("handover took %s (ttl %s)", took.Round(time.Millisecond), ttl)
	if took > ttl+300*time.Millisecond {
		t.Errorf("handover took %s, want within one lease period (%s)", took, ttl)
	}
	if took < ttl/2 {
		t.Errorf("handover took %s: node-b took a lease that had not expired (renewals every %s)", took, ttl/3)
	}
	if got := leaseRow(t, s, job).Holder; got != "node-b" {
		t.Errorf("lease holder: got %q, want node-b", got)
	}

	testutil.WaitFor(t, "a tick on node-b", 5*time.Second, func() bool { return log.lastRunner() == "node-b" })
	b.stopScheduler()
	_, runs := log.ticks()
	for tick, nodes := range runs {
		if len(nodes) != 1 {
			t.Errorf("tick %s ran on %v, want one node", tick.Format(time.TimeOnly), nodes)
		}
	}
}

// Close releases the lease: the other node takes it without waiting for
// the expiry.
func TestLeaderCloseHandsOverAtOnce(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	ttl := 3 * time.Second
	a := NewLeader(s, "retention", "node-a", ttl)
	if err := a.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	b := mustLeader(t, t.Context(), s, "retention", "node-b", ttl)
	if !a.Held() {
		t.Fatal("node-a does not hold after Open")
	}
	closed := time.Now()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "node-b to take the lease", 2*ttl, b.Held)
	if took := time.Since(closed); took > ttl/3+300*time.Millisecond {
		t.Errorf("handover after Close took %s, want at most one poll (%s)", took, ttl/3)
	}
}

// A run under the gate is cancelled, with cause ErrLeaseLost, when the lease
// is taken from its node.
func TestRunEndsWhenLeaseLost(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	ttl := 900 * time.Millisecond
	l := mustLeader(t, t.Context(), s, "dashboards", "node-a", ttl)
	cause := make(chan error, 1)
	go func() {
		ran, err := l.Run(t.Context(), func(ctx context.Context) error {
			// Another node steals the lease (as if node-a had been frozen).
			if _, err := s.db.ExecContext(ctx, `UPDATE cluster_leases SET holder = 'thief' WHERE name = 'dashboards'`); err != nil {
				return err
			}
			<-ctx.Done()
			return context.Cause(ctx)
		})
		if !ran {
			err = errors.New("did not run")
		}
		cause <- err
	}()
	select {
	case err := <-cause:
		if !errors.Is(err, ErrLeaseLost) {
			t.Errorf("run ended with %v, want ErrLeaseLost", err)
		}
	case <-time.After(ttl):
		t.Fatal("run not cancelled within a lease period of losing the lease")
	}
	if l.Held() {
		t.Error("Held after the lease was taken")
	}
	if ran, _ := l.Run(t.Context(), func(context.Context) error { return nil }); ran {
		t.Error("Run ran without the lease")
	}
}
