package sftpd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pkg/sftp"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/folders"
)

// session is one partner's SSH connection; it implements pkg/sftp's handler
// interfaces over the partner's folder, opened as an os.Root so that no path,
// "..", or symlink can reach outside it.
type session struct {
	srv     *Server
	partner string
	root    *os.Root
	dir     string
	log     *slog.Logger

	channels sync.WaitGroup

	mu      sync.Mutex
	uploads map[string]*upload // open uploads by client path
	st      sessionStats
}

type sessionStats struct {
	uploads, downloads int
	bytesIn, bytesOut  int64
}

var (
	_ sftp.FileReader           = (*session)(nil)
	_ sftp.OpenFileWriter       = (*session)(nil)
	_ sftp.PosixRenameFileCmder = (*session)(nil)
	_ sftp.StatVFSFileCmder     = (*session)(nil)
	_ sftp.LstatFileLister      = (*session)(nil)
	_ sftp.RealPathFileLister   = (*session)(nil)
)

// Errors the client sees. pkg/sftp sends the text and maps the wrapped
// status code.
var (
	errReadOnly  = fmt.Errorf("%w: only /inbox accepts uploads and new folders", sftp.ErrSSHFxPermissionDenied)
	errInboxOnly = fmt.Errorf("%w: files in /inbox cannot be read back, renamed or deleted once uploaded", sftp.ErrSSHFxPermissionDenied)
	errNoLinks   = fmt.Errorf("%w: links are not supported", sftp.ErrSSHFxPermissionDenied)
	errReserved  = fmt.Errorf("%w: names starting with %s are reserved", sftp.ErrSSHFxPermissionDenied, hubTempPrefix)
	errShutdown  = fmt.Errorf("%w: server is shutting down", sftp.ErrSSHFxFailure)
	errExists    = fmt.Errorf("%w: target exists", sftp.ErrSSHFxFailure)
	errNotFolder = fmt.Errorf("%w: not a folder", sftp.ErrSSHFxFailure)
)

// area names the top folder a client path lies in ("inbox", "outbox",
// "errors"; "" for the root) and returns the path relative to the jail.
// pkg/sftp has already cleaned the path against "/".
func area(clientPath string) (top, rel string) {
	rel = strings.TrimPrefix(path.Clean("/"+clientPath), "/")
	if rel == "" {
		return "", "."
	}
	top, _, _ = strings.Cut(rel, "/")
	return top, rel
}

func (s *session) logOp(op, p string, started time.Time, err error, attrs ...any) {
	attrs = append(attrs, "op", op, "path", p, "duration", time.Since(started).Round(time.Microsecond))
	if err != nil {
		s.log.Info("sftp op failed", append(attrs, "error", err)...)
		return
	}
	level := slog.LevelDebug
	switch op {
	case "upload", "download", "rename", "remove", "mkdir", "rmdir":
		level = slog.LevelInfo
	}
	s.log.Log(context.Background(), level, "sftp op", attrs...)
}

// Fileread opens a file in /outbox or /errors for download.
func (s *session) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	started := time.Now()
	top, rel := area(r.Filepath)
	f, err := s.openForRead(top, rel)
	if err != nil {
		s.logOp("download", r.Filepath, started, err)
		return nil, err
	}
	if !s.srv.transfers.start() {
		f.Close()
		return nil, errShutdown
	}
	return &download{s: s, f: f, clientPath: r.Filepath, started: started}, nil
}

func (s *session) openForRead(top, rel string) (folders.File, error) {
	switch top {
	case clearway.OutboxDir, clearway.ErrorsDir:
	case clearway.InboxDir:
		return nil, errInboxOnly
	default:
		return nil, os.ErrNotExist
	}
	if folders.IsTemp(path.Base(rel)) || rel == top {
		return nil, fmt.Errorf("%w: not a file", sftp.ErrSSHFxFailure)
	}
	f, err := s.srv.Folders.Open(s.ctx(), folders.Partner(s.partner, rel))
	if err != nil {
		return nil, jailError(err)
	}
	return f, nil
}

// shared reports a folder kept in the shared store (/outbox, /errors)
// rather than on this node's disk (/inbox, the root).
func shared(top string) bool { return top == clearway.OutboxDir || top == clearway.ErrorsDir }

func (s *session) ctx() context.Context { return s.srv.ctx }

// Filewrite starts an upload into /inbox.
func (s *session) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	return s.openUpload(r)
}

// OpenFile serves READ|WRITE opens: an upload that the client may also read.
func (s *session) OpenFile(r *sftp.Request) (sftp.WriterAtReaderAt, error) {
	return s.openUpload(r)
}

