package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

var _ Store = (*S3)(nil)

// openTimeout bounds Open's look at the bucket, so a daemon pointed at an
// unreachable endpoint fails at start instead of hanging.
const openTimeout = 30 * time.Second

// S3 is the archive in a bucket of an S3-compatible object store: the bytes
// whose SHA-256 is "ab12…" are the object "ab/ab12…". Set the fields, then
// Open.
type S3 struct {
	// Endpoint is the server's host[:port], without a scheme.
	Endpoint string
	// Secure talks HTTPS; false is plain HTTP (a local MinIO, tests).
	Secure bool
	// Bucket holds the archive; it must exist.
	Bucket string
	// Region is the bucket's region; "" lets the client ask the server.
	Region string
	// AccessKey and SecretKey sign every request.
	AccessKey, SecretKey string
	// PathStyle sends requests as endpoint/bucket/key, which most
	// self-hosted servers need; false lets the client choose (virtual
	// hosts on AWS).
	PathStyle bool
	// Temp is the local folder uploads are spooled and hashed in.
	Temp string
	// Transport, when set, carries the requests (a private CA, tests);
	// nil is the client's default.
	Transport http.RoundTripper

	// singlePutMax, when set, replaces maxSinglePut (tests lower it to
	// reach the multipart path without uploading gigabytes).
	singlePutMax int64

	client *minio.Client
}

