package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/config"
	"github.com/clearway/clearway/internal/intake"
	"github.com/clearway/clearway/internal/metrics"
	"github.com/clearway/clearway/internal/sqlite"
)

// Folders the Puller keeps inside the pull folder on the partner's server.
// Dot-folders are never listed as candidates.
const (
	// ClaimDir holds files being taken: a file is renamed here first, so
	// that no other consumer takes it and a crash leaves it to resume.
	ClaimDir = ".clearway-inprogress"
	// FailedDir holds files the intake refused MaxAttempts times.
	FailedDir = ".clearway-failed"
)

// Defaults for Puller fields left zero.
const (
	DefaultSettleDelay = 2 * time.Second
	DefaultConcurrency = 4
	DefaultMaxAttempts = 3
)

// journalPrefix is the partner-relative folder pulled files are journaled
// in unless pull.prefix says another, so mapping globs written for SFTP
// uploads match them.
const journalPrefix = "inbox"

// markerSuffix ends a done file: x.done says x is complete.
const markerSuffix = ".done"

// Intake is the door pulled files go through: it archives and journals a
// complete local file. *intake.Intake implements it.
type Intake interface {
	Accept(ctx context.Context, partner string, ch clearway.Channel, name, localPath string) (*clearway.File, error)
}

var _ Intake = (*intake.Intake)(nil)

// PullStats counts what one Run did.
type PullStats struct {
	// Taken files were journaled by this run.
	Taken int
	// Finished files had been journaled by an earlier run; this run only
	// deleted or moved them on the server.
	Finished int
	// Waiting files are not ready yet: still changing, without their done
	// file, or blocked by a same-named file still claimed.
	Waiting int
	// Failed files could not be downloaded, journaled, or finished; they
	// stay claimed (or quarantined) on the server.
	Failed int
	// Bytes is the size of the files taken.
	Bytes int64
}

// Puller takes one partner's files from its server: on each Run, the files
// in the pull folder that are ready are claimed, downloaded, journaled
// through the intake as inbox/<name> over the remote channel, and deleted or
// moved on the server. Runs do not overlap.
type Puller struct {
	// Partner is the id files are journaled for.
	Partner string
	// Remote is the partner's server; Remote.Pull is required.
	Remote config.RemoteConfig
	// Intake journals the files.
	Intake Intake
	// Ledger records what was taken. It must be the store the intake
	// journals into: a crash between the journal and the ledger is settled
	// from the journal.
	Ledger *sqlite.DB
	// TempDir is where downloads are written before the intake archives
	// them; on the archive's file system the archive links them, no copy.
	// The Puller owns its files.
	TempDir string
	// Logger receives one line per file taken or refused and per problem.
	Logger *slog.Logger

	// Dialer connects to the server.
	Dialer Dialer
	// SettleDelay is how far apart the two looks of the stable rule are.
	SettleDelay time.Duration
	// Concurrency is how many files are transferred at once.
	Concurrency int
	// MaxAttempts is how many times the intake may refuse a file before it
	// is moved to FailedDir.
	MaxAttempts int
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Metrics counts failed runs; nil records nothing.
	Metrics *metrics.Metrics

	pull   config.PullConfig
	moveTo string // empty: delete after

	mu        sync.Mutex       // one Run at a time; guards the fields below
	looks     clearway.Settler // the stable rule's looks by name, across runs
	tempSwept bool             // downloads left by a crash were removed
}

// NewPuller returns a Puller for partner's server rc with the defaults set;
// change the tuning fields before the first Run.
func NewPuller(partner string, rc config.RemoteConfig, in Intake, ledger *sqlite.DB, tempDir string, logger *slog.Logger) (*Puller, error) {
	switch {
	case partner == "":
		return nil, errors.New("new puller: partner is required")
	case rc.Pull == nil:
		return nil, fmt.Errorf("new puller for %s: remote.pull is not set", partner)
	case rc.Pull.Path == "":
		return nil, fmt.Errorf("new puller for %s: remote.pull.path is required", partner)
	case in == nil || ledger == nil || logger == nil:
		return nil, fmt.Errorf("new puller for %s: intake, ledger and logger are required", partner)
	case tempDir == "":
		return nil, fmt.Errorf("new puller for %s: a local temp folder is required", partner)
	}
	pc := *rc.Pull
	pc.Path = path.Clean(pc.Path)
	switch pc.Ready {
	case "":
		pc.Ready = config.ReadyStable
	case config.ReadyStable, config.ReadyDoneFile:
	default:
		return nil, fmt.Errorf("new puller for %s: ready %q must be %s or %s", partner, pc.Ready, config.ReadyStable, config.ReadyDoneFile)
	}
	p := &Puller{
		Partner: partner, Remote: rc, Intake: in, Ledger: ledger, TempDir: tempDir, Logger: logger,
		SettleDelay: DefaultSettleDelay, Concurrency: DefaultConcurrency, MaxAttempts: DefaultMaxAttempts, Now: time.Now,
		pull: pc,
	}
	if dir, ok := pc.MoveTo(); ok {
		p.moveTo = path.Clean(dir)
		if p.moveTo == pc.Path {
			return nil, fmt.Errorf("new puller for %s: after: move folder %s is the pull folder itself", partner, dir)
		}
	} else if pc.After != config.AfterDelete {
		return nil, fmt.Errorf("new puller for %s: after %q must be delete or move:/remote/folder", partner, pc.After)
	}
	return p, nil
}

