package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/config"
	"github.com/clearway/clearway/internal/intake"
	"github.com/clearway/clearway/internal/sqlite"
	"github.com/clearway/clearway/internal/sqlite/sqlitetest"
	"github.com/clearway/clearway/internal/testutil"
)

// hub is the local side a pull hands files to: a real store, archive and
// intake in a temp dir.
type hub struct {
	DB      *sqlite.DB
	Archive *archive.Archive
	Intake  *intake.Intake
	TempDir string
	Logger  *slog.Logger
}

func mustHub(tb testing.TB) *hub {
	tb.Helper()
	dir := tb.TempDir()
	db, arc := sqlitetest.OpenStore(tb, dir)
	logger := testLogger(tb)
	return &hub{
		DB:      db,
		Archive: arc,
		Intake:  &intake.Intake{DB: db, Archive: arc, Logger: logger},
		TempDir: filepath.Join(dir, "remote", "tmp"),
		Logger:  logger,
	}
}

func testLogger(tb testing.TB) *slog.Logger {
	if _, ok := tb.(*testing.B); ok {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// journal returns every journaled file.
func (h *hub) journal(tb testing.TB) []*clearway.File {
	tb.Helper()
	files, err := h.DB.FindFiles(context.Background(), clearway.FileFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

// remoteConfig is the partner config for the test sshd.
func remoteConfig(s *testutil.SSHD) config.RemoteConfig {
	return config.RemoteConfig{
		Address:        s.Addr,
		User:           s.User,
		PrivateKeyFile: s.ClientKeyFile,
		KnownHostsFile: s.KnownHostsFile,
	}
}

func mustMkdir(tb testing.TB, dir string) {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
}

func mustWrite(tb testing.TB, name string, data []byte) {
	tb.Helper()
	mustMkdir(tb, filepath.Dir(name))
	if err := os.WriteFile(name, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func exists(name string) bool {
	_, err := os.Lstat(name)
	return err == nil
}

func TestDial(t *testing.T) {
	s := testutil.StartSSHD(t)
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		c, err := Dial(ctx, remoteConfig(s))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if !c.posixRename {
			t.Fatal("OpenSSH offers posix-rename@openssh.com; not detected")
		}
		if _, err := c.sftp.Stat(s.Root); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	})

	t.Run("ErrHostKeyChanged", func(t *testing.T) {
		other := testutil.MustKey(t, t.TempDir(), "other_host_key")
		rc := remoteConfig(s)
		rc.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
		mustWrite(t, rc.KnownHostsFile, []byte(knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, other.Public)+"\n"))
		_, err := Dial(ctx, rc)
		if !errors.Is(err, ErrHostKeyChanged) {
			t.Fatalf("got %v, want ErrHostKeyChanged", err)
		}
		var hk *HostKeyError
		if !errors.As(err, &hk) || hk.Offered != s.HostKey.Type()+" "+ssh.FingerprintSHA256(s.HostKey) {
			t.Fatalf("got %#v, want the offered key in the error", hk)
		}
		for _, want := range []string{knownhosts.Normalize(s.Addr), rc.KnownHostsFile, "changed", ssh.FingerprintSHA256(other.Public)} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q does not say %q", err, want)
			}
		}
	})

	t.Run("ErrHostKeyUnknown", func(t *testing.T) {
		rc := remoteConfig(s)
		rc.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
		key := testutil.MustKey(t, t.TempDir(), "k")
		mustWrite(t, rc.KnownHostsFile, []byte(knownhosts.Line([]string{"sftp.elsewhere.example"}, key.Public)+"\n"))
		_, err := Dial(ctx, rc)
		if !errors.Is(err, ErrHostKeyUnknown) {
			t.Fatalf("got %v, want ErrHostKeyUnknown", err)
		}
		if !strings.Contains(err.Error(), rc.KnownHostsFile) || !strings.Contains(err.Error(), knownhosts.Normalize(s.Addr)) {
			t.Fatalf("error %q does not name the host and file", err)
		}
	})

	t.Run("ErrNoKnownHosts", func(t *testing.T) {
		rc := remoteConfig(s)
		rc.KnownHostsFile = ""
		if _, err := Dial(ctx, rc); err == nil || !strings.Contains(err.Error(), "known_hosts") {
			t.Fatalf("got %v, want a refusal without known_hosts", err)
		}
	})

	t.Run("ErrAuth", func(t *testing.T) {
		rc := remoteConfig(s)
		rc.PrivateKeyFile = testutil.MustKey(t, t.TempDir(), "stranger").PrivatePath
		if _, err := Dial(ctx, rc); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
			t.Fatalf("got %v, want an authentication failure", err)
		}
	})

	t.Run("ErrCancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := Dial(ctx, remoteConfig(s)); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
}

func TestDialTimeout(t *testing.T) {
	// A listener that never speaks SSH: the handshake must give up.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	rc := config.RemoteConfig{Address: l.Addr().String(), User: "x", Password: "pw", KnownHostsFile: filepath.Join(t.TempDir(), "known_hosts")}
	mustWrite(t, rc.KnownHostsFile, nil)
	start := time.Now()
	_, err = Dialer{Timeout: 200 * time.Millisecond}.Dial(context.Background(), rc)
	if err == nil {
		t.Fatal("got nil, want a timeout")
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("Dial took %s with a 200ms timeout", time.Since(start))
	}
}