// Open creates the temp folder and the client, and checks that the bucket
// exists and answers with these credentials.
func (s *S3) Open() error {
	if err := os.MkdirAll(s.Temp, 0o750); err != nil {
		return fmt.Errorf("create archive temp folder: %w", err)
	}
	lookup := minio.BucketLookupAuto
	if s.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(s.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Secure:       s.Secure,
		Region:       s.Region,
		BucketLookup: lookup,
		Transport:    s.Transport,
	})
	if err != nil {
		return fmt.Errorf("archive bucket %s at %s: %w", s.Bucket, s.Endpoint, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	ok, err := client.BucketExists(ctx, s.Bucket)
	if err != nil {
		return fmt.Errorf("archive bucket %s at %s: %w", s.Bucket, s.Endpoint, err)
	}
	if !ok {
		return fmt.Errorf("archive bucket %s at %s does not exist; create it first", s.Bucket, s.Endpoint)
	}
	s.client = client
	return nil
}

// Client is the opened archive's connection to its server: the partners'
// shared folders (internal/folders) keep their objects in the same bucket.
func (s *S3) Client() *minio.Client { return s.client }

// Key is the object key of the bytes with this SHA-256.
func (s *S3) Key(sum string) string {
	if len(sum) < 2 {
		return path.Join("invalid", sum)
	}
	return path.Join(sum[:2], sum)
}

// Object is where the bytes with this SHA-256 are: the bucket and the
// object key (for a copy made by the server, folders.S3.CopyFrom).
func (s *S3) Object(sum string) (bucket, key string) { return s.Bucket, s.Key(sum) }

// Describe names the object and its bucket.
func (s *S3) Describe(sum string) string {
	return fmt.Sprintf("archive object %s in bucket %s", s.Key(sum), s.Bucket)
}

// TempDir is the local spool folder.
func (s *S3) TempDir() string { return s.Temp }

// Exists reports whether the bucket holds the object; an error asking
// counts as no.
func (s *S3) Exists(sum string) bool {
	_, err := s.client.StatObject(context.Background(), s.Bucket, s.Key(sum), minio.StatObjectOptions{})
	return err == nil
}

// PutFile archives the file at src. The bytes are copied to a private temp
// file first, so what is hashed is exactly what is uploaded even if src
// changes meanwhile.
func (s *S3) PutFile(src string) (sum string, size int64, err error) {
	f, err := os.Open(src)
	if err != nil {
		return "", 0, fmt.Errorf("archive %s: %w", src, err)
	}
	defer f.Close()
	sum, size, err = s.Put(f)
	if err != nil {
		return "", 0, fmt.Errorf("archive %s: %w", src, err)
	}
	return sum, size, nil
}

// maxSinglePut is the largest object uploaded in one PUT: S3's own limit.
// Larger ones go up in parts.
const maxSinglePut = 5 << 30

// Put streams r into a temp file while hashing it, then uploads it under
// its SHA-256 unless the bucket already holds that object (write-once). It
// returns once the server has acknowledged the upload.
func (s *S3) Put(r io.Reader) (sum string, size int64, err error) {
	tmp, err := os.CreateTemp(s.Temp, "put-*")
	if err != nil {
		return "", 0, fmt.Errorf("archive: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	size, err = io.Copy(io.MultiWriter(tmp, h), r)
	if err != nil {
		return "", 0, fmt.Errorf("archive: write: %w", err)
	}
	sum = hex.EncodeToString(h.Sum(nil))
	if s.Exists(sum) {
		return sum, size, nil
	}
	if err := s.upload(tmp, sum, size); err != nil {
		return "", 0, fmt.Errorf("archive: upload %s: %w", s.Describe(sum), err)
	}
	return sum, size, nil
}

// upload sends the spooled bytes, whose SHA-256 is sum, to the object's key.
//
// Up to maxSinglePut it is one PUT signed with sum as the payload's SHA-256
// (SigV4's x-amz-content-sha256): a server that checks it (AWS, MinIO,
// Ceph) refuses bytes that are not exactly the object the key names, and
// the client does not hash the bytes again while sending them. minio-go's
// PutObject would send 16 MiB parts one after the other, computing an MD5
// of each (and, over HTTP, a SHA-256 per chunk to sign): about three
// times the client's CPU, and half the speed into a bucket on a 2-core
// machine (scripts/bench-sftp-s3.sh).
//
// Larger objects go up in parts through PutObject, each part with its
// Content-MD5 for the server to check.
func (s *S3) upload(tmp *os.File, sum string, size int64) error {
	body := io.NewSectionReader(tmp, 0, size) // seekable: the client rewinds it to retry
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
	limit := int64(maxSinglePut)
	if s.singlePutMax > 0 {
		limit = s.singlePutMax
	}
	if size <= limit {
		opts.DisableContentSha256 = true // sign sum itself, not chunk by chunk
		_, err := minio.Core{Client: s.client}.PutObject(context.Background(), s.Bucket, s.Key(sum), body, size, "", sum, opts)
		return err
	}
	opts.SendContentMd5 = true
	_, err := s.client.PutObject(context.Background(), s.Bucket, s.Key(sum), body, size, opts)
	return err
}

// OpenFile opens the object for reading. The object is looked up at once,
// so a missing one is reported here (as os.ErrNotExist), not at the first
// read.
func (s *S3) OpenFile(sum string) (File, error) {
	key := s.Key(sum)
	obj, err := s.client.GetObject(context.Background(), s.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.openError(sum, err)
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, s.openError(sum, err)
	}
	return &objectFile{obj: obj, info: objectInfo{key: key, info: info}}, nil
}

// openError wraps a failure to open an object; a missing one satisfies
// errors.Is(err, os.ErrNotExist), which the ingest and replay rely on.
func (s *S3) openError(sum string, err error) error {
	if isNoSuchKey(err) {
		return &fs.PathError{Op: "open", Path: s.Describe(sum), Err: fs.ErrNotExist}
	}
	return fmt.Errorf("open %s: %w", s.Describe(sum), err)
}

// Remove deletes the object (the retention job's purge). S3 answers a
// delete of a missing key with success, so a purge cut short is finished
// by the next run.
func (s *S3) Remove(sum string) error {
	if len(sum) != sha256.Size*2 {
		return fmt.Errorf("remove archived %q: not a SHA-256", sum)
	}
	if err := s.client.RemoveObject(context.Background(), s.Bucket, s.Key(sum), minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("remove %s: %w", s.Describe(sum), err)
	}
	return nil
}

// isNoSuchKey tells a missing object from other failures. A missing bucket
// is not one: that is a configuration problem, not a lost original.
func isNoSuchKey(err error) bool {
	var resp minio.ErrorResponse
	return errors.As(err, &resp) && resp.Code == minio.NoSuchKey
}

// objectFile is an archived object opened for reading: one streamed GET,
// a ranged one after a seek. It has no ReadAt on purpose: minio's costs a
// request per call, and readers that look for io.ReaderAt (the XLSX reader's
// zip) make thousands of small ones; without it they read the object once.
type objectFile struct {
	obj  *minio.Object
	info objectInfo
}

func (f *objectFile) Read(p []byte) (int, error) { return f.obj.Read(p) }

func (f *objectFile) Seek(offset int64, whence int) (int64, error) {
	return f.obj.Seek(offset, whence)
}

func (f *objectFile) Close() error { return f.obj.Close() }

// Stat describes the object as a read-only file.
func (f *objectFile) Stat() (fs.FileInfo, error) { return f.info, nil }

// objectInfo is an object's metadata as fs.FileInfo.
type objectInfo struct {
	key  string
	info minio.ObjectInfo
}

func (o objectInfo) Name() string       { return path.Base(o.key) }
func (o objectInfo) Size() int64        { return o.info.Size }
func (o objectInfo) Mode() fs.FileMode  { return 0o440 }
func (o objectInfo) ModTime() time.Time { return o.info.LastModified }
func (o objectInfo) IsDir() bool        { return false }
func (o objectInfo) Sys() any           { return nil }

// Ping checks the bucket answers now.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.Bucket)
	if err == nil && !ok {
		err = fmt.Errorf("bucket %s is gone", s.Bucket)
	}
	return err
}
