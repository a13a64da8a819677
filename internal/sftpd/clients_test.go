package sftpd

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/testutil"
)

func TestOpenSSHClient(t *testing.T) {
	h := newHarness(t, nil)
	src := filepath.Join(h.dir, "po.csv")
	body := testutil.RandomFile(t, src, 3<<20)
	out, err := h.sftpBatch(t, h.acme, "acme", fmt.Sprintf("put %s /inbox/po.csv\nls -l /inbox\n", src))
	if err != nil {
		t.Fatalf("sftp put: %v\n%s", err, out)
	}
	h.assertJournaledOnce(t, "acme", "inbox/po.csv", body)
	if !strings.Contains(out, "po.csv") {
		t.Fatalf("ls /inbox does not show the upload:\n%s", out)
	}
	// A subfolder the partner creates works like the inbox itself.
	out, err = h.sftpBatch(t, h.acme, "acme", fmt.Sprintf("mkdir /inbox/invoices\nput %s /inbox/invoices/inv.csv\n", src))
	if err != nil {
		t.Fatalf("sftp mkdir+put: %v\n%s", err, out)
	}
	h.assertJournaledOnce(t, "acme", "inbox/invoices/inv.csv", body)
}

func TestCurlClient(t *testing.T) {
	h := newHarness(t, nil)
	curl := testutil.RequireTool(t, "curl")
	src := filepath.Join(h.dir, "inv.csv")
	body := testutil.RandomFile(t, src, 1<<20)
	out, err := testutil.Run(t, 60*time.Second, nil, curl, "-sS", "--insecure", "-T", src,
		"--key", h.acme.PrivatePath, "--pubkey", h.acme.PublicPath, "-u", "acme:",
		fmt.Sprintf("sftp://127.0.0.1:%s/inbox/inv.csv", h.port))
	if err != nil {
		t.Fatalf("curl -T: %v\n%s", err, out)
	}
	h.assertJournaledOnce(t, "acme", "inbox/inv.csv", body)
}

func TestLftpClient(t *testing.T) {
	h := newHarness(t, nil)
	lftp := testutil.RequireTool(t, "lftp")
	testutil.RequireTool(t, "ssh")
	src := filepath.Join(h.dir, "pl.csv")
	body := testutil.RandomFile(t, src, 1<<20)
	connect := fmt.Sprintf("ssh -a -x -i %s -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes", h.acme.PrivatePath)
	for _, tc := range []struct {
		name, tempFile string
	}{
		{"inplace.csv", "no"},
		{"viatemp.csv", "yes"}, // lftp writes .in.viatemp.csv. and renames it
	} {
		script := fmt.Sprintf(`set sftp:connect-program "%s"; set net:max-retries 1; set xfer:use-temp-file %s; open -u acme, -p %s sftp://127.0.0.1; put %s -o /inbox/%s; bye`,
			connect, tc.tempFile, h.port, src, tc.name)
		out, err := testutil.Run(t, 60*time.Second, nil, lftp, "-c", script)
		if err != nil {
			t.Fatalf("lftp put (temp file %s): %v\n%s", tc.tempFile, err, out)
		}
		h.assertJournaledOnce(t, "acme", "inbox/"+tc.name, body)
	}
	if n := len(h.files(t, "acme")); n != 2 {
		t.Fatalf("journal has %d entries, want 2", n)
	}
}

func TestRcloneClient(t *testing.T) {
	h := newHarness(t, nil)
	rclone := testutil.RequireTool(t, "rclone")
	src := filepath.Join(h.dir, "bl.csv")
	body := testutil.RandomFile(t, src, 2<<20)
	conf := filepath.Join(h.dir, "rclone.conf")
	os.WriteFile(conf, nil, 0o600)
	remote := fmt.Sprintf(":sftp,host=127.0.0.1,port=%s,user=acme,key_file=%s:inbox/bl.csv", h.port, h.acme.PrivatePath)
	out, err := testutil.Run(t, 60*time.Second, nil, rclone, "--config", conf, "copyto", src, remote)
	if err != nil {
		t.Fatalf("rclone copyto: %v\n%s", err, out)
	}
	h.assertJournaledOnce(t, "acme", "inbox/bl.csv", body)
}

