package folders

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

var _ Store = (*Local)(nil)

// Local keeps the shared files under one folder (data_dir), opened as an
// os.Root so that no key, "..", or symlink reaches outside it.
type Local struct {
	Dir  string
	root *os.Root
}

// OpenLocal creates dir if needed and opens it.
func OpenLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("folders: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("folders: %w", err)
	}
	return &Local{Dir: dir, root: root}, nil
}

// Close releases the folder.
func (l *Local) Close() error { return l.root.Close() }

// Path is the file on disk behind key.
func (l *Local) Path(key string) string { return filepath.Join(l.Dir, filepath.FromSlash(key)) }

// Describe names the file by its path.
func (l *Local) Describe(key string) string { return l.Path(key) }

// Ping checks the folder is there.
func (l *Local) Ping(context.Context) error {
	_, err := l.root.Stat(".")
	return err
}

// Write copies r to a hidden temp name beside key, syncs it and renames
// it into place, then syncs the folder so the rename survives a crash.
func (l *Local) Write(_ context.Context, key string, r io.Reader, _ int64) error {
	if err := checkKey(key); err != nil {
		return err
	}
	dir := path.Dir(key)
	if err := l.root.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("write %s: %w", l.Path(key), err)
	}
	tmp := path.Join(dir, TempPrefix+"write-"+randomSuffix())
	f, err := l.root.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("write %s: %w", l.Path(key), err)
	}
	defer l.root.Remove(tmp) // a no-op once renamed
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = l.root.Rename(tmp, key)
	}
	if err == nil {
		err = l.syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", l.Path(key), err)
	}
	return nil
}

func (l *Local) syncDir(dir string) error {
	d, err := l.root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Open opens the file at key.
func (l *Local) Open(_ context.Context, key string) (File, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	f, err := l.root.Open(key)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", l.Path(key), errNotFile)
	}
	return f, nil
}

var errNotFile = errors.New("not a file")

// Stat describes key without following a final symlink.
func (l *Local) Stat(_ context.Context, key string) (fs.FileInfo, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	return l.root.Lstat(key)
}

// List reads the folder dir; one not made yet is empty.
func (l *Local) List(_ context.Context, dir string) ([]fs.FileInfo, error) {
	if err := checkKey(dir); err != nil {
		return nil, err
	}
	infos, err := ReadDir(l.root, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return infos, err
}

// ReadDir lists the folder dir of root without Clearway's own temp files
// (the SFTP server reads a partner's /inbox on the node's disk the same
// way).
func ReadDir(root *os.Root, dir string) ([]fs.FileInfo, error) {
	d, err := root.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	infos := make([]fs.FileInfo, 0, len(entries))
	for _, e := range entries {
		if IsTemp(e.Name()) {
			continue
		}
		if fi, err := e.Info(); err == nil { // else removed since ReadDir
			infos = append(infos, fi)
		}
	}
	return infos, nil
}

// Remove deletes the file at key.
func (l *Local) Remove(_ context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return l.root.Remove(key)
}

// Copy hard-links from as to (both under data_dir, so on one filesystem),
// replacing to: a link under a temp name, renamed into place.
func (l *Local) Copy(_ context.Context, from, to string) error {
	if err := checkKey(from); err != nil {
		return err
	}
	if err := checkKey(to); err != nil {
		return err
	}
	if err := l.root.MkdirAll(path.Dir(to), 0o750); err != nil {
		return err
	}
	tmp := path.Join(path.Dir(to), TempPrefix+"link-"+randomSuffix())
	if err := l.root.Link(from, tmp); err != nil {
		return err
	}
	if err := l.root.Rename(tmp, to); err != nil {
		l.root.Remove(tmp)
		return err
	}
	return l.syncDir(path.Dir(to))
}

// Rename moves from to to atomically and syncs the folder.
func (l *Local) Rename(_ context.Context, from, to string) error {
	if err := checkKey(from); err != nil {
		return err
	}
	if err := checkKey(to); err != nil {
		return err
	}
	if err := l.root.Rename(from, to); err != nil {
		return err
	}
	return l.syncDir(path.Dir(to))
}

func randomSuffix() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