// Filecmd serves setstat, rename, mkdir, rmdir, remove and link requests.
func (s *session) Filecmd(r *sftp.Request) error {
	started := time.Now()
	var err error
	switch r.Method {
	case "Setstat":
		err = s.setstat(r)
	case "Rename":
		err = s.rename(r.Filepath, r.Target, false)
	case "Mkdir":
		err = s.mkdir(r.Filepath)
	case "Rmdir":
		err = s.remove(r.Filepath, true)
	case "Remove":
		err = s.remove(r.Filepath, false)
	case "Link", "Symlink":
		err = errNoLinks
	default:
		err = sftp.ErrSSHFxOpUnsupported
	}
	var attrs []any
	if r.Target != "" {
		attrs = append(attrs, "target", r.Target)
	}
	s.logOp(strings.ToLower(r.Method), r.Filepath, started, err, attrs...)
	return err
}

// PosixRename is posix-rename@openssh.com: like rename, but replaces an
// existing target.
func (s *session) PosixRename(r *sftp.Request) error {
	started := time.Now()
	err := s.rename(r.Filepath, r.Target, true)
	s.logOp("rename", r.Filepath, started, err, "target", r.Target, "posix", true)
	return err
}

// StatVFS reports the space of the filesystem holding the partner's folder.
func (s *session) StatVFS(r *sftp.Request) (*sftp.StatVFS, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(s.dir, &st); err != nil {
		return nil, err
	}
	return &sftp.StatVFS{
		Bsize: uint64(st.Bsize), Frsize: uint64(st.Frsize), Blocks: st.Blocks, Bfree: st.Bfree, Bavail: st.Bavail,
		Files: st.Files, Ffree: st.Ffree, Favail: st.Ffree, Fsid: uint64(st.Fsid.X__val[0]), Flag: uint64(st.Flags), Namemax: uint64(st.Namelen),
	}, nil
}

// Filelist serves directory listings and stat.
func (s *session) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	started := time.Now()
	switch r.Method {
	case "List":
		l, err := s.list(r.Filepath)
		s.logOp("list", r.Filepath, started, err)
		return l, err
	case "Stat":
		fi, err := s.stat(r.Filepath, true)
		if err != nil {
			return nil, err
		}
		return listerAt{fi}, nil
	case "Readlink":
		return nil, errNoLinks
	}
	return nil, sftp.ErrSSHFxOpUnsupported
}

// Lstat is stat without following a final symlink.
func (s *session) Lstat(r *sftp.Request) (sftp.ListerAt, error) {
	fi, err := s.stat(r.Filepath, false)
	if err != nil {
		return nil, err
	}
	return listerAt{fi}, nil
}

// RealPath resolves a client path inside the jail: "/" is the partner's folder.
func (s *session) RealPath(p string) (string, error) {
	return path.Clean("/" + p), nil
}

func (s *session) stat(clientPath string, follow bool) (os.FileInfo, error) {
	top, rel := area(clientPath)
	if folders.IsTemp(path.Base(rel)) {
		return nil, os.ErrNotExist
	}
	// A file being uploaded is visible under its client name at its current size.
	s.mu.Lock()
	u := s.uploads[path.Clean("/"+clientPath)]
	s.mu.Unlock()
	if u != nil {
		if fi, err := u.f.Stat(); err == nil {
			return renamedInfo{fi, path.Base(rel)}, nil
		}
	}
	if shared(top) {
		return s.sharedStat(top, rel)
	}
	var fi os.FileInfo
	var err error
	if follow {
		fi, err = s.root.Stat(rel)
	} else {
		fi, err = s.root.Lstat(rel)
	}
	return fi, jailError(err)
}

func (s *session) list(clientPath string) (sftp.ListerAt, error) {
	top, rel := area(clientPath)
	if shared(top) {
		if rel != top { // /outbox and /errors always are folders: no need to ask
			fi, err := s.sharedStat(top, rel)
			if err != nil {
				return nil, err
			}
			if !fi.IsDir() {
				return nil, errNotFolder
			}
		}
		infos, err := s.srv.Folders.List(s.ctx(), folders.Partner(s.partner, rel))
		return listerAt(infos), jailError(err)
	}
	if rel == "." {
		return s.listRoot()
	}
	infos, err := folders.ReadDir(s.root, rel)
	if err != nil {
		return nil, jailError(err)
	}
	return listerAt(infos), nil
}

// listRoot shows the three folders: /inbox from this node's disk, /outbox
// and /errors from the shared store.
func (s *session) listRoot() (sftp.ListerAt, error) {
	inbox, err := s.root.Stat(clearway.InboxDir)
	if err != nil {
		return nil, jailError(err)
	}
	infos := []os.FileInfo{inbox}
	for _, top := range []string{clearway.OutboxDir, clearway.ErrorsDir} {
		fi, err := s.sharedStat(top, top)
		if err != nil {
			return nil, err
		}
		infos = append(infos, fi)
	}
	return listerAt(infos), nil
}

