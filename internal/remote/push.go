package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/config"
	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/metrics"
	"github.com/clearway/clearway/internal/sqlite"
)

// Defaults for Pusher fields left zero.
const (
	DefaultPushAttempts = 5
	DefaultBackoff      = time.Second
	DefaultMaxBackoff   = time.Minute
)

// PushStats counts what PushPending did.
type PushStats struct {
	// Sent files were delivered now.
	Sent int
	// Skipped files had been delivered before.
	Skipped int
	// Failed files could not be delivered after all attempts.
	Failed int
	// Bytes is the size of the files sent.
	Bytes int64
}

// Pusher delivers one partner's outbound files to its server: each file is
// written under a hidden temp name in the push folder and renamed into place,
// so the partner never sees a partial file. A push ledger keeps the same
// bytes under the same name from being sent twice, across crashes too.
type Pusher struct {
	// Partner is the partner delivered to.
	Partner string
	// Remote is the partner's server; Remote.Push is required.
	Remote config.RemoteConfig
	// Ledger records deliveries.
	Ledger *sqlite.DB
	// Logger receives one line per delivery and per failed attempt.
	Logger *slog.Logger

	// Dialer connects to the server.
	Dialer Dialer
	// MaxAttempts is how often one file is tried before giving up.
	MaxAttempts int
	// Backoff is the wait after the first failed attempt; it doubles after
	// each further one, up to MaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Metrics counts failed pushes; nil records nothing.
	Metrics *metrics.Metrics
	// Folders holds the files to push, named by key: the partner's outbox
	// in data_dir's folders, or in the bucket in a cluster.
	Folders folders.Store

	dir string // remote push folder

	mu   sync.Mutex           // one delivery at a time; guards sums
	sums map[string]localFile // key → last hash, while size and mtime hold
}

// localFile is a file of Folders to deliver.
type localFile struct {
	path  string // its key
	size  int64
	mtime time.Time
	sum   string
}

// NewPusher returns a Pusher for partner's server rc with the defaults set;
// change the tuning fields before the first push.
func NewPusher(partner string, rc config.RemoteConfig, ledger *sqlite.DB, logger *slog.Logger) (*Pusher, error) {
	switch {
	case partner == "":
		return nil, errors.New("new pusher: partner is required")
	case rc.Push == nil || rc.Push.Path == "":
		return nil, fmt.Errorf("new pusher for %s: remote.push.path is not set", partner)
	case ledger == nil || logger == nil:
		return nil, fmt.Errorf("new pusher for %s: ledger and logger are required", partner)
	}
	return &Pusher{
		Partner: partner, Remote: rc, Ledger: ledger, Logger: logger,
		MaxAttempts: DefaultPushAttempts, Backoff: DefaultBackoff, MaxBackoff: DefaultMaxBackoff,
		dir: path.Clean(rc.Push.Path), sums: map[string]localFile{},
	}, nil
}

// Push delivers the file at key in Folders as remoteName in the push
// folder, retrying with backoff. A file whose bytes were already delivered
// under that name is not sent again (nil error).
func (p *Pusher) Push(ctx context.Context, key, remoteName string) error {
	err := p.push(ctx, key, remoteName)
	p.countError(ctx, err)
	return err
}

// countError counts a failed push, unless ctx ended it.
func (p *Pusher) countError(ctx context.Context, err error) {
	if err != nil && ctx.Err() == nil {
		p.Metrics.RemoteError(p.Partner, metrics.DirectionPush)
	}
}

