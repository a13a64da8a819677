package cluster

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func mustTry(t *testing.T, s *Store, name, holder string, ttl time.Duration, want bool) {
	t.Helper()
	got, err := s.TryAcquire(context.Background(), name, holder, ttl)
	if err != nil {
		t.Fatalf("TryAcquire(%s, %s): %v", name, holder, err)
	}
	if got != want {
		t.Fatalf("TryAcquire(%s, %s): got %v, want %v", name, holder, got, want)
	}
}

func mustRenew(t *testing.T, s *Store, name, holder string, ttl time.Duration, want bool) {
	t.Helper()
	got, err := s.Renew(context.Background(), name, holder, ttl)
	if err != nil {
		t.Fatalf("Renew(%s, %s): %v", name, holder, err)
	}
	if got != want {
		t.Fatalf("Renew(%s, %s): got %v, want %v", name, holder, got, want)
	}
}

func TestLeaseAcquireRenewRelease(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	const job = "outbound:acme"
	ttl := time.Minute

	mustTry(t, s, job, "a", ttl, true)
	first := leaseRow(t, s, job)
	mustTry(t, s, job, "b", ttl, false)
	mustRenew(t, s, job, "b", ttl, false)

	// Acquiring again extends, keeping the acquisition time.
	mustTry(t, s, job, "a", ttl, true)
	again := leaseRow(t, s, job)
	if !again.AcquiredAt.Equal(first.AcquiredAt) {
		t.Errorf("acquired_at after re-acquire: got %v, want %v", again.AcquiredAt, first.AcquiredAt)
	}
	if !again.RenewedAt.After(first.RenewedAt) {
		t.Errorf("renewed_at after re-acquire: got %v, want after %v", again.RenewedAt, first.RenewedAt)
	}
	mustRenew(t, s, job, "a", ttl, true)

	// Another holder's release changes nothing; the holder's frees it.
	if err := s.Release(context.Background(), job, "b"); err != nil {
		t.Fatal(err)
	}
	mustTry(t, s, job, "b", ttl, false)
	if err := s.Release(context.Background(), job, "a"); err != nil {
		t.Fatal(err)
	}
	mustRenew(t, s, job, "a", ttl, false)
	mustTry(t, s, job, "b", ttl, true)
	if got := leaseRow(t, s, job); got.Holder != "b" || !got.AcquiredAt.After(first.AcquiredAt) {
		t.Errorf("after hand-over: got holder %q acquired %v, want b acquired after %v", got.Holder, got.AcquiredAt, first.AcquiredAt)
	}

	// Leases are independent of each other.
	mustTry(t, s, "retention", "a", ttl, true)
}

// A lease ends when the database clock passes expires_at, which is the
// database's now() at acquisition plus the ttl.
func TestLeaseExpiresByDatabaseClock(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	ctx := context.Background()
	const job = "outbound:fastclear"
	ttl := 700 * time.Millisecond

	mustTry(t, s, job, "a", ttl, true)
	row := leaseRow(t, s, job)
	if got := row.ExpiresAt.Sub(row.AcquiredAt); got != ttl {
		t.Errorf("expires_at - acquired_at: got %s, want %s", got, ttl)
	}
	var dbNow time.Time
	if err := s.db.QueryRowContext(ctx, `SELECT now()`).Scan(&dbNow); err != nil {
		t.Fatal(err)
	}
	if skew := dbNow.Sub(row.AcquiredAt); skew < 0 || skew > 5*time.Second {
		t.Errorf("acquired_at %v is not the database's recent now() %v", row.AcquiredAt, dbNow)
	}

	// Sleep in the database until just before, then just after, the expiry.
	sleepUntil := func(offset time.Duration) {
		t.Helper()
		_, err := s.db.ExecContext(ctx, `SELECT pg_sleep(greatest(0, extract(epoch FROM $1::timestamptz - clock_timestamp())))`,
			row.ExpiresAt.Add(offset))
		if err != nil {
			t.Fatal(err)
		}
	}
	sleepUntil(-200 * time.Millisecond)
	mustTry(t, s, job, "b", ttl, false)
	sleepUntil(10 * time.Millisecond)
	mustRenew(t, s, job, "a", ttl, false)
	mustTry(t, s, job, "b", ttl, true)
}

// Many nodes trying at once: exactly one gets the lease.
func TestLeaseAcquireIsAtomic(t *testing.T) {
	t.Parallel()
	s := mustOpenStore(t)
	for round := range 5 {
		name := fmt.Sprintf("escalations-%d", round)
		var won atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 8 {
			wg.Go(func() {
				<-start
				ok, err := s.TryAcquire(context.Background(), name, fmt.Sprintf("node-%d", i), time.Minute)
				if err != nil {
					t.Errorf("TryAcquire node-%d: %v", i, err)
				}
				if ok {
					won.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if got := won.Load(); got != 1 {
			t.Errorf("round %d: got %d holders, want 1", round, got)
		}
	}
}

func TestLeaseRefusesBadArguments(t *testing.T) {
	s := &Store{} // refused before any statement
	for _, tc := range []struct {
		name, lease, holder string
		ttl                 time.Duration
	}{
		{"EmptyName", "", "a", time.Second},
		{"EmptyHolder", "job", "", time.Second},
		{"ZeroTTL", "job", "a", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.TryAcquire(context.Background(), tc.lease, tc.holder, tc.ttl); err == nil {
				t.Error("TryAcquire: got no error, want one")
			}
			if _, err := s.Renew(context.Background(), tc.lease, tc.holder, tc.ttl); err == nil {
				t.Error("Renew: got no error, want one")
			}
		})
	}
}
