package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPutFile(t *testing.T) {
	dir := t.TempDir()
	a := New(filepath.Join(dir, "archive"))
	if err := a.Open(); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "upload")
	body := "INV-1,2026-03-01,12.5\n"
	if err := os.WriteFile(src, []byte(body), 0o640); err != nil {
		t.Fatal(err)
	}
	sum, size, err := a.PutFile(src)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256([]byte(body))
	if sum != hex.EncodeToString(want[:]) || size != int64(len(body)) {
		t.Fatalf("got %s/%d, want %x/%d", sum, size, want, len(body))
	}
	f, err := a.OpenFile(sum)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if string(got) != body {
		t.Fatalf("archived %q, want %q", got, body)
	}
	// Removing the source (the inbox copy) must not lose the archived bytes.
	if err := os.Remove(src); err != nil {
		t.Fatal(err)
	}
	if !a.Exists(sum) {
		t.Fatal("archive entry vanished with its source")
	}
	// Write-once: the same content again is kept, not rewritten.
	if err := os.WriteFile(src, []byte(body), 0o640); err != nil {
		t.Fatal(err)
	}
	if sum2, _, err := a.PutFile(src); err != nil || sum2 != sum {
		t.Fatalf("second PutFile: %s, %v", sum2, err)
	}
	fi, err := os.Stat(a.Path(sum))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o222 != 0 {
		t.Fatalf("archived file is writable: %v", fi.Mode())
	}
}

func TestPut(t *testing.T) {
	a := New(t.TempDir())
	if err := a.Open(); err != nil {
		t.Fatal(err)
	}
	sum, size, err := a.Put(strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if sum != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" || size != 5 {
		t.Fatalf("got %s/%d", sum, size)
	}
	entries, _ := os.ReadDir(filepath.Join(a.Root, "tmp"))
	if len(entries) != 0 {
		t.Fatalf("temp files left behind: %d", len(entries))
	}
}
