package sftpd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"
	"time"

	"github.com/pkg/sftp"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/folders"
)

// upload is a file being written by a client. The bytes go to a hidden temp
// file beside the final name (clients such as OpenSSH sftp, curl and rclone
// write in place under the final name); only a clean CLOSE makes it visible.
type upload struct {
	s          *session
	clientPath string // "/inbox/x.csv"
	rel        string // "inbox/x.csv"
	tempRel    string // "inbox/.cw-upload-…"
	f          *os.File
	started    time.Time

	mu      sync.Mutex
	failed  error // set by TransferError: the connection dropped mid-upload
	written int64
	closed  bool
}

// openUpload starts an upload into /inbox, honouring the open flags.
func (s *session) openUpload(r *sftp.Request) (*upload, error) {
	started := time.Now()
	u, err := s.startUpload(r)
	if err != nil {
		s.logOp("upload", r.Filepath, started, err)
		return nil, err
	}
	u.started = started
	return u, nil
}

func (s *session) startUpload(r *sftp.Request) (*upload, error) {
	top, rel := area(r.Filepath)
	if top != clearway.InboxDir || rel == top {
		return nil, errReadOnly
	}
	name := path.Base(rel)
	if folders.IsTemp(name) {
		return nil, errReserved
	}
	flags := r.Pflags()
	clientPath := path.Clean("/" + r.Filepath)

	s.mu.Lock()
	busy := s.uploads[clientPath] != nil
	s.mu.Unlock()
	if busy {
		return nil, fmt.Errorf("%w: %s is already being uploaded", sftp.ErrSSHFxFailure, clientPath)
	}

	existing, err := s.root.Lstat(rel)
	switch {
	case err == nil && existing.IsDir():
		return nil, fmt.Errorf("%w: is a folder", sftp.ErrSSHFxFailure)
	case err == nil && flags.Excl:
		return nil, errExists
	case err == nil && !flags.Trunc && !isClientTemp(rel):
		// Appending to or resuming a file already handed over would change
		// what the hub has journaled: a resent file is a new upload.
		return nil, fmt.Errorf("%w: %s was already received; upload it again in full (truncate) to replace it", sftp.ErrSSHFxFailure, clientPath)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, jailError(err)
	case err != nil && !flags.Creat:
		return nil, os.ErrNotExist
	}

	if !s.srv.transfers.start() {
		return nil, errShutdown
	}
	tempRel := path.Join(path.Dir(rel), hubTempPrefix+newID())
	f, err := s.root.OpenFile(tempRel, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		s.srv.transfers.done()
		return nil, jailError(err) // e.g. the folder does not exist
	}
	u := &upload{s: s, clientPath: clientPath, rel: rel, tempRel: tempRel, f: f}
	// Resuming a client temp file (WinSCP/lftp resume): start from its bytes.
	if existing != nil && !flags.Trunc {
		if err := u.copyFrom(rel); err != nil {
			u.abort()
			return nil, err
		}
	}
	s.mu.Lock()
	s.uploads[clientPath] = u
	s.mu.Unlock()
	return u, nil
}

func (u *upload) copyFrom(rel string) error {
	src, err := u.s.root.Open(rel)
	if err != nil {
		return jailError(err)
	}
	defer src.Close()
	_, err = io.Copy(u.f, src)
	return err
}

// WriteAt writes a chunk; pkg/sftp calls it concurrently at different
// offsets, which *os.File supports.
func (u *upload) WriteAt(p []byte, off int64) (int, error) {
	n, err := u.f.WriteAt(p, off)
	u.mu.Lock()
	u.written += int64(n)
	u.mu.Unlock()
	return n, err
}

// ReadAt lets READ|WRITE handles read back what they wrote.
func (u *upload) ReadAt(p []byte, off int64) (int, error) { return u.f.ReadAt(p, off) }

// TransferError is called by pkg/sftp when the connection ends with this
// upload still open: the following Close must not count it as complete.
func (u *upload) TransferError(err error) {
	u.mu.Lock()
	u.failed = err
	u.mu.Unlock()
}

