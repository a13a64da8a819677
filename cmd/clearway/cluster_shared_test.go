package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/testutil"

	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/clearway/clearway/internal/testutil/pgtest"
)

// sharedNodes configures n daemons on one throwaway PostgreSQL and one
// bucket, reading acme's files with the given mappings (file name → YAML);
// all accept node 0's acme key. It returns them, the bucket's server and
// the database.
func sharedNodes(t *testing.T, n int, mappings map[string]string) ([]*demo, *s3mem.Backend, string) {
	t.Helper()
	dsn := pgtest.New(t)
	backend, endpoint := mustFakeBucket(t, "clearway")
	shared := fmt.Sprintf(`archive: {kind: s3, endpoint: %q, bucket: clearway, region: us-east-1, access_key_file: s3.access, secret_key_file: s3.secret, path_style: true}
store: {driver: postgres, dsn: %q}
`, endpoint, dsn)
	var names []string
	for file := range mappings {
		names = append(names, strings.TrimSuffix(file, ".yaml"))
	}
	var nodes []*demo
	for i := range n {
		d := newDemo(t)
		os.WriteFile(filepath.Join(d.dir, "s3.access"), []byte("clearway\n"), 0o600)
		os.WriteFile(filepath.Join(d.dir, "s3.secret"), []byte("clearway-secret\n"), 0o600)
		d.writeConfig(t, shared)
		d.withMappings(t, mappings, "["+strings.Join(names, ", ")+"]")
		if i > 0 {
			pub, _ := os.ReadFile(filepath.Join(nodes[0].dir, "acme.pub"))
			os.WriteFile(filepath.Join(d.dir, "acme.pub"), pub, 0o644)
		}
		nodes = append(nodes, d)
	}
	return nodes, backend, dsn
}

