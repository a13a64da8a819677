package sftpd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/defender"
	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/intake"
	"github.com/clearway/clearway/internal/sqlite"
	"github.com/clearway/clearway/internal/testutil"
)

// harness is a real server on 127.0.0.1:0 over a real SQLite file and
// archive, with two partners whose keys are on disk for client programs.
type harness struct {
	srv      *Server
	db       *sqlite.DB
	dir      string
	port     string
	acme     *testutil.Key
	globex   *testutil.Key
	stranger *testutil.Key
}

func newHarness(t *testing.T, tune func(*Server)) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{dir: dir}
	h.db = sqlite.NewDB(filepath.Join(dir, "clearway.db"))
	if err := h.db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.db.Close() })
	arc := archive.New(filepath.Join(dir, "archive"))
	if err := arc.Open(); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hostKey, err := LoadOrCreateHostKey(filepath.Join(dir, "host_key"))
	if err != nil {
		t.Fatal(err)
	}
	h.acme = testutil.MustKey(t, dir, "acme_key")
	h.globex = testutil.MustKey(t, dir, "globex_key")
	h.stranger = testutil.MustKey(t, dir, "stranger_key")
	h.srv = &Server{
		Listen:      "127.0.0.1:0",
		HostKey:     hostKey,
		PartnersDir: filepath.Join(dir, "partners"),
		Folders:     testutil.Folders(t, dir),
		Accounts: map[string]*Account{
			"acme":   {Partner: "acme", Keys: []ssh.PublicKey{h.acme.Public}},
			"globex": {Partner: "globex", Keys: []ssh.PublicKey{h.globex.Public}},
		},
		Intake:                &intake.Intake{DB: h.db, Archive: arc, Logger: logger},
		Logger:                logger,
		HandshakeTimeout:      10 * time.Second,
		MaxAuthTries:          6,
		MaxSessionsPerPartner: 8,
		ShutdownTimeout:       10 * time.Second,
		Defender:              &defender.Defender{Threshold: 50, Window: time.Minute, BanTime: time.Minute, MaxBanTime: time.Hour, Now: time.Now},
	}
	if tune != nil {
		tune(h.srv)
	}
	if err := h.srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.srv.Close() })
	_, h.port, _ = net.SplitHostPort(h.srv.Addr().String())
	return h
}

// testWriter sends server logs to the test log, shown on failure.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// sftpBatch runs the OpenSSH sftp client with a batch script as a partner.
func (h *harness) sftpBatch(t *testing.T, key *testutil.Key, user, script string) (string, error) {
	t.Helper()
	bin := testutil.RequireTool(t, "sftp")
	args := append(testutil.SFTPArgs(key.PrivatePath, h.port), user+"@127.0.0.1")
	return testutil.Run(t, 60*time.Second, []byte(script), bin, args...)
}

// client opens a Go SFTP client as acme, for protocol-level checks that the
// OpenSSH client cannot express (plain RENAME, open flags).
func (h *harness) client(t *testing.T, key *testutil.Key, user string) *sftp.Client {
	t.Helper()
	conn, err := ssh.Dial("tcp", h.srv.Addr().String(), &ssh.ClientConfig{
		User: user, Auth: []ssh.AuthMethod{ssh.PublicKeys(key.Signer)},
		HostKeyCallback: ssh.FixedHostKey(h.srv.HostKey.PublicKey()), Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := sftp.NewClient(conn)
	if err != nil {
		conn.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); conn.Close() })
	return c
}

func (h *harness) files(t *testing.T, partner string) []*clearway.File {
	t.Helper()
	files, err := h.db.FindFiles(context.Background(), clearway.FileFilter{Partner: partner})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// inboxEntries lists what is on disk in a partner's inbox, hub temps included.
func (h *harness) inboxEntries(t *testing.T, partner string) []string {
	t.Helper()
	var names []string
	root := filepath.Join(h.dir, "partners", partner, "inbox")
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			names = append(names, rel)
		}
		return nil
	})
	return names
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// assertJournaledOnce checks that exactly one journal entry exists for name,
// with the content's sha256, and that the archive holds the bytes.
func (h *harness) assertJournaledOnce(t *testing.T, partner, name string, body []byte) {
	t.Helper()
	var found []*clearway.File
	for _, f := range h.files(t, partner) {
		if f.Name == name {
			found = append(found, f)
		}
	}
	if len(found) != 1 {
		t.Fatalf("journal has %d entries for %s, want 1 (all: %v)", len(found), name, h.files(t, partner))
	}
	f := found[0]
	if f.SHA256 != sha(body) || f.Size != int64(len(body)) || f.Channel != clearway.ChannelSFTP || f.State != clearway.FileReceived {
		t.Fatalf("journal entry %+v, want sha256 %s size %d", f, sha(body), len(body))
	}
	got, err := os.ReadFile(h.srv.Intake.Archive.(*archive.Archive).Path(f.SHA256))
	if err != nil || sha(got) != f.SHA256 {
		t.Fatalf("archive copy: %v", err)
	}
	for _, e := range h.inboxEntries(t, partner) {
		if folders.IsTemp(filepath.Base(e)) {
			t.Fatalf("hub temp file left in inbox: %s", e)
		}
	}
}

func TestHostKeyReused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "keys", "host")
	a, err := LoadOrCreateHostKey(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateHostKey(p)
	if err != nil {
		t.Fatal(err)
	}
	if ssh.FingerprintSHA256(a.PublicKey()) != ssh.FingerprintSHA256(b.PublicKey()) {
		t.Fatal("host key changed across restarts")
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %v, want 0600", fi.Mode().Perm())
	}
}
