package main

import (
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// mustFakeBucket serves a real S3-compatible server (gofakes3) from the test
// process on 127.0.0.1:0 with an empty bucket; the daemon reaches it over
// HTTP like any S3 endpoint. It returns the backend, to look inside.
func mustFakeBucket(t *testing.T, bucket string) (*s3mem.Backend, string) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return backend, srv.URL
}

// bucketKeys lists every object key in the bucket.
func bucketKeys(t *testing.T, backend *s3mem.Backend, bucket string) []string {
	t.Helper()
	list, err := backend.ListBucket(bucket, nil, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, c := range list.Contents {
		keys = append(keys, c.Key)
	}
	slices.Sort(keys)
	return keys
}

// A supplier's upload over SFTP is archived in the bucket (content-addressed
// ab/abcd…) before it is journaled, ingested from there, and its inbox
// copy cleared; nothing is archived on local disk.
func TestArchiveS3OverSFTP(t *testing.T) {
	t.Parallel()
	backend, endpoint := mustFakeBucket(t, "clearway")
	d := newDemo(t)
	os.WriteFile(filepath.Join(d.dir, "s3.access"), []byte("clearway\n"), 0o600)
	os.WriteFile(filepath.Join(d.dir, "s3.secret"), []byte("clearway-secret\n"), 0o600)
	d.writeConfig(t, fmt.Sprintf("archive: {kind: s3, endpoint: %q, bucket: clearway, region: us-east-1, "+
		"access_key_file: s3.access, secret_key_file: s3.secret, path_style: true}\n", endpoint))
	d.withMappings(t, map[string]string{"invoice-csv.yaml": invoiceCSV}, "[invoice-csv]")
	dm := d.start(t)

	body := []byte("Invoice,Line,HTS,Qty,BL,Container\nINV-9,1,8471.30.0100,5,MAEU240312345,MSKU7051237\n")
	inv := filepath.Join(d.dir, "inv.csv")
	os.WriteFile(inv, body, 0o644)
	script := fmt.Sprintf("mkdir /inbox/invoices\nput %s /inbox/invoices/INV-9.csv\nput %s /inbox/invoices/INV-9-again.csv\n", inv, inv)
	if out, err := d.sftp(t, dm.port, script); err != nil {
		t.Fatalf("sftp: %v\n%s", err, out)
	}
	files := d.waitFiles(t, 2, 30*time.Second)
	states := map[string]string{}
	for _, f := range files {
		states[f["name"].(string)] = f["state"].(string)
		if f["sha256"] != sha(body) {
			t.Errorf("%s: sha256 %v, want %s", f["name"], f["sha256"], sha(body))
		}
	}
	if states["inbox/invoices/INV-9.csv"] != "done" || states["inbox/invoices/INV-9-again.csv"] != "duplicate" {
		t.Fatalf("journal %v, want INV-9.csv done and INV-9-again.csv duplicate\n%s", states, dm.logs)
	}

	// One object for the two uploads, under its SHA-256, holding the bytes.
	key := sha(body)[:2] + "/" + sha(body)
	if got := bucketKeys(t, backend, "clearway"); !slices.Equal(got, []string{key}) {
		t.Fatalf("bucket holds %v, want [%s]", got, key)
	}
	obj, err := backend.GetObject("clearway", key, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(obj.Contents)
	obj.Contents.Close()
	if string(got) != string(body) {
		t.Fatalf("object holds %q, want %q", got, body)
	}

	// Nothing archived on disk; the temp spool is empty.
	if entries, err := os.ReadDir(filepath.Join(d.dir, "var", "archive")); err == nil && len(entries) > 0 {
		t.Fatalf("data_dir/archive holds %d entries, want none", len(entries))
	}
	if entries, _ := os.ReadDir(filepath.Join(d.dir, "var", "archive-tmp")); len(entries) != 0 {
		t.Fatalf("archive-tmp holds %d temp files, want none", len(entries))
	}
	// The inbox copies go once handled: compared by content with the
	// object, as there is no hard link to recognise.
	inbox := filepath.Join(d.dir, "var", "partners", "acme", "inbox", "invoices")
	deadline := time.Now().Add(10 * time.Second)
	for {
		entries, _ := os.ReadDir(inbox)
		if len(entries) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("inbox still holds %d files\n%s", len(entries), dm.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := dm.stop(t); err != nil {
		t.Fatalf("stop: %v\n%s", err, dm.logs)
	}
}

// config check names a missing bucket and an unreadable key file with
// their lines.
func TestArchiveS3ConfigCheck(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	d.writeConfig(t, "archive:\n  kind: s3\n  endpoint: http://127.0.0.1:9000\n  access_key_file: missing.access\n  secret_key_file: missing.secret\n")
	_, errOut, code := d.clearway(t, "config", "check")
	if code == 0 {
		t.Fatal("config check passed a config with no bucket")
	}
	for _, want := range []string{"archive.bucket: required", "archive.access_key_file: open missing.access", "archive.secret_key_file: open missing.secret"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("config check says:\n%s\nwant %q", errOut, want)
		}
	}
}
