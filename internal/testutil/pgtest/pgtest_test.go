package pgtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func mustConnect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Two tests get two databases: a table made in one is absent in the other.
func TestNewSeparateDatabases(t *testing.T) {
	names := make(chan string, 2)
	t.Run("group", func(t *testing.T) {
		for _, tc := range []string{"A", "B"} {
			t.Run(tc, func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				conn := mustConnect(t, New(t))
				var db string
				if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(db, "t_") {
					t.Errorf("database %q, want a t_ name", db)
				}
				names <- db
				var n int
				if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'shared_name'").Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != 0 {
					t.Errorf("got %d tables named shared_name in a new database, want 0", n)
				}
				if _, err := conn.Exec(ctx, "CREATE TABLE shared_name (who text)"); err != nil {
					t.Fatalf("create table: %v", err)
				}
			})
		}
	})
	close(names)
	var got []string
	for n := range names {
		got = append(got, n)
	}
	if len(got) != 2 || got[0] == got[1] {
		t.Fatalf("got databases %v, want two different ones", got)
	}
	// Both subtests ended: their databases were dropped.
	admin := mustConnect(t, AdminDSN(t))
	var left int
	if err := admin.QueryRow(t.Context(), "SELECT count(*) FROM pg_database WHERE datname = ANY($1)", got).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("got %d of %v still present after cleanup, want 0", left, got)
	}
}

// The cluster is what the package promises: fsync off, loopback only, and
// not run by root.
func TestClusterSettings(t *testing.T) {
	t.Parallel()
	conn := mustConnect(t, New(t))
	for _, tc := range []struct{ setting, want string }{
		{"fsync", "off"},
		{"listen_addresses", "127.0.0.1"},
		{"server_encoding", "UTF8"},
	} {
		var got string
		if err := conn.QueryRow(t.Context(), "SELECT current_setting($1)", tc.setting).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.setting, got, tc.want)
		}
	}
	var sockets string
	if err := conn.QueryRow(t.Context(), "SELECT current_setting('unix_socket_directories')").Scan(&sockets); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sockets, dirPrefix) {
		t.Errorf("unix_socket_directories %q, want the cluster's temp folder", sockets)
	}
}