// Close is the client's CLOSE: a complete upload is made durable, archived
// and journaled, then renamed into its final name. An error here reaches the
// client as the CLOSE status, so the partner learns the upload failed.
func (u *upload) Close() error {
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		return nil
	}
	u.closed = true
	failed, written := u.failed, u.written
	u.mu.Unlock()

	s := u.s
	defer s.srv.transfers.done()
	s.mu.Lock()
	delete(s.uploads, u.clientPath)
	s.mu.Unlock()

	if failed != nil {
		u.abort()
		s.logOp("upload", u.clientPath, u.started, fmt.Errorf("connection lost mid-upload, nothing kept: %w", failed), "bytes", written)
		return failed
	}
	sum, err := u.finish()
	if err != nil {
		u.abort()
		s.logOp("upload", u.clientPath, u.started, err, "bytes", written)
		return fmt.Errorf("%w: upload not accepted: %s", sftp.ErrSSHFxFailure, err)
	}
	s.mu.Lock()
	s.st.uploads++
	s.st.bytesIn += written
	s.mu.Unlock()
	s.logOp("upload", u.clientPath, u.started, nil, "bytes", written, "sha256", sum)
	return nil
}

// finish completes a clean upload. A client temp name (x.filepart) is only
// made visible: it arrives when the client renames it into its final name.
func (u *upload) finish() (sum string, err error) {
	if err := u.f.Close(); err != nil {
		return "", err
	}
	if isClientTemp(u.rel) {
		if err := u.s.root.Rename(u.tempRel, u.rel); err != nil {
			return "", jailError(err)
		}
		return "", nil
	}
	f, err := u.s.accept(u.rel, u.tempRel)
	if err != nil {
		return "", err
	}
	if err := u.s.root.Rename(u.tempRel, u.rel); err != nil {
		return "", jailError(err)
	}
	if err := archive.SyncDir(filepath.Join(u.s.dir, filepath.FromSlash(path.Dir(u.rel)))); err != nil {
		return "", err
	}
	return f.SHA256, nil
}

// abort removes the temp file of an upload that did not complete.
func (u *upload) abort() {
	u.f.Close()
	if err := u.s.root.Remove(u.tempRel); err != nil && !errors.Is(err, fs.ErrNotExist) {
		u.s.log.Error("remove unfinished upload", "path", u.tempRel, "error", err)
	}
}

// accept hands the file at rel (a path inside the jail) to the intake under
// the partner-relative name.
func (s *session) accept(name, rel string) (*clearway.File, error) {
	return s.srv.Intake.Accept(context.Background(), s.partner, clearway.ChannelSFTP, name, filepath.Join(s.dir, filepath.FromSlash(rel)))
}

// rename serves RENAME and posix-rename inside /inbox. Renaming a client
// temp file (x.filepart) into a final name is an arrival (WinSCP, lftp);
// files already handed over stay put. Plain SFTPv3 RENAME refuses an existing
// target, as OpenSSH does; posix-rename replaces it.
func (s *session) rename(from, to string, posix bool) error {
	fromTop, fromRel := area(from)
	toTop, toRel := area(to)
	if fromTop != clearway.InboxDir || toTop != clearway.InboxDir || fromRel == fromTop || toRel == toTop {
		return errReadOnly
	}
	if folders.IsTemp(path.Base(fromRel)) || folders.IsTemp(path.Base(toRel)) {
		return errReserved
	}
	fi, err := s.root.Lstat(fromRel)
	if err != nil {
		return jailError(err)
	}
	if fi.IsDir() || !isClientTemp(fromRel) {
		return errInboxOnly
	}
	arrival := !isClientTemp(toRel)
	if posix {
		if arrival {
			if err := s.acceptRenamed(toRel, fromRel); err != nil {
				return err
			}
		}
		return jailError(s.root.Rename(fromRel, toRel))
	}
	// Plain RENAME: link + unlink as OpenSSH does, so an existing target is
	// never replaced; the link claims the name before anything is journaled.
	if err := s.root.Link(fromRel, toRel); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errExists
		}
		return jailError(err)
	}
	if arrival {
		if err := s.acceptRenamed(toRel, toRel); err != nil {
			s.root.Remove(toRel)
			return err
		}
	}
	return jailError(s.root.Remove(fromRel))
}

// acceptRenamed journals a client temp file renamed into its final name.
func (s *session) acceptRenamed(name, rel string) error {
	f, err := s.accept(name, rel)
	if err != nil {
		return fmt.Errorf("%w: upload not accepted: %s", sftp.ErrSSHFxFailure, err)
	}
	s.mu.Lock()
	s.st.uploads++
	s.st.bytesIn += f.Size
	s.mu.Unlock()
	s.log.Info("sftp upload arrived by rename", "path", "/"+name, "bytes", f.Size, "sha256", f.SHA256)
	return nil
}