// pullRun is the state of one Run.
type pullRun struct {
	*Puller
	conn     *Conn
	claimDir string

	mu    sync.Mutex
	stats PullStats
}

func (r *pullRun) count(f func(*PullStats)) {
	r.mu.Lock()
	f(&r.stats)
	r.mu.Unlock()
}

// Run is one scheduled pull: files a crash left claimed are finished first,
// then every ready file is taken. Problems with single files are logged and
// joined into the error; the other files are still taken.
func (p *Puller) Run(ctx context.Context) (PullStats, error) {
	st, err := p.runOnce(ctx)
	if err != nil && ctx.Err() == nil {
		p.Metrics.RemoteError(p.Partner, metrics.DirectionPull)
	}
	return st, err
}

func (p *Puller) runOnce(ctx context.Context) (PullStats, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	start := time.Now()
	log := p.Logger.With("partner", p.Partner, "server", p.Remote.Address, "remote_path", p.pull.Path)

	if err := p.prepareTempDir(); err != nil {
		log.Error("cannot prepare the local download folder", "folder", p.TempDir, "error", err)
		return PullStats{}, fmt.Errorf("pull for %s: %w", p.Partner, err)
	}
	conn, err := p.Dialer.Dial(ctx, p.Remote)
	if err != nil {
		log.Error("cannot connect to the partner's server; nothing pulled", "error", err)
		return PullStats{}, fmt.Errorf("pull for %s: %w", p.Partner, err)
	}
	// Closing the connection is what interrupts a transfer when ctx ends.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer func() {
		stop()
		if err := conn.Close(); err != nil {
			log.Debug("closing the connection failed", "error", err)
		}
	}()

	r := &pullRun{Puller: p, conn: conn, claimDir: path.Join(p.pull.Path, ClaimDir)}
	err = r.run(ctx)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	st := r.stats
	attrs := []any{"taken", st.Taken, "finished", st.Finished, "waiting", st.Waiting, "failed", st.Failed,
		"bytes", st.Bytes, "duration", time.Since(start).Round(time.Millisecond)}
	if st.Taken+st.Finished+st.Failed > 0 || err != nil {
		log.Info("pull run", attrs...)
	} else {
		log.Debug("pull run", attrs...)
	}
	if err != nil {
		return st, fmt.Errorf("pull for %s from %s: %w", p.Partner, p.Remote.Address, err)
	}
	return st, nil
}