// WinSCP uploads to x.filepart and renames it into x: one arrival, as x.
func TestTempNameRenameIsOneArrival(t *testing.T) {
	h := newHarness(t, nil)
	src := filepath.Join(h.dir, "inv.xlsx")
	body := testutil.RandomFile(t, src, 512<<10)
	out, err := h.sftpBatch(t, h.acme, "acme", fmt.Sprintf("put %s /inbox/inv.xlsx.filepart\nrename /inbox/inv.xlsx.filepart /inbox/inv.xlsx\n", src))
	if err != nil {
		t.Fatalf("sftp: %v\n%s", err, out)
	}
	h.assertJournaledOnce(t, "acme", "inbox/inv.xlsx", body)
	if n := len(h.files(t, "acme")); n != 1 {
		t.Fatalf("journal has %d entries, want 1", n)
	}
	if got := h.inboxEntries(t, "acme"); len(got) != 1 || got[0] != "inv.xlsx" {
		t.Fatalf("inbox holds %v, want [inv.xlsx]", got)
	}
}

// A client killed mid-upload leaves no journal entry and no file behind.
func TestKilledClientLeavesNothing(t *testing.T) {
	h := newHarness(t, nil)
	bin := testutil.RequireTool(t, "sftp")
	src := filepath.Join(h.dir, "big.bin")
	testutil.RandomFile(t, src, 16<<20)
	args := append(testutil.SFTPArgs(h.acme.PrivatePath, h.port)[:0:0], testutil.SFTPArgs(h.acme.PrivatePath, h.port)...)
	args = append(args, "-l", "2000", "acme@127.0.0.1") // 2 Mbit/s: the upload takes a minute
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(fmt.Sprintf("put %s /inbox/big.bin\n", src))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until bytes are landing in the hub's temp file, then kill -9.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if entries := h.inboxEntries(t, "acme"); len(entries) == 1 && folders.IsTemp(entries[0]) {
			if fi, err := os.Stat(filepath.Join(h.dir, "partners", "acme", "inbox", entries[0])); err == nil && fi.Size() > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("upload never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	// The server notices the dropped connection and removes the temp file.
	deadline = time.Now().Add(10 * time.Second)
	for len(h.inboxEntries(t, "acme")) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("inbox still holds %v after the client died", h.inboxEntries(t, "acme"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if files := h.files(t, "acme"); len(files) != 0 {
		t.Fatalf("journal has %d entries for a killed upload", len(files))
	}
}

func TestJail(t *testing.T) {
	h := newHarness(t, nil)
	src := filepath.Join(h.dir, "x.csv")
	testutil.RandomFile(t, src, 1000)
	// A file of globex's, and a symlink out of acme's inbox planted on disk.
	if out, err := h.sftpBatch(t, h.globex, "globex", fmt.Sprintf("put %s /inbox/secret.csv\n", src)); err != nil {
		t.Fatalf("globex put: %v\n%s", err, out)
	}
	outside := filepath.Join(h.dir, "outside")
	os.MkdirAll(outside, 0o755)
	os.WriteFile(filepath.Join(outside, "passwd"), []byte("root:x:0:0"), 0o644)
	if err := os.Symlink(outside, filepath.Join(h.dir, "partners", "acme", "outbox", "escape")); err != nil {
		t.Fatal(err)
	}

	refused := []struct{ name, script string }{
		{"DotDotPut", fmt.Sprintf("put %s /inbox/../../../outside/x.csv\n", src)},
		{"AbsolutePut", fmt.Sprintf("put %s /etc/clearway-test\n", src)},
		{"OtherPartnerGet", "get /../globex/inbox/secret.csv " + filepath.Join(h.dir, "stolen") + "\n"},
		{"SymlinkGet", "get /outbox/escape/passwd " + filepath.Join(h.dir, "stolen") + "\n"},
		{"SymlinkCreate", "symlink /outbox /inbox/link\n"},
		{"OutboxPut", fmt.Sprintf("put %s /outbox/x.csv\n", src)},
		{"ErrorsPut", fmt.Sprintf("put %s /errors/x.csv\n", src)},
		{"RootPut", fmt.Sprintf("put %s /x.csv\n", src)},
		{"RootMkdir", "mkdir /newdir\n"},
		{"InboxGet", "get /inbox/x.csv " + filepath.Join(h.dir, "back") + "\n"},
		{"InboxRemove", "rm /inbox/x.csv\n"},
		{"ReservedName", fmt.Sprintf("put %s /inbox/.cw-upload-x\n", src)},
	}
	if out, err := h.sftpBatch(t, h.acme, "acme", fmt.Sprintf("put %s /inbox/x.csv\n", src)); err != nil {
		t.Fatalf("acme put: %v\n%s", err, out)
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			out, err := h.sftpBatch(t, h.acme, "acme", tc.script)
			if err == nil {
				t.Fatalf("%q was allowed:\n%s", tc.script, out)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(h.dir, "stolen")); err == nil {
		t.Fatal("a file from outside the jail was downloaded")
	}
	if _, err := os.Stat(filepath.Join(outside, "x.csv")); err == nil {
		t.Fatal("an upload escaped the jail")
	}
	// acme sees only its own three folders and its own inbox.
	out, err := h.sftpBatch(t, h.acme, "acme", "ls /\nls /inbox\nls /..\n")
	if err != nil {
		t.Fatalf("ls: %v\n%s", err, out)
	}
	if strings.Contains(out, "secret") || strings.Contains(out, "globex") {
		t.Fatalf("acme sees globex's files:\n%s", out)
	}
	for _, want := range []string{"inbox", "outbox", "errors", "x.csv"} {
		if !strings.Contains(out, want) {
			t.Fatalf("listing lacks %s:\n%s", want, out)
		}
	}
	if files := h.files(t, "acme"); len(files) != 1 {
		t.Fatalf("acme journal has %d entries, want 1", len(files))
	}
}

func TestOutboxAndErrors(t *testing.T) {
	h := newHarness(t, nil)
	outbox := filepath.Join(h.dir, "partners", "acme", "outbox")
	body := []byte("ISA*00*...~\n")
	os.WriteFile(filepath.Join(outbox, "997-1.edi"), body, 0o640)
	os.WriteFile(filepath.Join(h.dir, "partners", "acme", "errors", "bad.csv.error.txt"), []byte("row 3"), 0o640)
	dst := filepath.Join(h.dir, "got.edi")
	out, err := h.sftpBatch(t, h.acme, "acme", fmt.Sprintf("get /outbox/997-1.edi %s\nrm /outbox/997-1.edi\nls /errors\nrm /errors/bad.csv.error.txt\n", dst))
	if err != nil {
		t.Fatalf("sftp: %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(dst); string(got) != string(body) {
		t.Fatalf("downloaded %q, want %q", got, body)
	}
	if _, err := os.Stat(filepath.Join(outbox, "997-1.edi")); err == nil {
		t.Fatal("rm /outbox file did not delete it")
	}
	if !strings.Contains(out, "bad.csv.error.txt") {
		t.Fatalf("ls /errors:\n%s", out)
	}
}

func TestWrongKeyAndBan(t *testing.T) {
	h := newHarness(t, func(s *Server) { s.Defender.Threshold = 3 })
	// Wrong key for the user, and a right key for another partner's name.
	for i, c := range []struct {
		key  *testutil.Key
		user string
	}{{h.stranger, "acme"}, {h.globex, "acme"}, {h.acme, "nobody"}} {
		if out, err := h.sftpBatch(t, c.key, c.user, "ls /\n"); err == nil {
			t.Fatalf("attempt %d: login with a wrong key succeeded:\n%s", i, out)
		}
	}
	// Three failures: the source is banned, even with the right key now.
	if out, err := h.sftpBatch(t, h.acme, "acme", "ls /\n"); err == nil {
		t.Fatalf("banned source logged in:\n%s", out)
	}
	if banned, _ := h.srv.Defender.Banned(h.srv.Addr()); !banned {
		t.Fatal("source not banned after 3 failures")
	}
}

func TestPasswordLogin(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret-pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(s *Server) { s.Accounts["acme"].PasswordHash = hash })
	curl := testutil.RequireTool(t, "curl")
	url := fmt.Sprintf("sftp://127.0.0.1:%s/outbox/", h.port)
	if out, err := testutil.Run(t, 30*time.Second, nil, curl, "-sS", "--insecure", "-u", "acme:s3cret-pass", url); err != nil {
		t.Fatalf("password login: %v\n%s", err, out)
	}
	if out, err := testutil.Run(t, 30*time.Second, nil, curl, "-sS", "--insecure", "-u", "acme:wrong", url); err == nil {
		t.Fatalf("wrong password accepted:\n%s", out)
	}
}
