package remote

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/config"
	"github.com/clearway/clearway/internal/sqlite"
	"github.com/clearway/clearway/internal/testutil"
)

// newPusher returns a Pusher for the sshd's /incoming folder with fast
// retries, and that folder's local path.
func newPusher(t *testing.T, s *testutil.SSHD, h *hub) (*Pusher, string) {
	t.Helper()
	incoming := s.Path("incoming")
	mustMkdir(t, incoming)
	rc := remoteConfig(s)
	rc.Push = &config.PushConfig{Path: incoming}
	p, err := NewPusher("fastclear", rc, h.DB, h.Logger)
	if err != nil {
		t.Fatal(err)
	}
	p.Backoff, p.MaxBackoff, p.MaxAttempts = time.Millisecond, 5*time.Millisecond, 3
	return p, incoming
}

// localOutbox gives the pusher data_dir-style folders in a temp dir and
// returns the local folder of the key "outbox" there.
func localOutbox(t *testing.T, p *Pusher) string {
	t.Helper()
	root := t.TempDir()
	p.Folders = testutil.Folders(t, root)
	return filepath.Join(root, "outbox")
}

// listDir returns the names in dir, dot-files included.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPushPending(t *testing.T) {
	s := testutil.StartSSHD(t)
	h := mustHub(t)
	p, incoming := newPusher(t, s, h)
	outbox := localOutbox(t, p)
	packet := bytes.Repeat([]byte("PK packet bytes "), 20000) // 320 KB: several SFTP writes
	mustWrite(t, filepath.Join(outbox, "packet-0001.zip"), packet)
	mustWrite(t, filepath.Join(outbox, "997-0001.edi"), status350)
	mustWrite(t, filepath.Join(outbox, ".cw-outbound-123"), []byte("being written"))
	mustWrite(t, filepath.Join(outbox, "status.csv.tmp"), []byte("being written"))
	old := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(outbox, "packet-0001.zip"), old, old)

	st, err := p.PushPending(context.Background(), "outbox")
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 2 || st.Skipped != 0 || st.Failed != 0 || st.Bytes != int64(len(packet)+len(status350)) {
		t.Fatalf("got %+v, want 2 sent", st)
	}
	if got := listDir(t, incoming); strings.Join(got, " ") != "997-0001.edi packet-0001.zip" {
		t.Fatalf("push folder has %v, want the two files and no temp file", got)
	}
	if !bytes.Equal(mustRead(t, filepath.Join(incoming, "packet-0001.zip")), packet) {
		t.Fatal("delivered packet differs")
	}
	// Oldest first: the packet's delivery was recorded first.
	a, err := h.DB.FindRemotePush(context.Background(), "fastclear", filepath.Join(incoming, "packet-0001.zip"), sum(packet))
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.DB.FindRemotePush(context.Background(), "fastclear", filepath.Join(incoming, "997-0001.edi"), sum(status350))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID > b.ID || a.State != sqlite.RemotePushSent || b.State != sqlite.RemotePushSent {
		t.Fatalf("got %+v then %+v, want the older packet sent first", a, b)
	}

	// The partner takes its files; nothing is sent again.
	os.Remove(filepath.Join(incoming, "packet-0001.zip"))
	os.Remove(filepath.Join(incoming, "997-0001.edi"))
	st, err = p.PushPending(context.Background(), "outbox")
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 0 || st.Skipped != 2 {
		t.Fatalf("second pass got %+v, want 2 skipped", st)
	}
	if got := listDir(t, incoming); len(got) != 0 {
		t.Fatalf("push folder has %v, want nothing resent", got)
	}
	if err := p.Push(context.Background(), "outbox/997-0001.edi", "997-0001.edi"); err != nil {
		t.Fatal(err)
	}
	if got := listDir(t, incoming); len(got) != 0 {
		t.Fatalf("Push resent a delivered file: %v", got)
	}
}

func TestPushOverwrite(t *testing.T) {
	s := testutil.StartSSHD(t)
	h := mustHub(t)
	p, incoming := newPusher(t, s, h)
	local := filepath.Join(localOutbox(t, p), "status.csv")
	ctx := context.Background()

	// The same name with new bytes is a new delivery and replaces the old
	// file (posix-rename on OpenSSH).
	for _, content := range []string{"ref,status\nA1,RELEASED\n", "ref,status\nA1,RELEASED\nA2,HOLD\n"} {
		mustWrite(t, local, []byte(content))
		if err := p.Push(ctx, "outbox/status.csv", "status.csv"); err != nil {
			t.Fatal(err)
		}
		if got := string(mustRead(t, filepath.Join(incoming, "status.csv"))); got != content {
			t.Fatalf("got %q, want %q", got, content)
		}
	}
	if got := listDir(t, incoming); strings.Join(got, " ") != "status.csv" {
		t.Fatalf("push folder has %v, want only status.csv", got)
	}

	t.Run("RemoveRename", func(t *testing.T) {
		// Servers without posix-rename: remove, then a plain rename.
		c, err := Dial(ctx, p.Remote)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.posixRename = false
		tmp := filepath.Join(incoming, ".status.csv.tmp")
		mustWrite(t, tmp, []byte("third version\n"))
		if err := c.replace(tmp, filepath.Join(incoming, "status.csv")); err != nil {
			t.Fatal(err)
		}
		if got := string(mustRead(t, filepath.Join(incoming, "status.csv"))); got != "third version\n" {
			t.Fatalf("got %q, want the third version", got)
		}
		if exists(tmp) {
			t.Fatal("temp file left")
		}
	})

	t.Run("ErrName", func(t *testing.T) {
		if err := p.Push(ctx, "outbox/status.csv", "../escape.csv"); err == nil {
			t.Fatal("got nil, want a refused name")
		}
	})
}

