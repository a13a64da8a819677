package config

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
)

// Archive kinds (ArchiveConfig.Kind).
const (
	// ArchiveLocal keeps the originals under data_dir/archive. The default.
	ArchiveLocal = "local"
	// ArchiveS3 keeps them in a bucket of an S3-compatible object store.
	ArchiveS3 = "s3"
)

// bucketPattern is an S3 bucket name: 3–63 lower-case letters, digits, dots
// and dashes, starting and ending with a letter or digit.
var bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ArchiveConfig says where the originals partners send are kept (config
// block archive). Every file is stored there, content-addressed, before it
// is journaled.
type ArchiveConfig struct {
	// Kind is local (data_dir/archive, the default) or s3.
	Kind string `yaml:"kind"`
	// Endpoint is the S3 server: host[:port] (HTTPS) or an http:// or
	// https:// URL without a path. Required for s3.
	Endpoint string `yaml:"endpoint"`
	// Bucket holds the archive; it must exist. Required for s3.
	Bucket string `yaml:"bucket"`
	// Region is the bucket's region; empty lets the client ask the server.
	Region string `yaml:"region"`
	// AccessKeyFile and SecretKeyFile hold the credentials, one line each.
	// Required for s3.
	AccessKeyFile string `yaml:"access_key_file"`
	SecretKeyFile string `yaml:"secret_key_file"`
	// PathStyle addresses the bucket as endpoint/bucket (MinIO and most
	// self-hosted servers); false lets the client choose (virtual-hosted
	// on AWS).
	PathStyle bool `yaml:"path_style"`
	// TempDir is the local folder uploads are spooled and hashed in before
	// they go to the bucket. Default data_dir/archive-tmp, filled in by
	// Validate.
	TempDir string `yaml:"temp_dir"`
	// AccessKey and SecretKey are read from their files by Validate,
	// trailing newline trimmed.
	AccessKey string `yaml:"-"`
	SecretKey string `yaml:"-"`
}

// defaultArchive is the archive block a file omits: the local folder.
func defaultArchive() ArchiveConfig { return ArchiveConfig{Kind: ArchiveLocal} }

// EndpointHost splits Endpoint into the host[:port] an S3 client dials and
// whether it speaks HTTPS: a bare host:port is HTTPS, a URL says so by its
// scheme.
func (a *ArchiveConfig) EndpointHost() (host string, secure bool, err error) {
	if !strings.Contains(a.Endpoint, "://") {
		host, secure = a.Endpoint, true
	} else {
		u, err := url.Parse(a.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return "", false, fmt.Errorf("%q must be host:port or an http:// or https:// URL", a.Endpoint)
		}
		if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return "", false, fmt.Errorf("%q must name the server only, without a path, user or query; the bucket goes in archive.bucket", a.Endpoint)
		}
		host, secure = u.Host, u.Scheme == "https"
	}
	if host == "" || strings.ContainsAny(host, "/ ") {
		return "", false, fmt.Errorf("%q must be host:port or an http:// or https:// URL", a.Endpoint)
	}
	if _, port, err := net.SplitHostPort(host); err == nil && port == "" {
		return "", false, fmt.Errorf("%q has an empty port", a.Endpoint)
	}
	return host, secure, nil
}

// resolveArchive makes the archive's local paths absolute (see Resolve).
func (c *Config) resolveArchive(abs func(path string, p *string)) {
	abs("archive.access_key_file", &c.Archive.AccessKeyFile)
	abs("archive.secret_key_file", &c.Archive.SecretKeyFile)
	abs("archive.temp_dir", &c.Archive.TempDir)
}

// validateArchive checks the archive block, reads the key files and fills
// the temp_dir default.
func (c *Config) validateArchive(l *errorList) {
	a := &c.Archive
	a.AccessKey, a.SecretKey = "", ""
	switch a.Kind {
	case ArchiveLocal:
		for _, f := range []struct {
			key string
			set bool
		}{{"endpoint", a.Endpoint != ""}, {"bucket", a.Bucket != ""}, {"region", a.Region != ""},
			{"access_key_file", a.AccessKeyFile != ""}, {"secret_key_file", a.SecretKeyFile != ""},
			{"path_style", a.PathStyle}, {"temp_dir", a.TempDir != ""}} {
			if f.set {
				l.add("archive."+f.key, "only used with kind: s3")
			}
		}
		return
	case ArchiveS3:
	default:
		l.add("archive.kind", fmt.Sprintf("must be local or s3, got %q", a.Kind))
		return
	}
	if a.Endpoint == "" {
		l.add("archive.endpoint", "required: the S3 server, such as s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000")
	} else if _, _, err := a.EndpointHost(); err != nil {
		l.add("archive.endpoint", err.Error())
	}
	if a.Bucket == "" {
		l.add("archive.bucket", "required: the bucket the originals are kept in")
	} else if !bucketPattern.MatchString(a.Bucket) || strings.Contains(a.Bucket, "..") {
		l.add("archive.bucket", fmt.Sprintf("%q is not a bucket name (3 to 63 lower-case letters, digits, dots and dashes)", a.Bucket))
	}
	a.AccessKey = c.readKeyFile(l, "archive.access_key_file", a.AccessKeyFile, "the access key id")
	a.SecretKey = c.readKeyFile(l, "archive.secret_key_file", a.SecretKeyFile, "the secret access key")
	if a.TempDir == "" && c.DataDir != "" {
		a.TempDir = filepath.Join(c.DataDir, "archive-tmp")
	}
}

// readKeyFile reads one credential file of the archive; what it holds is
// never echoed.
func (c *Config) readKeyFile(l *errorList, fieldPath, name, what string) string {
	if name == "" {
		l.add(fieldPath, "required: a file holding "+what)
		return ""
	}
	data, ok := c.readSecretFile(l, fieldPath, name)
	if !ok {
		return ""
	}
	return string(data)
}
