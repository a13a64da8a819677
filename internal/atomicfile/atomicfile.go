// Package atomicfile writes a file so that readers see either nothing or
// the whole of it: the bytes go to a hidden temp name in the same folder,
// are synced, and the temp is renamed into place (then the folder is
// synced, so the rename survives a crash). Partners download from folders
// Clearway writes into; this is how they never see half a file.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// TempPrefix starts the temp names; the SFTP server hides them from listings.
const TempPrefix = ".cw-write-"

// Write writes path with perm from whatever write puts into the writer.
func Write(path string, perm os.FileMode, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, TempPrefix+"*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return SyncDir(dir)
}

// Copy writes path with perm from r.
func Copy(path string, perm os.FileMode, r io.Reader) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := io.Copy(w, r)
		return err
	})
}

// SyncDir makes the entries of dir (a rename, a new link) durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
