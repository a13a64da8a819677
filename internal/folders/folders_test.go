package folders

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// mustS3 serves a bucket from a real S3-compatible server (gofakes3 over
// HTTP) and returns the store on it.
func mustS3(tb testing.TB) *S3 {
	tb.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("shared"); err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	tb.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	client, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4("k", "secret-key", ""),
		Region: "us-east-1", BucketLookup: minio.BucketLookupPath})
	if err != nil {
		tb.Fatal(err)
	}
	return &S3{Client: client, Bucket: "shared", Prefix: "folders/"}
}

func mustLocal(tb testing.TB) *Local {
	tb.Helper()
	l, err := OpenLocal(filepath.Join(tb.TempDir(), "data"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	return l
}

// Both stores behave alike: what callers rely on must not depend on where
// the files are.
func TestStores(t *testing.T) {
	for name, s := range map[string]Store{"local": mustLocal(t), "s3": mustS3(t)} {
		t.Run(name, func(t *testing.T) { testStore(t, s) })
	}
}

func testStore(t *testing.T, s Store) {
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := s.List(ctx, "partners/acme/outbox"); err != nil || len(got) != 0 {
		t.Fatalf("an outbox nothing was written to: %v %v", got, err)
	}
	key := Outbox("acme", "997-0001.x12")
	if key != "partners/acme/outbox/997-0001.x12" {
		t.Fatalf("key %s", key)
	}
	write(t, s, key, "ISA*00~")
	write(t, s, key, "ISA*01~") // replaces
	write(t, s, Errors("acme", "INV.csv.error.txt"), "line 3: no Currency")
	write(t, s, "outbound/spool/ab12", "spooled")

	f, err := s.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	if n, err := f.ReadAt(buf, 4); n != 3 || string(buf) != "01~" {
		t.Errorf("ReadAt: %d %q %v", n, buf, err)
	}
	if fi, _ := f.Stat(); fi.Size() != 7 || fi.Name() != "997-0001.x12" || fi.IsDir() {
		t.Errorf("stat of the open file: %v %d", fi.Name(), fi.Size())
	}
	f.Close()

	if names := list(t, s, "partners/acme/outbox"); names != "997-0001.x12" {
		t.Errorf("outbox lists %s", names)
	}
	if names := list(t, s, "partners/acme"); names != "errors/,outbox/" {
		t.Errorf("the partner folder lists %s", names)
	}
	if fi, err := s.Stat(ctx, "partners/acme/errors"); err != nil || !fi.IsDir() {
		t.Errorf("stat of a folder with files: %v %v", fi, err)
	}
	if _, err := s.Open(ctx, Outbox("acme", "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("open of a missing file: %v", err)
	}
	if _, err := s.Stat(ctx, Outbox("acme", "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stat of a missing file: %v", err)
	}

	// The outbound delivery's steps: a hidden temp, a copy as the sent
	// mark, the rename into place.
	temp := Outbox("acme", TempPrefix+"out-status.csv")
	write(t, s, temp, "ref,status\n")
	if names := list(t, s, "partners/acme/outbox"); names != "997-0001.x12" {
		t.Errorf("a temp file is listed: %s", names)
	}
	if err := s.Copy(ctx, temp, "outbound/sent/acme/status.csv"); err != nil {
		t.Fatal(err)
	}
	if err := s.Rename(ctx, temp, Outbox("acme", "status.csv")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, s, "outbound/sent/acme/status.csv"); got != "ref,status\n" {
		t.Errorf("sent copy %q", got)
	}
	if names := list(t, s, "partners/acme/outbox"); names != "997-0001.x12,status.csv" {
		t.Errorf("after the rename the outbox lists %s", names)
	}
	if ok, err := Exists(ctx, s, temp); ok || err != nil {
		t.Errorf("the temp is still there: %v %v", ok, err)
	}

	// A big write (a rejected file of 70 MiB copied to /errors) arrives whole.
	big := strings.Repeat("0123456789abcdef", 70<<16)
	write(t, s, Errors("acme", "big.csv"), big)
	if got := read(t, s, Errors("acme", "big.csv")); got != big {
		t.Errorf("a %d-byte write reads back %d bytes", len(big), len(got))
	}

	if err := s.Remove(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, key); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("removing twice: %v", err)
	}
	for _, bad := range []string{"../etc/passwd", "/abs", "partners/acme/../../x", ""} {
		if err := s.Write(ctx, bad, strings.NewReader("x"), 1); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
	if !strings.Contains(s.Describe(key), "997-0001.x12") {
		t.Errorf("describe: %s", s.Describe(key))
	}
}

// A symlink planted in data_dir cannot take a write outside it.
func TestLocalStaysInside(t *testing.T) {
	l := mustLocal(t)
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(l.Dir, "partners", "acme"), 0o750)
	if err := os.Symlink(outside, filepath.Join(l.Dir, "partners", "acme", "outbox")); err != nil {
		t.Fatal(err)
	}
	if err := l.Write(context.Background(), Outbox("acme", "x"), strings.NewReader("x"), 1); err == nil {
		t.Error("wrote through a symlink out of data_dir")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("outside holds %v", entries)
	}
}

func write(t *testing.T, s Store, key, body string) {
	t.Helper()
	if err := s.Write(context.Background(), key, strings.NewReader(body), int64(len(body))); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, s Store, key string) string {
	t.Helper()
	f, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// list names the entries of dir, folders with a trailing slash, sorted.
func list(t *testing.T, s Store, dir string) string {
	t.Helper()
	infos, err := s.List(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fi := range infos {
		n := fi.Name()
		if fi.IsDir() {
			n += "/"
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// An archived object is copied into a partner's folder by the server; one
// over 5 GiB is refused before asking, so the caller streams it.
func TestS3CopyFrom(t *testing.T) {
	ctx := context.Background()
	s := mustS3(t)
	body := "ISA*00*~IEA*1*000000001~"
	if _, err := s.Client.PutObject(ctx, s.Bucket, "ab/ab12", strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.CopyFrom(ctx, s.Bucket, "ab/ab12", int64(len(body)), Errors("acme", "bad.x12")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, s, Errors("acme", "bad.x12")); got != body {
		t.Fatalf("copied %q, want %q", got, body)
	}
	if err := s.CopyFrom(ctx, s.Bucket, "ab/missing", 10, Errors("acme", "gone.x12")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("copy of a missing object: %v, want not-exist", err)
	}
	if err := s.CopyFrom(ctx, s.Bucket, "ab/ab12", 6<<30, Errors("acme", "huge.x12")); !errors.Is(err, ErrTooBig) {
		t.Fatalf("copy of 6 GiB: %v, want ErrTooBig", err)
	}
}