func (p *Pusher) push(ctx context.Context, key, remoteName string) error {
	if err := checkRemoteName(remoteName); err != nil {
		return fmt.Errorf("push %s to %s: %w", key, p.Partner, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	lf, err := p.hash(ctx, key)
	if err != nil {
		return fmt.Errorf("push %s to %s: %w", key, p.Partner, err)
	}
	s := &pushSession{Pusher: p}
	defer s.close()
	_, err = s.deliver(ctx, lf, remoteName)
	return err
}

// PushPending delivers every file in the folder outboxDir of Folders (not
// its subfolders, dot-files or temp names) not yet delivered, oldest
// first. It stops at the first file that fails after all attempts, so that
// a newer file never overtakes an older one; the next call starts there
// again.
func (p *Pusher) PushPending(ctx context.Context, outboxDir string) (PushStats, error) {
	st, err := p.pushPending(ctx, outboxDir)
	p.countError(ctx, err)
	return st, err
}

func (p *Pusher) pushPending(ctx context.Context, outboxDir string) (PushStats, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var st PushStats
	files, err := p.outbox(ctx, outboxDir)
	if err != nil {
		p.Logger.Error("cannot read the outbox", "partner", p.Partner, "folder", outboxDir, "error", err)
		return st, fmt.Errorf("push pending for %s: %w", p.Partner, err)
	}
	var pending []localFile
	for _, lf := range files {
		rec, err := p.Ledger.FindRemotePush(ctx, p.Partner, path.Join(p.dir, path.Base(lf.path)), lf.sum)
		switch {
		case err == nil && rec.State == sqlite.RemotePushSent:
			st.Skipped++
		case err == nil || clearway.ErrorCode(err) == clearway.ENOTFOUND:
			pending = append(pending, lf)
		default:
			return st, fmt.Errorf("push pending for %s: %w", p.Partner, err)
		}
	}
	if len(pending) == 0 {
		return st, nil
	}
	s := &pushSession{Pusher: p}
	defer s.close()
	for _, lf := range pending {
		sent, err := s.deliver(ctx, lf, path.Base(lf.path))
		if err != nil {
			st.Failed++
			return st, fmt.Errorf("push pending for %s: %w", p.Partner, err)
		}
		if sent {
			st.Sent++
			st.Bytes += lf.size
		} else {
			st.Skipped++
		}
	}
	p.Logger.Info("outbox pushed", "partner", p.Partner, "remote_path", p.dir, "sent", st.Sent, "skipped", st.Skipped, "bytes", st.Bytes)
	return st, nil
}

// outbox lists and hashes the deliverable files of dir, oldest first.
func (p *Pusher) outbox(ctx context.Context, dir string) ([]localFile, error) {
	infos, err := p.Folders.List(ctx, dir)
	if err != nil {
		return nil, err
	}
	var files []localFile
	seen := map[string]bool{}
	for _, fi := range infos {
		name := fi.Name()
		if !fi.Mode().IsRegular() || strings.HasPrefix(name, ".") || temporary(name) {
			continue
		}
		lf, err := p.hash(ctx, path.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) { // taken away meanwhile
			continue
		}
		if err != nil {
			return nil, err
		}
		seen[lf.path] = true
		files = append(files, lf)
	}
	for k := range p.sums {
		if path.Dir(k) == path.Clean(dir) && !seen[k] {
			delete(p.sums, k)
		}
	}
	slices.SortFunc(files, func(a, b localFile) int {
		if c := a.mtime.Compare(b.mtime); c != 0 {
			return c
		}
		return strings.Compare(a.path, b.path)
	})
	return files, nil
}

// hash returns the file's size and SHA-256, reusing the last hash while its
// size and mtime are unchanged.
func (p *Pusher) hash(ctx context.Context, name string) (localFile, error) {
	name = path.Clean(name)
	fi, err := p.Folders.Stat(ctx, name)
	if err != nil {
		return localFile{}, err
	}
	if !fi.Mode().IsRegular() {
		return localFile{}, fmt.Errorf("%s is not a regular file", name)
	}
	if lf, ok := p.sums[name]; ok && lf.size == fi.Size() && lf.mtime.Equal(fi.ModTime()) {
		return lf, nil
	}
	f, err := p.Folders.Open(ctx, name)
	if err != nil {
		return localFile{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return localFile{}, fmt.Errorf("hash %s: %w", name, err)
	}
	lf := localFile{path: name, size: n, mtime: fi.ModTime(), sum: hex.EncodeToString(h.Sum(nil))}
	p.sums[name] = lf
	return lf, nil
}

// checkRemoteName refuses names that are not a plain file name.
func checkRemoteName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("remote name %q must be a plain file name", name)
	}
	return nil
}

// pushSession is one connection, opened on first need and reopened after a
// failure.
type pushSession struct {
	*Pusher
	conn *Conn
}

func (s *pushSession) connect(ctx context.Context) (*Conn, error) {
	if s.conn == nil {
		c, err := s.Dialer.Dial(ctx, s.Remote)
		if err != nil {
			return nil, err
		}
		s.conn = c
	}
	return s.conn, nil
}

func (s *pushSession) close() {
	if s.conn == nil {
		return
	}
	if err := s.conn.Close(); err != nil {
		s.Logger.Debug("closing the connection failed", "partner", s.Partner, "error", err)
	}
	s.conn = nil
}

// deliver sends lf as name, retrying with backoff. sent is false when it
// was delivered before (by the ledger, or by a rename a crash interrupted
// the recording of).
func (s *pushSession) deliver(ctx context.Context, lf localFile, name string) (sent bool, err error) {
	remotePath := path.Join(s.dir, name)
	wait := max(s.Backoff, time.Millisecond)
	for attempt := 1; ; attempt++ {
		sent, err := s.deliverOnce(ctx, lf, remotePath)
		if err == nil {
			return sent, nil
		}
		s.close()
		var local *localError
		var hostKey *HostKeyError
		final := attempt >= s.MaxAttempts || ctx.Err() != nil || errors.As(err, &local) || errors.As(err, &hostKey)
		if final {
			s.Logger.Error("delivery failed; giving up for now", "partner", s.Partner, "remote_path", remotePath,
				"local_path", lf.path, "attempt", attempt, "error", err)
			return false, fmt.Errorf("deliver %s as %s: %w", lf.path, remotePath, err)
		}
		s.Logger.Warn("delivery failed; retrying", "partner", s.Partner, "remote_path", remotePath,
			"attempt", attempt, "retry_in", wait, "error", err)
		if err := sleep(ctx, wait); err != nil {
			return false, fmt.Errorf("deliver %s as %s: %w", lf.path, remotePath, err)
		}
		wait = min(2*wait, max(s.MaxBackoff, wait))
	}
}

// localError is a problem with the local file: retrying does not help.
type localError struct{ err error }

func (e *localError) Error() string { return e.err.Error() }
func (e *localError) Unwrap() error { return e.err }

// deliverOnce is one attempt, resuming from where the ledger says an earlier
// attempt (or a crashed process) stopped.
func (s *pushSession) deliverOnce(ctx context.Context, lf localFile, remotePath string) (sent bool, err error) {
	rec, err := s.Ledger.FindRemotePush(ctx, s.Partner, remotePath, lf.sum)
	switch {
	case err == nil && rec.State == sqlite.RemotePushSent:
		s.Logger.Debug("already delivered", "partner", s.Partner, "remote_path", remotePath, "sha256", lf.sum)
		return false, nil
	case err == nil:
	case clearway.ErrorCode(err) == clearway.ENOTFOUND:
		rec = &sqlite.RemotePush{Partner: s.Partner, RemotePath: remotePath, Size: lf.size, SHA256: lf.sum}
		if err := s.Ledger.CreateRemotePush(ctx, rec); err != nil {
			return false, err
		}
	default:
		return false, err
	}
	defer func() {
		if err != nil && ctx.Err() == nil {
			rec.Attempts, rec.Error = rec.Attempts+1, err.Error()
			if uerr := s.Ledger.UpdateRemotePush(ctx, rec); uerr != nil {
				s.Logger.Error("cannot record the failed attempt in the push ledger", "partner", s.Partner, "remote_path", remotePath, "error", uerr)
			}
		}
	}()

	conn, err := s.connect(ctx)
	if err != nil {
		return false, err
	}
	tmp := tempPushName(remotePath, lf.sum)
	if rec.State == sqlite.RemotePushUploaded {
		if _, err := conn.sftp.Lstat(tmp); errors.Is(err, os.ErrNotExist) {
			s.Logger.Warn("the temp file of a complete upload is gone: it was renamed into place before a restart; not sending it again",
				"partner", s.Partner, "remote_path", remotePath, "sha256", lf.sum)
			return false, s.markSent(ctx, rec)
		} else if err != nil {
			return false, fmt.Errorf("stat %s: %w", tmp, err)
		}
	} else {
		if err := s.upload(ctx, conn, lf, tmp); err != nil {
			return false, err
		}
		rec.State = sqlite.RemotePushUploaded
		if err := s.Ledger.UpdateRemotePush(ctx, rec); err != nil {
			return false, err
		}
	}
	if err := conn.replace(tmp, remotePath); err != nil {
		return false, fmt.Errorf("rename %s to %s: %w", tmp, remotePath, err)
	}
	if err := s.markSent(ctx, rec); err != nil {
		return true, err
	}
	s.Logger.Info("file delivered", "partner", s.Partner, "remote_path", remotePath, "size", lf.size, "sha256", lf.sum)
	return true, nil
}

func (s *pushSession) markSent(ctx context.Context, rec *sqlite.RemotePush) error {
	rec.State, rec.Error = sqlite.RemotePushSent, ""
	return s.Ledger.UpdateRemotePush(ctx, rec)
}

// upload writes lf to tmp on the server, flushed to its disk when the server
// can, and checks that the bytes sent are the ones hashed.
func (s *pushSession) upload(ctx context.Context, conn *Conn, lf localFile, tmp string) error {
	src, err := s.Folders.Open(ctx, lf.path)
	if err != nil {
		return &localError{err}
	}
	defer src.Close()
	dst, err := conn.sftp.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	h := sha256.New()
	n, err := dst.ReadFromWithConcurrency(io.TeeReader(src, h), 0)
	if err != nil {
		dst.Close()
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if conn.fsync {
		if err := dst.Sync(); err != nil {
			dst.Close()
			return fmt.Errorf("fsync %s: %w", tmp, err)
		}
	}
	if err := dst.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != lf.sum || n != lf.size {
		delete(s.sums, lf.path)
		if err := conn.sftp.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.Logger.Warn("cannot remove temp file on the server", "partner", s.Partner, "remote_path", tmp, "error", err)
		}
		return &localError{fmt.Errorf("%s changed while it was sent (sha256 %s, expected %s)", lf.path, sum, lf.sum)}
	}
	fi, err := conn.sftp.Lstat(tmp)
	if err != nil {
		return fmt.Errorf("stat %s: %w", tmp, err)
	}
	if fi.Size() != n {
		return fmt.Errorf("%s has %d bytes on the server after sending %d", tmp, fi.Size(), n)
	}
	return nil
}

// tempPushName is the hidden name a delivery is written under; the hash
// prefix keeps the temp files of two versions of one name apart.
func tempPushName(remotePath, sum string) string {
	return path.Join(path.Dir(remotePath), "."+path.Base(remotePath)+"."+sum[:12]+".tmp")
}