func TestPushRetries(t *testing.T) {
	s := testutil.StartSSHD(t)
	h := mustHub(t)
	p, incoming := newPusher(t, s, h)
	outbox := localOutbox(t, p)
	mustWrite(t, filepath.Join(outbox, "997-0002.edi"), status350)
	// The partner's folder is missing: every attempt fails.
	if err := os.Remove(incoming); err != nil {
		t.Fatal(err)
	}

	st, err := p.PushPending(context.Background(), "outbox")
	if err == nil || st.Failed != 1 || st.Sent != 0 {
		t.Fatalf("got %+v, %v; want 1 failed with an error", st, err)
	}
	rec, ferr := h.DB.FindRemotePush(context.Background(), "fastclear", filepath.Join(incoming, "997-0002.edi"), sum(status350))
	if ferr != nil {
		t.Fatal(ferr)
	}
	if rec.Attempts != p.MaxAttempts || rec.State == sqlite.RemotePushSent || rec.Error == "" {
		t.Fatalf("ledger has %+v, want %d failed attempts recorded", rec, p.MaxAttempts)
	}

	// Once the folder is back, the next pass delivers it.
	mustMkdir(t, incoming)
	st, err = p.PushPending(context.Background(), "outbox")
	if err != nil || st.Sent != 1 {
		t.Fatalf("got %+v, %v; want 1 sent", st, err)
	}
	if !bytes.Equal(mustRead(t, filepath.Join(incoming, "997-0002.edi")), status350) {
		t.Fatal("delivered file differs")
	}
}

func TestPushResumesAfterCrash(t *testing.T) {
	ctx := context.Background()

	// The crash came after the upload, before the rename.
	t.Run("TempComplete", func(t *testing.T) {
		s := testutil.StartSSHD(t)
		h := mustHub(t)
		p, incoming := newPusher(t, s, h)
		outbox := localOutbox(t, p)
		mustWrite(t, filepath.Join(outbox, "997.edi"), status350)
		remotePath := filepath.Join(incoming, "997.edi")
		rec := &sqlite.RemotePush{Partner: "fastclear", RemotePath: remotePath, Size: int64(len(status350)), SHA256: sum(status350)}
		if err := h.DB.CreateRemotePush(ctx, rec); err != nil {
			t.Fatal(err)
		}
		rec.State = sqlite.RemotePushUploaded
		if err := h.DB.UpdateRemotePush(ctx, rec); err != nil {
			t.Fatal(err)
		}
		mustWrite(t, tempPushName(remotePath, rec.SHA256), status350)

		if _, err := p.PushPending(ctx, "outbox"); err != nil {
			t.Fatal(err)
		}
		if got := listDir(t, incoming); strings.Join(got, " ") != "997.edi" {
			t.Fatalf("push folder has %v, want the renamed file only", got)
		}
	})

	// The crash came after the rename, and the partner took the file since.
	t.Run("Renamed", func(t *testing.T) {
		s := testutil.StartSSHD(t)
		h := mustHub(t)
		p, incoming := newPusher(t, s, h)
		outbox := localOutbox(t, p)
		mustWrite(t, filepath.Join(outbox, "997.edi"), status350)
		rec := &sqlite.RemotePush{Partner: "fastclear", RemotePath: filepath.Join(incoming, "997.edi"), Size: int64(len(status350)), SHA256: sum(status350)}
		if err := h.DB.CreateRemotePush(ctx, rec); err != nil {
			t.Fatal(err)
		}
		rec.State = sqlite.RemotePushUploaded
		if err := h.DB.UpdateRemotePush(ctx, rec); err != nil {
			t.Fatal(err)
		}

		st, err := p.PushPending(ctx, "outbox")
		if err != nil {
			t.Fatal(err)
		}
		if st.Sent != 0 || st.Skipped != 1 {
			t.Fatalf("got %+v, want 1 skipped", st)
		}
		if got := listDir(t, incoming); len(got) != 0 {
			t.Fatalf("push folder has %v, want nothing sent twice", got)
		}
		got, err := h.DB.FindRemotePush(ctx, rec.Partner, rec.RemotePath, rec.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != sqlite.RemotePushSent {
			t.Fatalf("ledger has %s, want sent", got.State)
		}
	})
}
