package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// mustOpenStore opens a Store on a fresh database of the throwaway cluster.
func mustOpenStore(tb testing.TB) *Store {
	tb.Helper()
	dsn := pgtest.New(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("open cluster store: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// mustLeader opens a Leader under ctx and closes it at cleanup.
func mustLeader(tb testing.TB, ctx context.Context, s *Store, name, holder string, ttl time.Duration) *Leader {
	tb.Helper()
	l := NewLeader(s, name, holder, ttl)
	if err := l.Open(ctx); err != nil {
		tb.Fatalf("open leader %s: %v", holder, err)
	}
	tb.Cleanup(func() {
		if err := l.Close(); err != nil {
			tb.Errorf("close leader %s: %v", holder, err)
		}
	})
	return l
}

// leaseRow reads one lease as stored.
func leaseRow(tb testing.TB, s *Store, name string) LeaseRow {
	tb.Helper()
	l := LeaseRow{Name: name}
	err := s.db.QueryRowContext(context.Background(),
		`SELECT holder, acquired_at, expires_at, renewed_at FROM cluster_leases WHERE name = $1`, name).
		Scan(&l.Holder, &l.AcquiredAt, &l.ExpiresAt, &l.RenewedAt)
	if err != nil {
		tb.Fatalf("read lease %q: %v", name, err)
	}
	return l
}