// x12Mappings reads acme's X12 350s with the shipped mapping.
func x12Mappings(t *testing.T) map[string]string {
	t.Helper()
	m350, err := os.ReadFile(filepath.Join("..", "..", "mappings", "x12-350.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"x12-350.yaml": string(m350)}
}

// A supplier uploads to node A; whichever node ingests the files, the 997s
// and the rejection report are in the bucket, so listing /outbox and
// /errors through node B shows them, a download through B gives the
// bytes, and a delete through B is seen through A. Neither node keeps
// them on its own disk.
func TestClusterOutboxThroughOtherNode(t *testing.T) {
	t.Parallel()
	nodes, backend, _ := sharedNodes(t, 2, x12Mappings(t))
	a, b := nodes[0], nodes[1]
	da, db := a.start(t), b.start(t)
	for _, d := range []*daemon{da, db} { // each node's view of PostgreSQL and the bucket
		resp, err := http.Get(d.httpURL(t) + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "database: ok\narchive: ok\nok\n" {
			t.Fatalf("/healthz: HTTP %d %q, want 200 with the database and the bucket ok", resp.StatusCode, body)
		}
	}
	repo, _ := filepath.Abs("../..")
	good := filepath.Join(repo, "testdata/mappings/x12-350/inbox/edi/350/350_000000101.edi")
	bad := filepath.Join(repo, "testdata/mappings/x12-350/bad/inbox/edi/350/350_000000103.edi")
	script := fmt.Sprintf("-mkdir /inbox/edi\n-mkdir /inbox/edi/350\nput %s /inbox/edi/350/good.edi\nput %s /inbox/edi/350/bad.edi\n", good, bad)
	if out, err := a.sftp(t, da.port, script); err != nil {
		t.Fatalf("sftp to node A: %v\n%s", err, out)
	}
	files := b.waitFiles(t, 2, time.Minute)
	if countState(files, "done") != 1 || countState(files, "rejected") != 1 {
		t.Fatalf("journal through node B: %v", files)
	}

	var outbox, errs []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		outbox, errs = lsThrough(t, a, db.port, "/outbox"), lsThrough(t, a, db.port, "/errors")
		if len(outbox) == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(outbox) != 2 || !strings.HasPrefix(outbox[0], "997-") || !strings.HasPrefix(outbox[1], "997-") {
		t.Fatalf("/outbox through node B lists %v, want two 997s\nA:\n%s\nB:\n%s", outbox, da.logs, db.logs)
	}
	if !slices.Equal(errs, []string{"bad.edi", "bad.edi.error.txt"}) {
		t.Errorf("/errors through node B lists %v, want the rejected file and its report", errs)
	}
	got := filepath.Join(t.TempDir(), "997.edi")
	if out, err := a.sftp(t, db.port, fmt.Sprintf("get /outbox/%s %s\n", outbox[0], got)); err != nil {
		t.Fatalf("get through node B: %v\n%s", err, out)
	}
	body, _ := os.ReadFile(got)
	obj, err := backend.GetObject("clearway", "folders/partners/acme/outbox/"+outbox[0], nil)
	if err != nil {
		t.Fatalf("the 997 is not in the bucket: %v", err)
	}
	want := make([]byte, obj.Size)
	n, _ := obj.Contents.Read(want)
	obj.Contents.Close()
	if !strings.HasPrefix(string(body), "ISA") || string(body) != string(want[:n]) {
		t.Errorf("downloaded through B %q, the bucket holds %q", body, want[:n])
	}
	if out, err := a.sftp(t, db.port, fmt.Sprintf("rm /outbox/%s\n", outbox[0])); err != nil {
		t.Fatalf("rm through node B: %v\n%s", err, out)
	}
	if left := lsThrough(t, a, da.port, "/outbox"); !slices.Equal(left, outbox[1:]) {
		t.Errorf("after a delete through B, node A lists %v, want %v", left, outbox[1:])
	}
	for _, d := range nodes {
		for _, dir := range []string{"outbox", "errors"} {
			if entries, _ := os.ReadDir(filepath.Join(d.dir, "var", "partners", "acme", dir)); len(entries) > 0 {
				t.Errorf("%s keeps %d files in its own %s", d.dir, len(entries), dir)
			}
		}
	}
}

// lsThrough lists a folder over SFTP through the node on port.
func lsThrough(t *testing.T, d *demo, port, dir string) []string {
	t.Helper()
	out, err := d.sftp(t, port, "ls -1 "+dir+"\n")
	if err != nil {
		t.Fatalf("ls %s: %v\n%s", dir, err, out)
	}
	var names []string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "sftp>") {
			continue
		}
		names = append(names, filepath.Base(line))
	}
	slices.Sort(names)
	return names
}

// Ten wrong passwords spread over two nodes ban the address on both: on
// the web of either and on node B's SFTP port.
func TestClusterSharedBan(t *testing.T) {
	t.Parallel()
	nodes, _, _ := sharedNodes(t, 2, x12Mappings(t))
	a, b := nodes[0], nodes[1]
	da, db := a.start(t), b.start(t)
	bases := []string{da.httpURL(t), db.httpURL(t)}
	for i := range 10 {
		if _, st := webClient(t, bases[i%2], "nobody", fmt.Sprintf("wrong password %d", i)); st != http.StatusUnauthorized {
			t.Fatalf("failure %d: HTTP %d, want 401", i+1, st)
		}
	}
	for _, base := range bases {
		if _, st := webClient(t, base, "nobody", "wrong again"); st != http.StatusTooManyRequests {
			t.Errorf("%s after ten failures across the nodes: HTTP %d, want 429", base, st)
		}
	}
	if out, err := a.sftp(t, db.port, "ls /\n"); err == nil {
		t.Errorf("node B's SFTP port still lets the banned address in:\n%s", out)
	}
}

// With max_sessions_per_partner: 1, a partner connected to node A is
// refused by node B while that session lasts, and let in once it ends.
func TestClusterSharedSessionLimit(t *testing.T) {
	t.Parallel()
	nodes, _, _ := sharedNodes(t, 2, x12Mappings(t))
	for _, d := range nodes {
		cfg, _ := os.ReadFile(d.config)
		os.WriteFile(d.config, []byte(strings.Replace(string(cfg), "host_key_file: var/host_key}",
			"host_key_file: var/host_key, max_sessions_per_partner: 1}", 1)), 0o644)
	}
	a := nodes[0]
	da, db := a.start(t), nodes[1].start(t)

	// A session held open on node A: sftp reads its commands from a pipe.
	held := exec.Command(testutil.RequireTool(t, "sftp"), append(testutil.SFTPArgs(a.key.PrivatePath, da.port), "acme@127.0.0.1")...)
	stdin, err := held.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := held.Start(); err != nil {
		t.Fatal(err)
	}
	defer held.Process.Kill()
	testutil.WaitFor(t, "the session on node A", 20*time.Second, func() bool {
		return strings.Contains(da.logs.String(), "sftp session opened")
	})
	if out, err := a.sftp(t, db.port, "ls /\n"); err == nil {
		t.Errorf("node B let in a second session of acme (limit 1 across the cluster):\n%s", out)
	}
	if !strings.Contains(db.logs.String(), "partner at its session limit") {
		t.Errorf("node B's log does not say why:\n%s", db.logs)
	}
	stdin.Close() // the session on A ends
	held.Wait()
	testutil.WaitFor(t, "node B to let acme in once the session on A ended", 20*time.Second, func() bool {
		_, err := a.sftp(t, db.port, "ls /\n")
		return err == nil
	})
}
