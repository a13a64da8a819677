// Package testutil holds helpers shared by tests that drive real tools (the
// OpenSSH client, curl, lftp, rclone, sshd) against the real daemon parts.
package testutil

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// RequireTool returns the path of an external program a test needs. When it
// is missing the test is skipped on a developer machine but fails loudly in
// CI (CI=true), where .ci/run must have installed it.
func RequireTool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return filepath.Join(dir, name)
		}
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s is required in CI but not installed (.ci/run should install it)", name)
	}
	tb.Skipf("%s not installed", name)
	return ""
}

// Key is a client key pair written to disk in OpenSSH format.
type Key struct {
	PrivatePath string
	PublicPath  string
	Public      ssh.PublicKey
	Signer      ssh.Signer
}

// MustKey creates an ed25519 key pair under dir as name and name.pub.
func MustKey(tb testing.TB, dir, name string) *Key {
	tb.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, name)
	if err != nil {
		tb.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		tb.Fatal(err)
	}
	k := &Key{PrivatePath: filepath.Join(dir, name), PublicPath: filepath.Join(dir, name+".pub"), Public: sshPub, Signer: signer}
	if err := os.WriteFile(k.PrivatePath, pem.EncodeToMemory(block), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(k.PublicPath, ssh.MarshalAuthorizedKey(sshPub), 0o644); err != nil {
		tb.Fatal(err)
	}
	return k
}

// Run runs a command with a deadline and returns its combined output.
func Run(tb testing.TB, timeout time.Duration, stdin []byte, name string, args ...string) (string, error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// SFTPArgs are the OpenSSH sftp options for a throwaway test server.
func SFTPArgs(key string, port string) []string {
	return []string{"-q", "-i", key, "-P", port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "-b", "-"}
}

// RandomFile writes size random bytes to path.
func RandomFile(tb testing.TB, path string, size int) []byte {
	tb.Helper()
	b := make([]byte, size)
	rand.Read(b)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return b
}

// WaitFor polls cond until it holds; after timeout it fails tb, naming what
// it waited for.
func WaitFor(tb testing.TB, what string, timeout time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
