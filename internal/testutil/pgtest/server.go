package pgtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clearway/clearway/internal/testutil"
)

// superuser is the cluster's bootstrap superuser (initdb -U).
const superuser = "postgres"

// dirPrefix names the cluster folders under the temp dir; the test
// binary's pid follows, so a later run can tell leftovers from live ones.
const dirPrefix = "clearway-pgtest-"

// server is a postgres process in the foreground, like sshd -D in
// testutil: stopping it is a signal, and it dies with the test binary.
type server struct {
	dir  string // temp folder: data/ and the unix socket
	port string
	cmd  *exec.Cmd
	log  *testutil.LockedBuffer
	done chan struct{}
}

// start creates a cluster with initdb and starts postgres on a free port.
func start(bins tools) (*server, error) {
	removeLeftovers()
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", dirPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if err := initdb(bins.initdb, dir, cred); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// A port can be taken between choosing and binding it: try a few.
	for attempt := 0; ; attempt++ {
		s := &server{dir: dir}
		err := s.launch(bins.postgres, cred)
		if err == nil {
			return s, nil
		}
		if attempt == 2 {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

// runAs is the account postgres runs as: nil (this process's) unless we
// are root, which PostgreSQL refuses.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root and no postgres or nobody user to run PostgreSQL as")
}

// childEnv is a small, predictable environment: no PG* variables from
// the caller, the C locale, and a home the unprivileged user can reach.
func childEnv(dir string) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "LC_ALL=C", "LANG=C", "TZ=UTC"}
}

// initdb creates the cluster in dir/data: trust auth, C locale, no fsync.
func initdb(bin, dir string, cred *syscall.Credential) error {
	cmd := exec.Command(bin, "-D", filepath.Join(dir, "data"), "-U", superuser, "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
	cmd.Dir = dir
	cmd.Env = childEnv(dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, out)
	}
	return nil
}

// launch starts postgres on a free port and waits until it takes
// connections.
func (s *server) launch(bin string, cred *syscall.Credential) error {
	port, err := testutil.FreePort()
	if err != nil {
		return fmt.Errorf("pick a port for postgres: %w", err)
	}
	s.port = port
	s.log = &testutil.LockedBuffer{}
	s.cmd = exec.Command(bin, "-D", filepath.Join(s.dir, "data"),
		"-h", "127.0.0.1", "-p", port, "-k", s.dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "log_min_messages=warning")
	s.cmd.Dir = s.dir
	s.cmd.Env = childEnv(s.dir)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	// Pdeathsig: postgres gets SIGKILL when the test binary dies without
	// Stop (a panic, -timeout). Go sets it after the uid change, which
	// would otherwise clear it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.startProcess(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	if err := s.waitReady(30 * time.Second); err != nil {
		s.stopProcess()
		return err
	}
	return nil
}

// startProcess starts postgres from a goroutine locked to its OS thread
// for the life of the process: the parent-death signal fires when the
// thread that forked the child ends, not the process.
func (s *server) startProcess() error {
	s.done = make(chan struct{})
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if err := s.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		s.cmd.Wait()
		close(s.done)
	}()
	return <-started
}

// waitReady polls until a connection succeeds, postgres exits or the time
// is up.
func (s *server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, s.dsn("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("postgres exited at start: %s", s.log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept on %s within %s: %w: %s", s.addr(), timeout, err, s.log.String())
		}
	}
}

// stop ends postgres and removes the cluster's folder.
func (s *server) stop() {
	s.stopProcess()
	os.RemoveAll(s.dir)
}

// stopProcess is `pg_ctl stop -m immediate`: SIGQUIT to the postmaster,
// then SIGKILL to its process group if it lingers.
func (s *server) stopProcess() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}

// removeLeftovers removes cluster folders of test binaries that are gone,
// stopping a postgres that outlived its binary.
func removeLeftovers() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		pidText, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(dir), dirPrefix), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		data := filepath.Join(dir, "data")
		if pm := postmasterPID(filepath.Join(data, "postmaster.pid")); pm > 0 && runsOn(pm, data) {
			syscall.Kill(pm, syscall.SIGQUIT)
		}
		os.RemoveAll(dir)
	}
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// runsOn reports whether process pid is a postgres serving data, so a
// reused pid is never signalled.
func runsOn(pid int, data string) bool {
	cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	return err == nil && bytes.Contains(cmdline, []byte("postgres")) && bytes.Contains(cmdline, []byte(data))
}

// postmasterPID reads the first line of postmaster.pid, or 0.
func postmasterPID(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(sc.Text()))
	return pid
}
