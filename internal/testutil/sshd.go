package testutil

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHD is a throwaway OpenSSH sshd with internal-sftp on a loopback port,
// standing in for a partner's own SFTP server. It runs as the current user
// and serves the whole file system; tests work under Root.
type SSHD struct {
	// Addr is the server's 127.0.0.1:PORT.
	Addr string
	// User is the login name (the current user).
	User string
	// ClientKeyFile is the private key authorized to log in.
	ClientKeyFile string
	// HostKey is the server's public host key.
	HostKey ssh.PublicKey
	// KnownHostsFile holds one line for HostKey under "[127.0.0.1]:PORT".
	KnownHostsFile string
	// Root is an empty folder the tests and the server share; the SFTP
	// session starts in it, but paths are usually given absolute.
	Root string

	cmd  *exec.Cmd
	log  *LockedBuffer
	done chan struct{}
}

// StartSSHD starts an sshd for the test and stops it at cleanup. It needs
// /usr/sbin/sshd (openssh-server); see RequireTool for when it is missing.
func StartSSHD(tb testing.TB) *SSHD {
	tb.Helper()
	bin := RequireTool(tb, "sshd")
	dir := tb.TempDir()
	u, err := user.Current()
	if err != nil {
		tb.Fatalf("current user: %v", err)
	}
	hostKey := MustKey(tb, dir, "ssh_host_ed25519_key")
	client := MustKey(tb, dir, "client_ed25519")
	authorized := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authorized, ssh.MarshalAuthorizedKey(client.Public), 0o600); err != nil {
		tb.Fatal(err)
	}
	root := filepath.Join(dir, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		tb.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// sshd running as root needs its privilege separation folder.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			tb.Fatalf("create /run/sshd: %v", err)
		}
	}

	// A port can be taken between choosing and binding it: try a few.
	var s *SSHD
	for attempt := 0; ; attempt++ {
		port, err := FreePort()
		if err != nil {
			tb.Fatalf("pick a port for sshd: %v", err)
		}
		s = &SSHD{
			Addr:          net.JoinHostPort("127.0.0.1", port),
			User:          u.Username,
			ClientKeyFile: client.PrivatePath,
			HostKey:       hostKey.Public,
			Root:          root,
		}
		conf := filepath.Join(dir, "sshd_config")
		if err := os.WriteFile(conf, []byte(sshdConfig(port, dir, hostKey.PrivatePath, authorized, root)), 0o600); err != nil {
			tb.Fatal(err)
		}
		err = s.start(bin, conf)
		if err == nil {
			break
		}
		if attempt == 2 {
			tb.Fatalf("start sshd: %v", err)
		}
	}
	tb.Cleanup(func() {
		s.stop()
		if tb.Failed() {
			tb.Logf("sshd log:\n%s", s.log.String())
		}
	})

	s.KnownHostsFile = filepath.Join(dir, "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, s.HostKey) + "\n"
	if err := os.WriteFile(s.KnownHostsFile, []byte(line), 0o600); err != nil {
		tb.Fatal(err)
	}
	return s
}

// Log returns what sshd wrote so far.
func (s *SSHD) Log() string { return s.log.String() }

// Path returns the absolute path of rel (slash-separated) under Root.
func (s *SSHD) Path(rel string) string {
	return filepath.Join(s.Root, filepath.FromSlash(rel))
}

func sshdConfig(port, dir, hostKey, authorized, root string) string {
	return strings.Join([]string{
		"Port " + port,
		"ListenAddress 127.0.0.1",
		"HostKey " + hostKey,
		"AuthorizedKeysFile " + authorized,
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"UsePAM no",
		// The temp dirs are not root-owned; an unprivileged sshd can only
		// work with StrictModes off.
		"StrictModes no",
		"PermitRootLogin prohibit-password",
		"Subsystem sftp internal-sftp",
		"ForceCommand internal-sftp -d " + root,
		"PidFile " + filepath.Join(dir, "sshd.pid"),
		"AllowTcpForwarding no",
		"X11Forwarding no",
		"PermitTTY no",
		"MaxStartups 100:30:200",
		"LogLevel INFO",
		"",
	}, "\n")
}

// start runs sshd in the foreground and waits until it accepts connections.
func (s *SSHD) start(bin, conf string) error {
	s.log = &LockedBuffer{}
	s.cmd = exec.Command(bin, "-D", "-e", "-f", conf) // sshd re-executes itself: bin must be absolute
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan struct{})
	go func() {
		s.cmd.Wait()
		close(s.done)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("sshd exited at start: %s", s.log.String())
		default:
		}
		if time.Now().After(deadline) {
			s.stop()
			return fmt.Errorf("sshd did not accept on %s within 20s: %s", s.Addr, s.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends sshd and the session processes it forked (one process group).
func (s *SSHD) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	pgid := s.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-s.done
	}
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

// LockedBuffer collects a process's output for reading while it runs.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