func (r *pullRun) run(ctx context.Context) error {
	if err := r.conn.sftp.MkdirAll(r.claimDir); err != nil {
		r.Logger.Error("cannot create the claim folder on the partner's server; nothing pulled",
			"partner", r.Partner, "remote_path", r.claimDir, "error", err)
		return fmt.Errorf("create %s: %w", r.claimDir, err)
	}
	if r.moveTo != "" {
		if err := r.conn.sftp.MkdirAll(r.moveTo); err != nil {
			r.Logger.Error("cannot create the move folder on the partner's server; nothing pulled",
				"partner", r.Partner, "remote_path", r.moveTo, "error", err)
			return fmt.Errorf("create %s: %w", r.moveTo, err)
		}
	}
	var errs []error
	if err := r.resume(ctx); err != nil {
		errs = append(errs, err)
	}
	ready, err := r.findReady(ctx)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	if err := r.each(ctx, ready, r.take); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// resume handles files left in the claim folder by an earlier run that
// crashed or failed part-way.
func (r *pullRun) resume(ctx context.Context) error {
	infos, err := r.conn.sftp.ReadDirContext(ctx, r.claimDir)
	if err != nil {
		r.Logger.Error("cannot list the claim folder on the partner's server", "partner", r.Partner, "remote_path", r.claimDir, "error", err)
		return fmt.Errorf("list %s: %w", r.claimDir, err)
	}
	var left []remoteFile
	for _, fi := range infos {
		if fi.Mode().IsRegular() {
			left = append(left, remoteFile{name: fi.Name(), size: fi.Size(), mtime: fi.ModTime()})
		}
	}
	sortOldestFirst(left)
	return r.each(ctx, left, func(ctx context.Context, f remoteFile) error {
		r.Logger.Info("resuming a file claimed by an earlier run", "partner", r.Partner, "remote_path", path.Join(r.claimDir, f.name))
		if r.pull.Ready == config.ReadyDoneFile {
			// A crash between claim and marker removal leaves x.done with no x;
			// it would make the next x look complete at once.
			orig := path.Join(r.pull.Path, f.name)
			if _, err := r.conn.sftp.Lstat(orig); errors.Is(err, os.ErrNotExist) {
				r.removeMarker(orig + markerSuffix)
			}
		}
		return r.process(ctx, f.name)
	})
}

// take claims f by renaming it into the claim folder, removes its done file
// and processes it.
func (r *pullRun) take(ctx context.Context, f remoteFile) error {
	orig := path.Join(r.pull.Path, f.name)
	claimed := path.Join(r.claimDir, f.name)
	// Never overwrite a claimed file: some servers' RENAME overwrites.
	if _, err := r.conn.sftp.Lstat(claimed); err == nil {
		r.Logger.Warn("file not taken: a file of that name is still claimed from an earlier run",
			"partner", r.Partner, "remote_path", orig, "claimed", claimed)
		r.count(func(s *PullStats) { s.Waiting++ })
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return r.fail(fmt.Errorf("claim %s: %w", orig, err), "cannot claim file; left in place", orig)
	}
	if err := r.conn.sftp.Rename(orig, claimed); err != nil {
		if _, serr := r.conn.sftp.Lstat(orig); errors.Is(serr, os.ErrNotExist) {
			r.Logger.Debug("file gone before it was claimed", "partner", r.Partner, "remote_path", orig)
			return nil
		}
		return r.fail(fmt.Errorf("claim %s: %w", orig, err), "cannot claim file; left in place", orig)
	}
	if r.pull.Ready == config.ReadyDoneFile {
		r.removeMarker(orig + markerSuffix)
	}
	return r.process(ctx, f.name)
}

// fail counts and logs a file's failure and returns err.
func (r *pullRun) fail(err error, msg, remotePath string) error {
	r.count(func(s *PullStats) { s.Failed++ })
	r.Logger.Error(msg, "partner", r.Partner, "remote_path", remotePath, "error", err)
	return err
}

// process takes the claimed file name: download, ledger check, intake, then
// the after action. Whatever goes wrong, the file stays on the server.
func (r *pullRun) process(ctx context.Context, name string) error {
	orig := path.Join(r.pull.Path, name)
	claimed := path.Join(r.claimDir, name)
	dl, err := r.download(claimed)
	if err != nil {
		if ctx.Err() != nil {
			r.count(func(s *PullStats) { s.Failed++ })
			r.Logger.Warn("stopped while downloading; the file stays claimed and is taken at the next run",
				"partner", r.Partner, "remote_path", claimed, "error", err)
			return err
		}
		return r.fail(err, "download failed; the file stays claimed and is retried at the next run", claimed)
	}
	defer os.Remove(dl.path)
	if dl.changed {
		r.Logger.Warn("file changed while it was downloaded (its writer is still writing); it stays claimed and is taken at the next run",
			"partner", r.Partner, "remote_path", claimed)
		r.count(func(s *PullStats) { s.Waiting++ })
		return nil
	}

	rec, err := r.Ledger.FindRemotePull(ctx, r.Partner, orig, dl.size, dl.mtime, dl.sum)
	switch {
	case err == nil && (rec.State == sqlite.RemotePullAccepted || rec.State == sqlite.RemotePullDone):
		r.Logger.Info("file already journaled by an earlier run; finishing it on the server",
			"partner", r.Partner, "remote_path", orig, "file_id", rec.FileID, "sha256", rec.SHA256)
		if err := r.finish(ctx, rec, claimed); err != nil {
			return err
		}
		r.count(func(s *PullStats) { s.Finished++ })
		return nil
	case err == nil:
		// taking (cut short, not journaled) or failed before: try again.
	case clearway.ErrorCode(err) == clearway.ENOTFOUND:
		rec = &sqlite.RemotePull{Partner: r.Partner, RemotePath: orig, Size: dl.size, ModTime: dl.mtime, SHA256: dl.sum}
	default:
		return r.fail(err, "cannot read the pull ledger; the file stays claimed", claimed)
	}

	prefix := r.pull.Prefix
	if prefix == "" {
		prefix = journalPrefix
	}
	journalName, err := intake.CleanName(path.Join(prefix, name))
	if err != nil {
		return r.fail(err, "file name not usable; the file stays claimed", claimed)
	}
	rec.Name = journalName
	if err := r.Ledger.BeginRemotePull(ctx, rec); err != nil {
		return r.fail(err, "cannot write the pull ledger; the file stays claimed and is retried at the next run", claimed)
	}
	file, err := r.Intake.Accept(ctx, r.Partner, clearway.ChannelRemote, journalName, dl.path)
	if err != nil {
		return r.refused(ctx, rec, claimed, err)
	}
	// The entry stays "taking" until finish records the outcome: one SQLite
	// commit fewer per file, and a crash in between is settled from the
	// journal by FindRemotePull.
	rec.FileID, rec.Error = file.ID, ""
	r.Logger.Info("file pulled", "partner", r.Partner, "remote_path", orig, "name", file.Name,
		"file_id", file.ID, "size", file.Size, "sha256", file.SHA256)
	r.count(func(s *PullStats) { s.Taken++; s.Bytes += file.Size })
	return r.finish(ctx, rec, claimed)
}

// refused records an intake refusal. The file stays claimed for the next
// run, or after MaxAttempts is moved to FailedDir on the server.
func (r *pullRun) refused(ctx context.Context, rec *sqlite.RemotePull, claimed string, err error) error {
	r.count(func(s *PullStats) { s.Failed++ })
	if ctx.Err() != nil {
		r.Logger.Warn("stopped while journaling the file; it stays claimed and is taken at the next run",
			"partner", r.Partner, "remote_path", claimed, "error", err)
		return fmt.Errorf("take %s: %w", claimed, err)
	}
	rec.State, rec.Attempts, rec.Error = sqlite.RemotePullFailed, rec.Attempts+1, err.Error()
	if uerr := r.Ledger.UpdateRemotePull(ctx, rec); uerr != nil {
		r.Logger.Error("cannot record the refusal in the pull ledger", "partner", r.Partner, "remote_path", claimed, "error", uerr)
	}
	if rec.Attempts < r.MaxAttempts {
		r.Logger.Error("file not journaled; it stays claimed and is retried at the next run",
			"partner", r.Partner, "remote_path", claimed, "attempt", rec.Attempts, "error", err)
		return fmt.Errorf("take %s: %w", claimed, err)
	}
	failedDir := path.Join(r.pull.Path, FailedDir)
	dst, qerr := r.moveAside(claimed, failedDir)
	if qerr != nil {
		r.Logger.Error("file not journaled and not movable to the failed folder; it stays claimed",
			"partner", r.Partner, "remote_path", claimed, "attempt", rec.Attempts, "error", err, "move_error", qerr)
	} else {
		r.Logger.Error("file not journaled after repeated attempts; moved to the failed folder on the server",
			"partner", r.Partner, "remote_path", dst, "attempt", rec.Attempts, "error", err)
	}
	return fmt.Errorf("take %s: %w", claimed, err)
}

// finish does the after action on a journaled, claimed file and records it
// in the ledger: done, or accepted when the action failed and the file stays
// claimed for the next run to finish.
func (r *pullRun) finish(ctx context.Context, rec *sqlite.RemotePull, claimed string) error {
	var err error
	if r.moveTo == "" {
		if err = r.conn.sftp.Remove(claimed); errors.Is(err, os.ErrNotExist) {
			err = nil
		}
		if err != nil {
			err = r.fail(fmt.Errorf("delete %s: %w", claimed, err),
				"file journaled but not deleted on the server; it stays claimed and is finished at the next run", claimed)
		}
	} else {
		var dst string
		if dst, err = r.moveAside(claimed, r.moveTo); err != nil {
			err = r.fail(fmt.Errorf("move %s to %s: %w", claimed, r.moveTo, err),
				"file journaled but not moved on the server; it stays claimed and is finished at the next run", claimed)
		} else {
			r.Logger.Debug("file moved on the server", "partner", r.Partner, "remote_path", dst)
		}
	}
	rec.State = sqlite.RemotePullDone
	if err != nil {
		rec.State = sqlite.RemotePullAccepted
	}
	if uerr := r.Ledger.UpdateRemotePull(ctx, rec); uerr != nil {
		// A "taking" entry is settled from the journal at the next run.
		r.Logger.Error("cannot update the pull ledger", "partner", r.Partner, "remote_path", rec.RemotePath,
			"file_id", rec.FileID, "state", rec.State, "error", uerr)
	}
	return err
}

// moveAside renames claimed into dir under its name, or name.1.ext … when
// taken, and returns the new path.
func (r *pullRun) moveAside(claimed, dir string) (string, error) {
	if err := r.conn.sftp.MkdirAll(dir); err != nil {
		return "", err
	}
	name := path.Base(claimed)
	ext := path.Ext(name)
	base := strings.TrimSuffix(name, ext)
	for i := 0; i < 1000; i++ {
		dst := path.Join(dir, name)
		if i > 0 {
			dst = path.Join(dir, fmt.Sprintf("%s.%d%s", base, i, ext))
		}
		if _, err := r.conn.sftp.Lstat(dst); err == nil {
			continue
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		if err := r.conn.sftp.Rename(claimed, dst); err != nil {
			if _, serr := r.conn.sftp.Lstat(dst); serr == nil {
				continue // taken meanwhile
			}
			return "", err
		}
		return dst, nil
	}
	return "", fmt.Errorf("too many files named like %s in %s", name, dir)
}

// removeMarker removes a done file once its file is claimed.
func (r *pullRun) removeMarker(marker string) {
	if err := r.conn.sftp.Remove(marker); err != nil && !errors.Is(err, os.ErrNotExist) {
		r.Logger.Error("cannot remove done file on the server; the next file of that name will be taken at once",
			"partner", r.Partner, "remote_path", marker, "error", err)
	}
}

// download is a claimed file copied to TempDir.
type download struct {
	path    string
	size    int64
	mtime   time.Time
	sum     string
	changed bool // the server's file changed during the copy
}

// download copies the remote file to a new file in TempDir, hashing it on
// the way.
func (r *pullRun) download(remotePath string) (dl download, err error) {
	src, err := r.conn.sftp.Open(remotePath)
	if err != nil {
		return dl, fmt.Errorf("open %s: %w", remotePath, err)
	}
	defer src.Close()
	before, err := src.Stat()
	if err != nil {
		return dl, fmt.Errorf("stat %s: %w", remotePath, err)
	}
	tmp, err := os.CreateTemp(r.TempDir, tempPattern)
	if err != nil {
		return dl, fmt.Errorf("download %s: %w", remotePath, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := src.WriteTo(io.MultiWriter(tmp, h))
	if err != nil {
		return dl, fmt.Errorf("download %s: %w", remotePath, err)
	}
	// No fsync here: the intake's archive fsyncs this very file before it
	// links and journals it, and a download lost in a crash is simply
	// fetched again from the claim folder.
	if err := tmp.Close(); err != nil {
		return dl, fmt.Errorf("download %s: %w", remotePath, err)
	}
	dl = download{path: tmp.Name(), size: n, mtime: before.ModTime(), sum: hex.EncodeToString(h.Sum(nil))}
	dl.changed = n != before.Size()
	// A read-once server may have removed the file by now; the size check
	// above is then all there is.
	if after, err := r.conn.sftp.Lstat(remotePath); err == nil {
		dl.changed = dl.changed || after.Size() != n || !after.ModTime().Equal(before.ModTime())
	} else if !errors.Is(err, os.ErrNotExist) {
		return dl, fmt.Errorf("stat %s: %w", remotePath, err)
	}
	return dl, nil
}

// tempPattern names downloads in TempDir.
const tempPattern = "pull-*.part"

// prepareTempDir creates TempDir and, on the first run, removes downloads a
// crash left there.
func (p *Puller) prepareTempDir() error {
	if err := os.MkdirAll(p.TempDir, 0o750); err != nil {
		return err
	}
	if p.tempSwept {
		return nil
	}
	stale, err := filepath.Glob(filepath.Join(p.TempDir, tempPattern))
	if err != nil {
		return err
	}
	for _, f := range stale {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	p.tempSwept = true
	return nil
}

// each runs fn on files, Concurrency at a time, and joins the errors.
func (r *pullRun) each(ctx context.Context, files []remoteFile, fn func(context.Context, remoteFile) error) error {
	n := max(r.Concurrency, 1)
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, f := range files {
		select {
		case <-ctx.Done():
		case sem <- struct{}{}:
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(ctx, f); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		errs = append(errs, ctx.Err())
	}
	return errors.Join(errs...)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
