package sftpd

import (
	"io"
	"net"
	"os"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

func TestRenameSemantics(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client(t, h.acme, "acme")
	write := func(name, body string) {
		t.Helper()
		f, err := c.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	write("/inbox/a.csv", "first")
	write("/inbox/a.csv.part", "second")

	t.Run("PlainRefusesExisting", func(t *testing.T) {
		if err := c.Rename("/inbox/a.csv.part", "/inbox/a.csv"); err == nil {
			t.Fatal("SFTPv3 RENAME replaced an existing file")
		}
		if n := len(h.files(t, "acme")); n != 1 {
			t.Fatalf("journal has %d entries after a refused rename, want 1", n)
		}
	})
	t.Run("PosixReplaces", func(t *testing.T) {
		if err := c.PosixRename("/inbox/a.csv.part", "/inbox/a.csv"); err != nil {
			t.Fatal(err)
		}
		// Two arrivals under one name: the first stays journaled, the
		// replacement is a new one with its own content.
		files := h.files(t, "acme")
		if len(files) != 2 || files[0].SHA256 != sha([]byte("first")) || files[1].SHA256 != sha([]byte("second")) || files[1].Name != "inbox/a.csv" {
			t.Fatalf("journal %+v %+v, want first then second arrival of inbox/a.csv", files[0], files[len(files)-1])
		}
	})
	t.Run("PlainToNewName", func(t *testing.T) {
		write("/inbox/b.csv.filepart", "third")
		if err := c.Rename("/inbox/b.csv.filepart", "/inbox/b.csv"); err != nil {
			t.Fatal(err)
		}
		h.assertJournaledOnce(t, "acme", "inbox/b.csv", []byte("third"))
	})
	t.Run("ArrivedFilesStayPut", func(t *testing.T) {
		if err := c.Rename("/inbox/b.csv", "/inbox/c.csv"); err == nil {
			t.Fatal("renamed a file already handed over")
		}
	})
	t.Run("ExclOnExisting", func(t *testing.T) {
		if _, err := c.OpenFile("/inbox/b.csv", os.O_WRONLY|os.O_CREATE|os.O_EXCL); err == nil {
			t.Fatal("O_EXCL open of an existing file succeeded")
		}
	})
	t.Run("StatVFS", func(t *testing.T) {
		st, err := c.StatVFS("/inbox")
		if err != nil {
			t.Fatal(err)
		}
		if st.Blocks == 0 || st.Bsize == 0 {
			t.Fatalf("statvfs %+v", st)
		}
	})
	t.Run("StatDuringUpload", func(t *testing.T) {
		f, err := c.Create("/inbox/d.csv")
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("12345"))
		fi, err := c.Stat("/inbox/d.csv")
		if err != nil || fi.Size() != 5 {
			t.Fatalf("stat of an open upload: %v, %v", fi, err)
		}
		f.Close()
	})
}

func TestSessionLimit(t *testing.T) {
	h := newHarness(t, func(s *Server) { s.MaxSessionsPerPartner = 1 })
	c := h.client(t, h.acme, "acme")
	if _, err := c.ReadDir("/"); err != nil {
		t.Fatal(err)
	}
	conn, err := ssh.Dial("tcp", h.srv.Addr().String(), &ssh.ClientConfig{
		User: "acme", Auth: []ssh.AuthMethod{ssh.PublicKeys(h.acme.Signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second, // test-only client
	})
	if err == nil {
		defer conn.Close()
		// The server drops the connection right after the handshake.
		if _, _, err := conn.OpenChannel("session", nil); err == nil {
			t.Fatal("second session opened beyond the limit of 1")
		}
	}
	// Another partner is not affected.
	g := h.client(t, h.globex, "globex")
	if _, err := g.ReadDir("/"); err != nil {
		t.Fatalf("globex refused: %v", err)
	}
}

// Close waits for an open upload to finish, and the upload is journaled.
func TestShutdownFinishesTransfers(t *testing.T) {
	h := newHarness(t, nil)
	c := h.client(t, h.acme, "acme")
	f, err := c.Create("/inbox/late.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("part one,")); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- h.srv.Close() }()
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) with a transfer open", err)
	default:
	}
	// New transfers are refused while draining.
	if _, err := c.Create("/inbox/new.csv"); err == nil {
		t.Fatal("a new upload started during shutdown")
	}
	if _, err := f.Write([]byte("part two")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("upload close during shutdown: %v", err)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return after the transfer finished")
	}
	h.assertJournaledOnce(t, "acme", "inbox/late.csv", []byte("part one,part two"))
}

// A client that connects and never completes the handshake is cut off.
func TestHandshakeDeadline(t *testing.T) {
	h := newHarness(t, func(s *Server) { s.HandshakeTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", h.srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	started := time.Now()
	if _, err := io.ReadAll(conn); err != nil { // the banner, then EOF when the server hangs up
		t.Fatalf("server did not close the silent connection: %v", err)
	}
	if waited := time.Since(started); waited > 5*time.Second {
		t.Fatalf("silent connection kept for %v", waited)
	}
}
