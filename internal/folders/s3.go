package folders

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/minio/minio-go/v7"
)

var _ Store = (*S3)(nil)

// bigWrite is the size above which a write is sent in parallel parts.
const bigWrite = 64 << 20

// S3 keeps the shared files as objects under Prefix in a bucket: the key
// "partners/acme/outbox/x" is the object Prefix+"partners/acme/outbox/x".
// A bucket has no folders: a folder is the objects under its name, so one
// nothing was written to is empty rather than missing.
type S3 struct {
	Client *minio.Client
	Bucket string
	Prefix string // "folders/"
}

func (s *S3) object(key string) string { return s.Prefix + key }

// Describe names the object and its bucket.
func (s *S3) Describe(key string) string {
	return fmt.Sprintf("object %s in bucket %s", s.object(key), s.Bucket)
}

// Ping asks the bucket exists.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.Client.BucketExists(ctx, s.Bucket)
	if err == nil && !ok {
		err = fmt.Errorf("bucket %s does not exist", s.Bucket)
	}
	return err
}

// Write uploads the bytes; an object appears whole when the upload
// completes, and the server has stored it when Write returns.
func (s *S3) Write(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := checkKey(key); err != nil {
		return err
	}
	// An unsigned payload: otherwise, over plain HTTP, the client streams
	// a big object's parts in signed chunks (aws-chunked), which some
	// S3-compatible servers (gofakes3, rclone's) store chunk headers and
	// all. Over HTTPS, TLS protects the bytes in transit.
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream", DisableContentSha256: true}
	switch {
	case size < 0:
		opts.PartSize = 8 << 20 // unknown size: buffer 8 MiB parts, not the default 16
	case size > bigWrite:
		// A big rejected file copied into /errors: its parts go up four at a
		// time (64 MiB of buffers) instead of one after another.
		opts.PartSize, opts.NumThreads, opts.ConcurrentStreamParts = 16<<20, 4, true
	}
	if _, err := s.Client.PutObject(ctx, s.Bucket, s.object(key), r, size, opts); err != nil {
		return fmt.Errorf("write %s: %w", s.Describe(key), err)
	}
	return nil
}

// Open opens the object; asking for its description first turns a missing
// object into fs.ErrNotExist now rather than at the first read.
func (s *S3) Open(ctx context.Context, key string) (File, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	obj, err := s.Client.GetObject(ctx, s.Bucket, s.object(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, s.err("open", key, err)
	}
	oi, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, s.err("open", key, err)
	}
	return &object{Object: obj, info: objectInfo(oi)}, nil
}

// Stat describes the object at key, or the folder key when objects lie
// under it.
func (s *S3) Stat(ctx context.Context, key string) (fs.FileInfo, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	oi, err := s.Client.StatObject(ctx, s.Bucket, s.object(key), minio.StatObjectOptions{})
	if err == nil {
		return objectInfo(oi), nil
	}
	if !isNotFound(err) {
		return nil, s.err("stat", key, err)
	}
	ctx, cancel := context.WithCancel(ctx) // stops the listing after its first object
	defer cancel()
	for o := range s.Client.ListObjects(ctx, s.Bucket, minio.ListObjectsOptions{Prefix: s.object(key) + "/", MaxKeys: 1}) {
		if o.Err != nil {
			return nil, s.err("stat", key, o.Err)
		}
		return DirInfo(path.Base(key)), nil
	}
	return nil, &fs.PathError{Op: "stat", Path: s.Describe(key), Err: fs.ErrNotExist}
}

// List returns the objects and sub-folders directly under dir.
func (s *S3) List(ctx context.Context, dir string) ([]fs.FileInfo, error) {
	if err := checkKey(dir); err != nil {
		return nil, err
	}
	prefix := s.object(dir) + "/"
	var infos []fs.FileInfo
	for o := range s.Client.ListObjects(ctx, s.Bucket, minio.ListObjectsOptions{Prefix: prefix}) {
		if o.Err != nil {
			return nil, s.err("list", dir, o.Err)
		}
		name := strings.TrimPrefix(o.Key, prefix)
		if sub, ok := strings.CutSuffix(name, "/"); ok {
			infos = append(infos, DirInfo(sub))
			continue
		}
		if name == "" || IsTemp(name) {
			continue
		}
		infos = append(infos, info{name: name, size: o.Size, mod: o.LastModified})
	}
	return infos, nil
}

// Remove deletes the object; a missing one is fs.ErrNotExist, as on disk.
func (s *S3) Remove(ctx context.Context, key string) error {
	if _, err := s.Stat(ctx, key); err != nil {
		return err
	}
	if err := s.Client.RemoveObject(ctx, s.Bucket, s.object(key), minio.RemoveObjectOptions{}); err != nil {
		return s.err("remove", key, err)
	}
	return nil
}

// Copy copies the object on the server.
func (s *S3) Copy(ctx context.Context, from, to string) error {
	if err := checkKey(from); err != nil {
		return err
	}
	if err := checkKey(to); err != nil {
		return err
	}
	_, err := s.Client.CopyObject(ctx,
		minio.CopyDestOptions{Bucket: s.Bucket, Object: s.object(to)},
		minio.CopySrcOptions{Bucket: s.Bucket, Object: s.object(from)})
	if err != nil {
		return s.err("copy", from, err)
	}
	return nil
}

// maxServerCopy is the largest object one CopyObject request copies.
const maxServerCopy = 5 << 30

// CopyFrom copies an object of another bucket or prefix of the same
// service (the archive's) to key on the server: the bytes do not travel
// through this node. Objects over 5 GiB are refused (ErrTooBig): the
// caller streams those.
func (s *S3) CopyFrom(ctx context.Context, bucket, object string, size int64, to string) error {
	if err := checkKey(to); err != nil {
		return err
	}
	if size > maxServerCopy {
		return fmt.Errorf("%w: %s is %d bytes, over the 5 GiB a server copy takes", ErrTooBig, object, size)
	}
	_, err := s.Client.CopyObject(ctx,
		minio.CopyDestOptions{Bucket: s.Bucket, Object: s.object(to)},
		minio.CopySrcOptions{Bucket: bucket, Object: object})
	if err != nil {
		return s.err("copy "+bucket+"/"+object+" to", to, err)
	}
	return nil
}

// Rename copies then deletes: a bucket has no rename, so a crash between
// the two leaves both (the caller's retry sees from still there).
func (s *S3) Rename(ctx context.Context, from, to string) error {
	if err := s.Copy(ctx, from, to); err != nil {
		return err
	}
	return s.Remove(ctx, from)
}

// err names the object and keeps "not found" recognisable.
func (s *S3) err(op, key string, err error) error {
	if isNotFound(err) {
		err = fs.ErrNotExist
	}
	return &fs.PathError{Op: op, Path: s.Describe(key), Err: err}
}

func isNotFound(err error) bool {
	switch minio.ToErrorResponse(err).Code {
	case "NoSuchKey", "NotFound":
		return true
	}
	return false
}

func objectInfo(oi minio.ObjectInfo) fs.FileInfo {
	return info{name: path.Base(oi.Key), size: oi.Size, mod: oi.LastModified}
}

// object is an open object with its description.
type object struct {
	*minio.Object
	info fs.FileInfo
}

func (o *object) Stat() (fs.FileInfo, error) { return o.info, nil }
