// Package archive keeps the originals partners sent, content-addressed by
// SHA-256, write-once and fsync'd, so every journaled file can be re-read
// (replayed, packeted, audited) long after its inbox copy is gone.
package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Store is where the originals are kept: the local folder (Archive) or an
// S3-compatible bucket (S3). Both are content-addressed and write-once, and
// Put and PutFile return only once the bytes are durable, so a file is
// journaled only after its original is safe.
type Store interface {
	// Open checks the store is usable and creates what it needs.
	Open() error
	// Put archives the bytes read from r; it returns their SHA-256 and size.
	Put(r io.Reader) (sum string, size int64, err error)
	// PutFile archives the complete file at src, which is left in place.
	PutFile(src string) (sum string, size int64, err error)
	// OpenFile opens the bytes with this SHA-256; an error satisfying
	// errors.Is(err, os.ErrNotExist) means the archive does not hold them.
	OpenFile(sum string) (File, error)
	// Exists reports whether the archive holds the bytes with this SHA-256.
	Exists(sum string) bool
	// Remove deletes the bytes with this SHA-256; already gone is no error.
	Remove(sum string) error
	// Describe names the object for people (logs, journal messages).
	Describe(sum string) string
	// Ping checks the archive answers now (/healthz).
	Ping(ctx context.Context) error
	// TempDir is a local folder for spooling bytes before PutFile: for the
	// local archive it shares the archive's filesystem, so PutFile is a
	// hard link.
	TempDir() string
}

// File is an archived original opened for reading. Downloads seek in it
// (HTTP ranges) and read its modification time.
type File interface {
	io.ReadSeekCloser
	Stat() (fs.FileInfo, error)
}

// LocalPath returns the file the local archive keeps the bytes with this
// SHA-256 in; ok is false for a store that is not on this machine. The
// ingest uses it to tell an inbox copy that is the archived file itself.
func LocalPath(s Store, sum string) (path string, ok bool) {
	a, ok := s.(*Archive)
	if !ok {
		return "", false
	}
	return a.Path(sum), true
}

var _ Store = (*Archive)(nil)

// Archive is a content-addressed store on local disk rooted at Root: the
// bytes whose SHA-256 is "ab12…" live at Root/ab/ab12…, read-only.
type Archive struct {
	Root string
}

// New returns an archive rooted at root; call Open before use.
func New(root string) *Archive {
	return &Archive{Root: root}
}

// Open creates the archive folders.
func (a *Archive) Open() error {
	if err := os.MkdirAll(filepath.Join(a.Root, "tmp"), 0o750); err != nil {
		return fmt.Errorf("create archive: %w", err)
	}
	return nil
}

// Path returns where the bytes with the given hex SHA-256 are kept.
func (a *Archive) Path(sum string) string {
	if len(sum) < 2 {
		return filepath.Join(a.Root, "invalid", sum)
	}
	return filepath.Join(a.Root, sum[:2], sum)
}

// Exists reports whether the archive holds the bytes with this SHA-256.
func (a *Archive) Exists(sum string) bool {
	_, err := os.Stat(a.Path(sum))
	return err == nil
}

// Describe names the object by its path.
func (a *Archive) Describe(sum string) string { return a.Path(sum) }

// TempDir is Root/tmp, on the archive's filesystem.
func (a *Archive) TempDir() string { return filepath.Join(a.Root, "tmp") }

// OpenFile opens the archived bytes with this SHA-256 for reading.
func (a *Archive) OpenFile(sum string) (File, error) {
	f, err := os.Open(a.Path(sum))
	if err != nil {
		return nil, fmt.Errorf("open archived %s: %w", sum, err)
	}
	return f, nil
}

// Remove deletes the bytes with this SHA-256 (the retention job's purge).
// An object already gone is not an error: a purge cut short is finished by
// the next run. The removal is fsync'd so a purge that was logged stays
// done after a crash.
func (a *Archive) Remove(sum string) error {
	if len(sum) != sha256.Size*2 {
		return fmt.Errorf("remove archived %q: not a SHA-256", sum)
	}
	path := a.Path(sum)
	if err := os.Remove(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("remove archived %s: %w", sum, err)
	}
	return syncDir(filepath.Dir(path))
}

// PutFile makes the file at src durable and archives it under its SHA-256,
// returning the hex digest and size. The archive entry is a hard link to src
// when both sit on one filesystem (no second copy of a large upload) and a
// copy otherwise. src itself is left in place; an entry that already exists
// is kept as it is (write-once).
func (a *Archive) PutFile(src string) (sum string, size int64, err error) {
	f, err := os.Open(src)
	if err != nil {
		return "", 0, fmt.Errorf("archive %s: %w", src, err)
	}
	defer f.Close()
	// fsync first: the hash and the link must describe bytes that survive a crash.
	if err := f.Sync(); err != nil {
		return "", 0, fmt.Errorf("archive %s: fsync: %w", src, err)
	}
	h := sha256.New()
	size, err = io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("archive %s: hash: %w", src, err)
	}
	sum = hex.EncodeToString(h.Sum(nil))
	dst := a.Path(sum)
	if a.Exists(sum) {
		return sum, size, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", 0, fmt.Errorf("archive %s: %w", src, err)
	}
	if err := os.Link(src, dst); err != nil {
		if errors.Is(err, os.ErrExist) {
			return sum, size, nil
		}
		// Another filesystem (or no hard links): fall back to a copy.
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return "", 0, fmt.Errorf("archive %s: %w", src, err)
		}
		if _, _, err := a.put(f, sum); err != nil {
			return "", 0, err
		}
		return sum, size, nil
	}
	// Archived bytes never change; the inbox copy shares the inode, so the
	// partner sees it read-only too.
	if err := os.Chmod(dst, 0o440); err != nil {
		return "", 0, fmt.Errorf("archive %s: %w", src, err)
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return "", 0, err
	}
	return sum, size, nil
}

// Put archives the bytes read from r and returns their SHA-256 and size.
func (a *Archive) Put(r io.Reader) (sum string, size int64, err error) {
	return a.put(r, "")
}

// put streams r into a temp file, hashing as it goes, fsyncs it and renames
// it into place. want, when set, is the digest the caller already computed.
func (a *Archive) put(r io.Reader, want string) (string, int64, error) {
	tmp, err := os.CreateTemp(filepath.Join(a.Root, "tmp"), "put-*")
	if err != nil {
		return "", 0, fmt.Errorf("archive: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	defer tmp.Close()
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err != nil {
		return "", 0, fmt.Errorf("archive: write: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want != "" && sum != want {
		return "", 0, fmt.Errorf("archive: source changed while archiving (sha256 %s, expected %s)", sum, want)
	}
	if a.Exists(sum) {
		return sum, size, nil
	}
	if err := tmp.Chmod(0o440); err != nil {
		return "", 0, fmt.Errorf("archive: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return "", 0, fmt.Errorf("archive: fsync: %w", err)
	}
	dst := a.Path(sum)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", 0, fmt.Errorf("archive: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", 0, fmt.Errorf("archive: %w", err)
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return "", 0, err
	}
	return sum, size, nil
}

// syncDir fsyncs a directory so a new entry in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}

// SyncDir fsyncs a directory; exported for the intake, which renames files
// into partner folders and must make those renames durable too.
func SyncDir(dir string) error { return syncDir(dir) }

// Ping checks the archive folder is there.
func (a *Archive) Ping(context.Context) error {
	_, err := os.Stat(a.Root)
	return err
}
