package config

import (
	"os"
	"path/filepath"
	"testing"
)

// archiveYAML keeps the archive in a bucket, with key files beside the
// configuration (config/secrets/).
const archiveYAML = `archive:
  kind: s3
  endpoint: http://127.0.0.1:9000
  bucket: clearway-archive
  access_key_file: secrets/s3.access
  secret_key_file: secrets/s3.secret
  path_style: true
`

// newArchiveFixture is newFixture with archiveYAML appended and its key
// files written, each with a trailing newline.
func newArchiveFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := newFixture(tb)
	f.yaml += archiveYAML
	mustMkdir(tb, filepath.Join(f.dir, "secrets"))
	mustWrite(tb, filepath.Join(f.dir, "secrets", "s3.access"), "AKIACLEARWAY\n")
	mustWrite(tb, filepath.Join(f.dir, "secrets", "s3.secret"), "s3cr3t-key\r\n")
	return f
}

func TestLoad_Archive(t *testing.T) {
	t.Run("DefaultLocal", func(t *testing.T) {
		f := newFixture(t)
		c := mustLoadNotify(t, f, f.yaml)
		if c.Archive.Kind != ArchiveLocal || c.Archive.TempDir != "" {
			t.Fatalf("archive = %+v, want kind local and no temp_dir", c.Archive)
		}
	})
	t.Run("S3", func(t *testing.T) {
		f := newArchiveFixture(t)
		c := mustLoadNotify(t, f, f.yaml)
		a := c.Archive
		if a.AccessKey != "AKIACLEARWAY" || a.SecretKey != "s3cr3t-key" {
			t.Errorf("keys = %q/%q, want them read from the files, newline trimmed", a.AccessKey, a.SecretKey)
		}
		if want := filepath.Join(f.dir, "secrets", "s3.access"); a.AccessKeyFile != want {
			t.Errorf("access_key_file = %s, want %s (resolved against the config)", a.AccessKeyFile, want)
		}
		if want := filepath.Join(c.DataDir, "archive-tmp"); a.TempDir != want {
			t.Errorf("temp_dir = %s, want %s", a.TempDir, want)
		}
		host, secure, err := a.EndpointHost()
		if err != nil || host != "127.0.0.1:9000" || secure {
			t.Errorf("endpoint = %s secure %v (%v), want 127.0.0.1:9000 over http", host, secure, err)
		}
	})
}

func TestEndpointHost(t *testing.T) {
	for _, tc := range []struct {
		endpoint, host string
		secure, ok     bool
	}{
		{"s3.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com", true, true},
		{"minio.lan:9000", "minio.lan:9000", true, true},
		{"https://minio.lan:9000/", "minio.lan:9000", true, true},
		{"http://127.0.0.1:9000", "127.0.0.1:9000", false, true},
		{"http://minio.lan:9000/clearway-archive", "", false, false},
		{"ftp://minio.lan", "", false, false},
		{"minio.lan:", "", false, false},
	} {
		a := ArchiveConfig{Endpoint: tc.endpoint}
		host, secure, err := a.EndpointHost()
		if (err == nil) != tc.ok || host != tc.host || secure != tc.secure {
			t.Errorf("%q: got %q secure %v err %v, want %q secure %v ok %v", tc.endpoint, host, secure, err, tc.host, tc.secure, tc.ok)
		}
	}
}

// Each mistake is reported with its file, line and field path, as
// `clearway config check` prints it.
func TestLoad_ArchiveMistakes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		edits      [][2]string
		path, line string
		want       []string
	}{
		{"MissingBucket", [][2]string{{"  bucket: clearway-archive\n", ""}}, "archive.bucket", "archive:",
			[]string{"required: the bucket"}},
		{"BadBucket", [][2]string{{"bucket: clearway-archive", "bucket: Clearway_Archive"}}, "archive.bucket", "bucket:",
			[]string{`"Clearway_Archive" is not a bucket name`}},
		{"UnreadableKeyFile", [][2]string{{"secrets/s3.access", "secrets/missing.access"}}, "archive.access_key_file", "access_key_file:",
			[]string{"secrets/missing.access", "no such file", "resolved to"}},
		{"MissingSecretKeyFile", [][2]string{{"  secret_key_file: secrets/s3.secret\n", ""}}, "archive.secret_key_file", "archive:",
			[]string{"required: a file holding the secret access key"}},
		{"MissingEndpoint", [][2]string{{"  endpoint: http://127.0.0.1:9000\n", ""}}, "archive.endpoint", "archive:",
			[]string{"required: the S3 server"}},
		{"EndpointWithPath", [][2]string{{"http://127.0.0.1:9000", "http://127.0.0.1:9000/bucket"}}, "archive.endpoint", "endpoint:",
			[]string{"without a path"}},
		{"BadKind", [][2]string{{"kind: s3", "kind: gcs"}}, "archive.kind", "kind: gcs",
			[]string{`must be local or s3, got "gcs"`}},
		{"LocalWithBucket", [][2]string{{"kind: s3", "kind: local"}}, "archive.bucket", "bucket:",
			[]string{"only used with kind: s3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newArchiveFixture(t)
			y := edited(t, f.yaml, tc.edits)
			mustLoadErrorAt(t, f, y, tc.path, tc.line, tc.want, []string{"AKIACLEARWAY", "s3cr3t-key"})
		})
	}
}

// An empty key file is refused without echoing anything.
func TestLoad_ArchiveEmptyKeyFile(t *testing.T) {
	f := newArchiveFixture(t)
	if err := os.WriteFile(filepath.Join(f.dir, "secrets", "s3.secret"), []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustLoadErrorAt(t, f, f.yaml, "archive.secret_key_file", "secret_key_file:", []string{"secrets/s3.secret is empty"}, nil)
}