// sharedStat describes a path in /outbox or /errors; the two folders
// themselves always exist (a bucket has no empty folders).
func (s *session) sharedStat(top, rel string) (os.FileInfo, error) {
	fi, err := s.srv.Folders.Stat(s.ctx(), folders.Partner(s.partner, rel))
	if rel == top && (errors.Is(err, fs.ErrNotExist) || err == nil && !fi.IsDir()) {
		return folders.DirInfo(top), nil
	}
	return fi, jailError(err)
}

func (s *session) mkdir(clientPath string) error {
	top, rel := area(clientPath)
	if top != clearway.InboxDir || rel == clearway.InboxDir {
		return errReadOnly
	}
	if folders.IsTemp(path.Base(rel)) {
		return errReserved
	}
	return jailError(s.root.Mkdir(rel, 0o750))
}

// remove deletes a file (or empty folder) the partner may delete: anything in
// /outbox and /errors, and in /inbox only client temp files and empty folders.
func (s *session) remove(clientPath string, dir bool) error {
	top, rel := area(clientPath)
	if rel == top || top == "" {
		return errReadOnly
	}
	switch top {
	case clearway.OutboxDir, clearway.ErrorsDir:
	case clearway.InboxDir:
		if !dir && !isClientTemp(rel) {
			return errInboxOnly
		}
	default:
		return os.ErrNotExist
	}
	fi, err := s.stat(clientPath, false)
	if err != nil {
		return err
	}
	if fi.IsDir() != dir {
		if dir {
			return fmt.Errorf("%w: not a folder", sftp.ErrSSHFxFailure)
		}
		return fmt.Errorf("%w: is a folder", sftp.ErrSSHFxFailure)
	}
	if shared(top) {
		return jailError(s.srv.Folders.Remove(s.ctx(), folders.Partner(s.partner, rel)))
	}
	return jailError(s.root.Remove(rel))
}

// setstat applies what is safe: times in /inbox, and size on a file being
// uploaded (FSETSTAT truncation). Permission and owner changes are ignored,
// as many clients send them by default and they must not fail an upload.
func (s *session) setstat(r *sftp.Request) error {
	top, rel := area(r.Filepath)
	if top != clearway.InboxDir || rel == top {
		return errReadOnly
	}
	flags, attrs := r.AttrFlags(), r.Attributes()
	s.mu.Lock()
	u := s.uploads[path.Clean("/"+r.Filepath)]
	s.mu.Unlock()
	if flags.Size {
		if u == nil {
			return errInboxOnly
		}
		if err := u.f.Truncate(int64(attrs.Size)); err != nil {
			return err
		}
	}
	if flags.Acmodtime {
		atime, mtime := time.Unix(int64(attrs.Atime), 0), time.Unix(int64(attrs.Mtime), 0)
		if u != nil {
			return os.Chtimes(u.f.Name(), atime, mtime)
		}
		return jailError(s.root.Chtimes(rel, atime, mtime))
	}
	return nil
}

func (s *session) stats() sessionStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

func (s *session) waitChannels() { s.channels.Wait() }

// jailError turns an os.Root escape into a permission error the client
// understands, and keeps not-found as not-found.
func jailError(err error) error {
	if err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrExist) {
		return err
	}
	var pe *os.PathError
	if errors.As(err, &pe) && (strings.Contains(pe.Err.Error(), "escapes") || errors.Is(pe.Err, syscall.ELOOP)) {
		return fmt.Errorf("%w: path leaves your folder", sftp.ErrSSHFxPermissionDenied)
	}
	return err
}

// download is an open file in /outbox or /errors being read by the client.
type download struct {
	s          *session
	f          folders.File
	clientPath string
	started    time.Time
	once       sync.Once
	read       int64
	mu         sync.Mutex
}

func (d *download) ReadAt(p []byte, off int64) (int, error) {
	n, err := d.f.ReadAt(p, off)
	d.mu.Lock()
	d.read += int64(n)
	d.mu.Unlock()
	return n, err
}

func (d *download) Close() error {
	var err error
	d.once.Do(func() {
		err = d.f.Close()
		d.s.srv.transfers.done()
		d.s.mu.Lock()
		d.s.st.downloads++
		d.s.st.bytesOut += d.read
		d.s.mu.Unlock()
		d.s.logOp("download", d.clientPath, d.started, err, "bytes", d.read)
	})
	return err
}

// listerAt serves a fixed list of entries.
type listerAt []os.FileInfo

func (l listerAt) ListAt(dst []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(dst, l[off:])
	if n < len(dst) {
		return n, io.EOF
	}
	return n, nil
}

// renamedInfo shows a file under another name (an upload's temp file under
// the name the client chose).
type renamedInfo struct {
	os.FileInfo
	name string
}

func (r renamedInfo) Name() string { return r.name }
