// Package watch is the watched-local-folder channel: ERP and TMS systems drop
// their nightly exports into a folder on the hub's machine, and each complete
// file is claimed, handed to the intake (archive + journal) and removed.
//
// A file is complete when its folder's readiness rule says so (SFTP.md §3,
// after Apache Camel's readLock=changed and doneFileName): "stable" waits
// until its size and mtime are unchanged across two looks at least Interval
// apart; "done_file" takes x once x.done exists. File system notifications
// (fsnotify) only reset a file's clock and pick up new subfolders; the
// periodic rescan decides, so a lost or overflowed notification costs nothing.
//
// Taking a file is crash-safe: it is first renamed into
// <folder>/.clearway/claimed/ (atomic, so no second taker), then accepted,
// then removed. Files left claimed by a crash are accepted on the next first
// pass; a file the intake refuses is moved to <folder>/.clearway/failed/.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/clearway/clearway/internal/clearway"
)

// Readiness rules (Folder.Ready); the same words as config.ReadyStable and
// config.ReadyDoneFile.
const (
	// ReadyStable takes a file once its size and mtime are unchanged across
	// two looks at least Interval apart.
	ReadyStable = "stable"
	// ReadyDoneFile takes a file x once x.done exists, and removes x.done.
	ReadyDoneFile = "done_file"
)

// Defaults for Folder fields left zero.
const (
	DefaultInterval = 10 * time.Second
	DefaultPrefix   = "inbox"
)

// StateDir is the hub's working folder inside each watched folder. It and
// every other dot-folder are never scanned.
const StateDir = ".clearway"

// Folder is one local folder whose files belong to a partner.
type Folder struct {
	// Partner is the id of the partner the files are journaled for.
	Partner string
	// Path is the absolute folder watched, subfolders included.
	Path string
	// Ready is the readiness rule: ReadyStable (default) or ReadyDoneFile.
	Ready string
	// Interval is the rescan period and the spacing of the two "stable"
	// looks. Default 10s.
	Interval time.Duration
	// Prefix is prepended to a file's path relative to the folder to give its
	// partner-relative journal name, so that mapping globs written for SFTP
	// uploads match: with the default "inbox", sub/x.csv is journaled as
	// "inbox/sub/x.csv". Use "." for no prefix.
	Prefix string
}

// Intake is the door files go through: it archives and journals a complete
// file. *intake.Intake implements it.
type Intake interface {
	Accept(ctx context.Context, partner string, ch clearway.Channel, name, localPath string) (*clearway.File, error)
}

// Watcher takes complete files from local folders into the intake.
type Watcher struct {
	// Folders are the folders watched. Folders may not overlap.
	Folders []Folder
	// Intake accepts each complete file. Required.
	Intake Intake
	// Logger receives one line per file taken and every problem; nil
	// discards.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now. It decides when a
	// file counts as stable.
	Now func() time.Time

	mu      sync.Mutex
	folders []*folder // built from Folders by prepare
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// New returns a Watcher taking files from folders into in; set Logger and Now
// as needed, then call Open.
func New(in Intake, folders ...Folder) *Watcher {
	return &Watcher{Intake: in, Folders: folders}
}

// Open checks that every folder exists, then starts watching: one goroutine
// per folder runs a first pass at once (files left claimed by a crash first,
// then everything already present), then rescans every Interval and follows
// file system notifications, adding subfolders as they appear.
func (w *Watcher) Open() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancel != nil {
		return errors.New("open watcher: already open")
	}
	if err := w.prepare(); err != nil {
		return err
	}
	for _, f := range w.folders {
		if err := f.checkRoot(); err != nil {
			return fmt.Errorf("open watcher: %w", err)
		}
	}
	for _, f := range w.folders {
		fsw, err := fsnotify.NewWatcher()
		if err != nil {
			w.closeNotifiers()
			return fmt.Errorf("open watcher: watch %s: %w", f.root, err)
		}
		f.mu.Lock()
		f.fsw = fsw
		f.watchTree(f.root)
		f.mu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	for _, f := range w.folders {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			f.run(ctx)
		}()
	}
	return nil
}

// Close stops watching and waits for every goroutine to return. A file being
// accepted at that moment stays claimed and is accepted by the next Open.
func (w *Watcher) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancel == nil {
		return nil
	}
	w.cancel()
	w.wg.Wait()
	w.cancel = nil
	return w.closeNotifiers()
}

// closeNotifiers closes every folder's fsnotify watcher. w.mu is held.
func (w *Watcher) closeNotifiers() error {
	var errs []error
	for _, f := range w.folders {
		f.mu.Lock()
		if f.fsw != nil {
			if err := f.fsw.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close watch on %s: %w", f.root, err))
			}
			f.fsw = nil
			f.watched = nil
		}
		f.mu.Unlock()
	}
	return errors.Join(errs...)
}

// ScanNow makes one synchronous pass over every folder, as the periodic rescan
// does, and returns the problems it met (each also logged). It works with or
// without Open; the first pass over a folder first accepts what a crash left
// claimed.
func (w *Watcher) ScanNow(ctx context.Context) error {
	w.mu.Lock()
	err := w.prepare()
	folders := w.folders
	w.mu.Unlock()
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range folders {
		if err := f.scan(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// prepare validates Folders and builds the per-folder state once. w.mu is
// held.
func (w *Watcher) prepare() error {
	if w.folders != nil {
		return nil
	}
	if w.Intake == nil {
		return errors.New("watcher: no intake")
	}
	logger := w.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	now := w.Now
	if now == nil {
		now = time.Now
	}
	folders := make([]*folder, 0, len(w.Folders))
	for i, fc := range w.Folders {
		f, err := newFolder(fc, w.Intake, logger, now)
		if err != nil {
			return fmt.Errorf("watcher: folders[%d]: %w", i, err)
		}
		for _, g := range folders {
			if within(f.root, g.root) || within(g.root, f.root) {
				return fmt.Errorf("watcher: folders[%d]: %s overlaps watched folder %s", i, f.root, g.root)
			}
		}
		folders = append(folders, f)
	}
	w.folders = folders
	return nil
}

// within reports whether path is dir or inside it; both are clean.
func within(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+string(filepath.Separator)) || dir == string(filepath.Separator)
}
