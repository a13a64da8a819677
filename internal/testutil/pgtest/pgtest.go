// Package pgtest gives tests a real PostgreSQL: one throwaway cluster per
// test binary (initdb in a temp dir, postgres on 127.0.0.1 and a unix socket
// in that dir, trust auth, fsync off) and a fresh database per test.
//
// A package using it stops the cluster after its tests with
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// Without that, the server still dies with the test binary (it is started
// with a parent-death signal) and the next run removes the leftover folder.
//
// As root (CI), initdb and postgres run as the "postgres" user, or "nobody"
// when there is none: PostgreSQL refuses to run as root.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The cluster shared by the tests of this binary.
var (
	mu       sync.Mutex
	shared   *server
	startErr error
	stopped  bool
)

// Main runs the tests of m, then stops the cluster and removes its folder.
// Call it from TestMain; the test binary exits with m.Run's code.
func Main(m *testing.M) {
	m.Run()
	Stop()
}

// Stop ends the cluster, if one was started, and removes its folder. New
// fails after Stop.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	stopped = true
	if shared != nil {
		shared.stop()
		shared = nil
	}
}

// New creates an empty database for the test, dropped at cleanup, and
// returns its DSN (postgres://postgres@127.0.0.1:PORT/t_…?sslmode=disable).
// It starts the cluster on first use. Without initdb and postgres the test
// is skipped, or fails in CI (CI=true), where .ci/run installs them.
func New(tb testing.TB) string {
	tb.Helper()
	s := cluster(tb)
	name := "t_" + randomHex(tb, 8)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.admin(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE: connections a test left open must not keep it alive.
		if err := s.admin(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database: %v", err)
		}
	})
	return s.dsn(name)
}

// AdminDSN returns the DSN of the cluster's "postgres" database, for tests
// that look at the cluster as a whole (pg_database, pg_stat_activity).
func AdminDSN(tb testing.TB) string {
	tb.Helper()
	return cluster(tb).dsn("postgres")
}

// cluster returns the running cluster, starting it on first use.
func cluster(tb testing.TB) *server {
	tb.Helper()
	bins := requireTools(tb)
	mu.Lock()
	defer mu.Unlock()
	if stopped {
		tb.Fatal("pgtest: the cluster was stopped")
	}
	if shared == nil && startErr == nil {
		shared, startErr = start(bins)
	}
	if startErr != nil {
		tb.Fatalf("start throwaway postgresql: %v", startErr)
	}
	return shared
}

// tools are the PostgreSQL programs the cluster needs, from one install.
type tools struct {
	initdb, postgres string
}

// requireTools finds initdb and postgres or skips the test (fails in CI),
// as testutil.RequireTool does for other programs.
func requireTools(tb testing.TB) tools {
	tb.Helper()
	t, err := findTools()
	if err == nil {
		return t
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%v: PostgreSQL is required in CI but not installed (.ci/run should install the postgresql package)", err)
	}
	tb.Skipf("PostgreSQL not installed (%v); install the postgresql package", err)
	return tools{}
}

// findTools looks for initdb on PATH, then in Debian's
// /usr/lib/postgresql/VERSION/bin (newest first), and takes postgres from
// the same folder so both are one version.
func findTools() (tools, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	dirs = append(dirs, debianBinDirs()...)
	for _, dir := range dirs {
		t := tools{initdb: filepath.Join(dir, "initdb"), postgres: filepath.Join(dir, "postgres")}
		if isExecutable(t.initdb) && isExecutable(t.postgres) {
			return t, nil
		}
	}
	return tools{}, errors.New("initdb and postgres not found on PATH or in /usr/lib/postgresql/*/bin")
}

// debianBinDirs lists /usr/lib/postgresql/*/bin, highest version first.
func debianBinDirs() []string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(dir string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		return v
	}
	slices.SortFunc(dirs, func(a, b string) int {
		va, vb := version(a), version(b)
		switch {
		case va > vb:
			return -1
		case va < vb:
			return 1
		}
		return strings.Compare(a, b)
	})
	return dirs
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// admin runs one statement in the cluster's "postgres" database.
func (s *server) admin(ctx context.Context, stmt string) error {
	conn, err := pgx.Connect(ctx, s.dsn("postgres"))
	if err != nil {
		return fmt.Errorf("connect to %s: %w", s.addr(), err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// dsn is the URL of database db over TCP as the superuser.
func (s *server) dsn(db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Host:     s.addr(),
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

func (s *server) addr() string { return net.JoinHostPort("127.0.0.1", s.port) }

func randomHex(tb testing.TB, n int) string {
	tb.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}
