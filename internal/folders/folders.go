// Package folders keeps the files Clearway writes for partners and for
// itself outside the database: partners' /outbox and /errors, outbound
// spools and sent copies. On one machine they are the folders under
// data_dir; in a cluster they are objects in the bucket, so a partner who
// lists /outbox through any node sees what any node wrote there.
//
// Keys are slash paths relative to data_dir ("partners/acme/outbox/997-1.x12").
// A partner's /inbox is not here: uploads land on the node that received
// them and reach the others through the archive and the journal.
package folders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/clearway"
)

// ErrTooBig is a server copy refused for the object's size.
var ErrTooBig = errors.New("too big for a server copy")

// Store is where the shared files are kept.
type Store interface {
	// Write stores the bytes read from r (size of them, or -1 when not
	// known) under key; a reader sees all of them or none, and Write
	// returns once they are durable.
	Write(ctx context.Context, key string, r io.Reader, size int64) error
	// Open opens the file at key for reading; a missing one is an error
	// satisfying errors.Is(err, fs.ErrNotExist).
	Open(ctx context.Context, key string) (File, error)
	// Stat describes the file or folder at key.
	Stat(ctx context.Context, key string) (fs.FileInfo, error)
	// List returns the entries of the folder dir, without Clearway's own
	// temp files; a folder nothing was written to yet is empty.
	List(ctx context.Context, dir string) ([]fs.FileInfo, error)
	// Remove deletes the file at key; a missing one is fs.ErrNotExist.
	Remove(ctx context.Context, key string) error
	// Copy makes to a copy of from (a hard link on disk).
	Copy(ctx context.Context, from, to string) error
	// Rename moves from to to, replacing to.
	Rename(ctx context.Context, from, to string) error
	// Describe names the file for people (logs, messages).
	Describe(key string) string
	// Ping checks the store answers now (/healthz).
	Ping(ctx context.Context) error
}

// File is an open shared file: downloads read it at offsets.
type File interface {
	io.ReadSeekCloser
	io.ReaderAt
	Stat() (fs.FileInfo, error)
}

// TempPrefix starts the names of Clearway's own temp files; listings and
// the SFTP server hide them.
const TempPrefix = ".cw-"

// IsTemp reports one of Clearway's own temp names.
func IsTemp(name string) bool { return strings.HasPrefix(name, TempPrefix) }

// Partner is the key of a path in a partner's folder ("outbox/x.csv").
func Partner(partner, rel string) string {
	return path.Join("partners", partner, rel)
}

// Outbox is the key of a file in the partner's /outbox.
func Outbox(partner, name string) string {
	return Partner(partner, path.Join(clearway.OutboxDir, name))
}

// Errors is the key of a file in the partner's /errors.
func Errors(partner, name string) string {
	return Partner(partner, path.Join(clearway.ErrorsDir, name))
}

// Spool is the key of outbound content spooled under its SHA-256 before
// its run is reserved.
func Spool(sum string) string { return path.Join("outbound", "spool", sum) }

// Sent is the key of the sent copy of a file delivered to a partner's
// /outbox: the mark that the delivery happened, kept for retention.
func Sent(partner, name string) string { return path.Join("outbound", "sent", partner, name) }

// checkKey refuses a key that is not a clean relative slash path.
func checkKey(key string) error {
	if !fs.ValidPath(key) || key == "." {
		return fmt.Errorf("folders: %q is not a clean relative path", key)
	}
	return nil
}

// Exists reports whether the file at key exists; an error asking counts
// as no only when it is "not found".
func Exists(ctx context.Context, s Store, key string) (bool, error) {
	_, err := s.Stat(ctx, key)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Holds reports whether the file at key has exactly these bytes: size
// (unless negative) and SHA-256. One of another size is not read.
func Holds(ctx context.Context, s Store, key string, size int64, sum string) bool {
	f, err := s.Open(ctx, key)
	if err != nil {
		return false
	}
	defer f.Close()
	if size >= 0 {
		if fi, err := f.Stat(); err != nil || fi.Size() != size {
			return false
		}
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false
	}
	return hex.EncodeToString(h.Sum(nil)) == sum
}

// info is a FileInfo for what a bucket describes.
type info struct {
	name string
	size int64
	mod  time.Time
	dir  bool
}

func (i info) Name() string       { return i.name }
func (i info) Size() int64        { return i.size }
func (i info) ModTime() time.Time { return i.mod }
func (i info) IsDir() bool        { return i.dir }
func (i info) Sys() any           { return nil }
func (i info) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o750
	}
	return 0o640
}

// DirInfo describes a folder that always exists (a partner's /outbox).
func DirInfo(name string) fs.FileInfo { return info{name: name, dir: true, mod: time.Unix(0, 0)} }

// FromDataDir is the key of a file recorded by its path under data_dir
// (outbound runs spooled before the folders were shared); a key is
// returned as it is.
func FromDataDir(dataDir, p string) string {
	if rel, err := filepath.Rel(dataDir, p); err == nil && filepath.IsAbs(p) {
		return filepath.ToSlash(rel)
	}
	return p
}
