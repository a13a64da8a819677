package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/testutil"
	"github.com/clearway/clearway/internal/testutil/pgtest"
)

// binPath is the real clearway binary, built once for the process tests.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "clearway-bin")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "clearway")
	build := exec.Command("go", "build", "-race", "-o", binPath, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build clearway:", err)
		os.Exit(1)
	}
	code := m.Run()
	pgtest.Stop() // the throwaway PostgreSQL, if a test started it
	os.RemoveAll(dir)
	os.Exit(code)
}

// demo is a config in a temp dir with one partner whose key is on disk.
type demo struct {
	dir, config string
	key         *testutil.Key
}

func newDemo(t *testing.T) *demo {
	t.Helper()
	dir := t.TempDir()
	d := &demo{dir: dir, config: filepath.Join(dir, "clearway.yaml")}
	d.key = testutil.MustKey(t, dir, "acme")
	os.MkdirAll(filepath.Join(dir, "mappings"), 0o755)
	d.writeConfig(t, "")
	return d
}

func (d *demo) writeConfig(t *testing.T, extra string) {
	t.Helper()
	cfg := fmt.Sprintf(`data_dir: var
log: {level: info, format: json}
sftp: {listen: "127.0.0.1:0", host_key_file: var/host_key}
http: {listen: "127.0.0.1:0"}
mappings_dir: mappings
shutdown_timeout: 20s
partners:
  - id: acme
    name: ACME
    role: supplier
    sftp: {authorized_keys_file: acme.pub}
    mappings: []
%s`, extra)
	if err := os.WriteFile(d.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// daemon is a running `clearway serve` process.
type daemon struct {
	cmd  *exec.Cmd
	port string
	logs *logBuffer
	done chan error
}

// logBuffer collects the daemon's log lines; tests print it on failure.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) WriteString(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(s)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (d *demo) start(t *testing.T) *daemon {
	t.Helper()
	cmd := exec.Command(binPath, "serve", "--config", d.config)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dm := &daemon{cmd: cmd, logs: &logBuffer{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			dm.logs.WriteString(line + "\n")
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "sftp listening" {
				addr <- rec.Addr
			}
		}
		dm.done <- cmd.Wait()
	}()
	select {
	case a := <-addr:
		dm.port = a[strings.LastIndex(a, ":")+1:]
	case err := <-dm.done:
		t.Fatalf("daemon exited at start: %v\n%s", err, dm.logs)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("daemon did not start:\n%s", dm.logs)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return dm
}

// stop sends SIGTERM and returns the exit error.
func (dm *daemon) stop(t *testing.T) error {
	t.Helper()
	dm.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-dm.done:
		return err
	case <-time.After(60 * time.Second):
		dm.cmd.Process.Kill()
		t.Fatalf("daemon ignored SIGTERM:\n%s", dm.logs)
	}
	return nil
}

func (d *demo) sftp(t *testing.T, port, script string, extra ...string) (string, error) {
	bin := testutil.RequireTool(t, "sftp")
	args := append(testutil.SFTPArgs(d.key.PrivatePath, port), extra...)
	args = append(args, "acme@127.0.0.1")
	return testutil.Run(t, 90*time.Second, []byte(script), bin, args...)
}

// clearway runs a command of the real binary and returns stdout, stderr, code.
func (d *demo) clearway(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "CLEARWAY_CONFIG="+d.config)
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func (d *demo) journal(t *testing.T) []map[string]any {
	t.Helper()
	out, errOut, code := d.clearway(t, "files", "list", "--json")
	if code != 0 {
		t.Fatalf("files list: exit %d: %s", code, errOut)
	}
	var files []map[string]any
	if err := json.Unmarshal([]byte(out), &files); err != nil {
		t.Fatalf("files list --json: %v\n%s", err, out)
	}
	return files
}

func TestServeUploadRestart(t *testing.T) {
	d := newDemo(t)
	dm := d.start(t)
	src := filepath.Join(d.dir, "po.csv")
	body := testutil.RandomFile(t, src, 100<<10)
	if out, err := d.sftp(t, dm.port, fmt.Sprintf("put %s /inbox/po.csv\n", src)); err != nil {
		t.Fatalf("sftp put: %v\n%s", err, out)
	}
	// No mapping reads it in this config, so the pipeline rejects it into
	// /errors (never dropped).
	files := d.waitFiles(t, 1, 30*time.Second)
	if len(files) != 1 || files[0]["name"] != "inbox/po.csv" || files[0]["state"] != "rejected" ||
		files[0]["channel"] != "sftp" || files[0]["sha256"] != sha(body) || files[0]["size"] != float64(len(body)) {
		t.Fatalf("journal: %v", files)
	}
	for _, key := range []string{"id", "partner", "channel", "name", "size", "sha256", "state", "error", "received_at"} {
		if _, ok := files[0][key]; !ok {
			t.Fatalf("files list --json lacks %q: %v", key, files[0])
		}
	}
	// The text listing and the filters work too.
	out, _, code := d.clearway(t, "files", "list", "--partner", "acme", "--state", "rejected")
	if code != 0 || !strings.Contains(out, "inbox/po.csv") {
		t.Fatalf("files list: exit %d\n%s", code, out)
	}
	if out, _, _ := d.clearway(t, "files", "list", "--state", "done"); strings.Contains(out, "po.csv") {
		t.Fatalf("--state done shows a received file:\n%s", out)
	}
	if err := dm.stop(t); err != nil {
		t.Fatalf("SIGTERM exit: %v\n%s", err, dm.logs)
	}

	// Restart: the same host key (checked strictly) and the same journal.
	hostPub := pubOfHostKey(t, filepath.Join(d.dir, "var", "host_key"))
	dm2 := d.start(t)
	known := filepath.Join(d.dir, "known_hosts")
	os.WriteFile(known, []byte(fmt.Sprintf("[127.0.0.1]:%s %s", dm2.port, hostPub)), 0o644)
	out, err := d.sftp(t, dm2.port, "ls /errors\n", "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile="+known)
	if err != nil || !strings.Contains(out, "po.csv.error.txt") {
		t.Fatalf("after restart (strict host key): %v\n%s", err, out)
	}
	if files := d.journal(t); len(files) != 1 {
		t.Fatalf("journal after restart has %d files, want 1", len(files))
	}
	if err := dm2.stop(t); err != nil {
		t.Fatalf("SIGTERM exit: %v", err)
	}
}

// SIGTERM during an upload: the transfer completes, then the daemon exits 0.
func TestSIGTERMFinishesTransfer(t *testing.T) {
	d := newDemo(t)
	dm := d.start(t)
	src := filepath.Join(d.dir, "big.bin")
	body := testutil.RandomFile(t, src, 1<<20)
	bin := testutil.RequireTool(t, "sftp")
	args := append(testutil.SFTPArgs(d.key.PrivatePath, dm.port), "-l", "2000", "acme@127.0.0.1") // ~4 s at 2 Mbit/s
	client := exec.Command(bin, args...)
	client.Stdin = strings.NewReader(fmt.Sprintf("put %s /inbox/big.bin\n", src))
	var clientOut bytes.Buffer
	client.Stdout, client.Stderr = &clientOut, &clientOut
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the upload to be under way, then SIGTERM the daemon.
	inbox := filepath.Join(d.dir, "var", "partners", "acme", "inbox")
	deadline := time.Now().Add(30 * time.Second)
	for {
		entries, _ := os.ReadDir(inbox)
		if len(entries) == 1 && strings.HasPrefix(entries[0].Name(), ".cw-upload-") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("upload did not start:\n%s", dm.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	dm.cmd.Process.Signal(syscall.SIGTERM)
	if err := client.Wait(); err != nil {
		t.Fatalf("upload failed during shutdown: %v\n%s\n%s", err, clientOut.String(), dm.logs)
	}
	select {
	case err := <-dm.done:
		if err != nil {
			t.Fatalf("daemon exit: %v\n%s", err, dm.logs)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("daemon did not exit after the transfer")
	}
	files := d.journal(t)
	if len(files) != 1 || files[0]["sha256"] != sha(body) {
		t.Fatalf("journal after shutdown: %v", files)
	}
}

func TestExitCodes(t *testing.T) {
	d := newDemo(t)
	if _, errOut, code := d.clearway(t, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: exit %d, %q", code, errOut)
	}
	if _, errOut, code := d.clearway(t, "files", "list", "--bogus"); code != 2 {
		t.Fatalf("bad flag: exit %d, %q", code, errOut)
	}
	if out, errOut, code := d.clearway(t, "config", "check"); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("config check of a good config: exit %d, %s%s", code, out, errOut)
	}
	d.writeConfig(t, "    outbound:\n      - {job: st, kind: status, format: csv, schedule: \"every day\"}\n")
	_, errOut, code := d.clearway(t, "config", "check")
	if code != 1 || !strings.Contains(errOut, "partners[0].outbound[0].schedule") || strings.Count(strings.TrimSpace(errOut), "\n") > 3 {
		t.Fatalf("bad cron: exit %d, stderr %q", code, errOut)
	}
	// serve refuses the same config at start.
	_, errOut, code = d.clearway(t, "serve")
	if code != 1 || !strings.Contains(errOut, "schedule") {
		t.Fatalf("serve with bad config: exit %d, %q", code, errOut)
	}
}

func pubOfHostKey(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("ssh-keygen", "-y", "-f", path).Output()
	if err != nil {
		t.Fatalf("ssh-keygen -y: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
