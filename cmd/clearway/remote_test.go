package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/clearway/clearway/internal/testutil"
)

// TestRemotePartner runs the daemon against a real OpenSSH sshd standing in
// for the broker's own server: a 350 in its outgoing folder is pulled,
// ingested and deleted there, and its 997 is pushed into its incoming
// folder; a partner whose known_hosts holds another key gets nothing pulled.
func TestRemotePartner(t *testing.T) {
	srv := testutil.StartSSHD(t)
	for _, dir := range []string{"outgoing", "incoming", "other-out"} {
		os.MkdirAll(srv.Path(dir), 0o755)
	}
	d := newDemo(t)
	repo, _ := filepath.Abs("../..")
	m, _ := os.ReadFile(filepath.Join(repo, "mappings", "x12-350.yaml"))
	os.WriteFile(filepath.Join(d.dir, "mappings", "x12-350.yaml"), m, 0o644)

	// A known_hosts naming the server with a key it does not have.
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	wrong, _ := ssh.NewPublicKey(pub)
	wrongHosts := filepath.Join(d.dir, "wrong_known_hosts")
	os.WriteFile(wrongHosts, []byte(fmt.Sprintf("[127.0.0.1]:%s %s", srv.Addr[strings.LastIndex(srv.Addr, ":")+1:], ssh.MarshalAuthorizedKey(wrong))), 0o644)

	remote := func(knownHosts, out string) string {
		return fmt.Sprintf(`    remote:
      address: %s
      user: %s
      private_key_file: %s
      known_hosts_file: %s
      pull: {path: %s, schedule: "@every 1s", after: delete, ready: stable, prefix: inbox/edi/350}
      push: {path: %s}
`, srv.Addr, srv.User, srv.ClientKeyFile, knownHosts, srv.Path(out), srv.Path("incoming"))
	}
	d.writeConfig(t, `  - id: fastclear
    name: FastClear
    role: broker
    mappings: [x12-350]
`+remote(srv.KnownHostsFile, "outgoing")+`  - id: impostor
    name: Someone whose server key changed
    role: broker
    mappings: [x12-350]
`+remote(wrongHosts, "other-out"))
	dm := d.start(t)

	sample, err := os.ReadFile(filepath.Join(repo, "testdata", "mappings", "x12-350", "inbox", "edi", "350", "350_000000101.edi"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(srv.Path("outgoing/350_000000101.edi"), sample, 0o644)
	os.WriteFile(srv.Path("other-out/350_000000101.edi"), sample, 0o644)

	var acks []string
	deadline := time.Now().Add(45 * time.Second)
	for len(acks) == 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		entries, _ := os.ReadDir(srv.Path("incoming"))
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ".") { // the push's temp name, renamed in a moment
				acks = append(acks, e.Name())
			}
		}
	}
	if len(acks) != 1 {
		t.Fatalf("incoming folder: %v (want one 997)\nlogs:\n%s", acks, dm.logs)
	}
	ack, _ := os.ReadFile(srv.Path("incoming/" + acks[0]))
	sep := string(ack[3]) // the element separator the 350 used
	if !strings.Contains(string(ack), "ST"+sep+"997") || !strings.Contains(string(ack), "AK9"+sep+"A"+sep) {
		t.Fatalf("the pushed file is not a 997 accepting the 350:\n%s", ack)
	}
	if entries, _ := os.ReadDir(srv.Path("outgoing")); len(entries) > 1 || (len(entries) == 1 && entries[0].Name() != ".clearway-inprogress") {
		t.Fatalf("outgoing folder after the pull: %v", entries)
	}
	files := d.journal(t)
	if len(files) != 1 || files[0]["channel"] != "remote" || files[0]["state"] != "done" || files[0]["name"] != "inbox/edi/350/350_000000101.edi" {
		t.Fatalf("journal: %v", files)
	}
	// The impostor's server offered a key its known_hosts does not hold.
	if _, err := os.Stat(srv.Path("other-out/350_000000101.edi")); err != nil {
		t.Fatalf("the file behind a changed host key was touched: %v", err)
	}
	if !strings.Contains(dm.logs.String(), "impostor") || !strings.Contains(dm.logs.String(), "host key") {
		t.Fatalf("the log does not say why nothing was pulled for impostor:\n%s", dm.logs)
	}
	out, errOut, code := d.clearway(t, "remote", "list", "--partner", "fastclear")
	if code != 0 || !strings.Contains(out, "pull       fastclear") || !strings.Contains(out, "push       fastclear  sent") {
		t.Fatalf("remote list: exit %d %s\n%s", code, errOut, out)
	}
	if err := dm.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
}
