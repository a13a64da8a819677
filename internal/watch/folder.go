package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/clearway/clearway/internal/clearway"
)

// markerSuffix ends the name of a done file: x.done says x is complete.
const markerSuffix = ".done"

// markerDelay is how soon a pass follows the appearance of a done file, so
// that done_file folders answer quickly without a pass per event in a burst.
const markerDelay = 50 * time.Millisecond

// folder is the running state of one watched Folder.
type folder struct {
	Folder
	root string // clean absolute Path
	in   Intake
	log  *slog.Logger
	now  func() time.Time

	mu         sync.Mutex // serialises passes and guards the fields below
	fsw        *fsnotify.Watcher
	watched    map[string]bool  // folders added to fsw
	looks      clearway.Settler // the stable rule's looks, by relative slash path
	recovered  bool             // claimed files of an earlier run were dealt with
	missing    bool             // root was unavailable at the last pass
	unreadable map[string]bool  // paths already reported as unreadable
}

// look is what a pass saw of a file, and since when it has looked so.
// entry is a candidate file found by a pass.
type entry struct {
	rel   string // slash-separated path relative to root
	path  string
	size  int64
	mtime time.Time
}

func newFolder(fc Folder, in Intake, logger *slog.Logger, now func() time.Time) (*folder, error) {
	if fc.Partner == "" {
		return nil, errors.New("partner is required")
	}
	if fc.Path == "" || !filepath.IsAbs(fc.Path) {
		return nil, fmt.Errorf("path %q must be an absolute folder", fc.Path)
	}
	switch fc.Ready {
	case "":
		fc.Ready = ReadyStable
	case ReadyStable, ReadyDoneFile:
	default:
		return nil, fmt.Errorf("ready %q must be %s or %s", fc.Ready, ReadyStable, ReadyDoneFile)
	}
	switch {
	case fc.Interval < 0:
		return nil, fmt.Errorf("interval %s must not be negative", fc.Interval)
	case fc.Interval == 0:
		fc.Interval = DefaultInterval
	}
	if fc.Prefix == "" {
		fc.Prefix = DefaultPrefix
	}
	return &folder{
		Folder:     fc,
		root:       filepath.Clean(fc.Path),
		in:         in,
		log:        logger,
		now:        now,
		watched:    map[string]bool{},
		unreadable: map[string]bool{},
	}, nil
}

// run is the folder's goroutine: a first pass, then a pass every Interval and
// whatever the notifications call for, until ctx ends.
func (f *folder) run(ctx context.Context) {
	f.scan(ctx)
	t := time.NewTimer(f.Interval)
	defer t.Stop()
	soon := false // t was shortened to follow a done file

	f.mu.Lock()
	events, errs := f.fsw.Events, f.fsw.Errors
	f.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f.scan(ctx)
			t.Reset(f.Interval)
			soon = false
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if f.notice(ev) && !soon {
				t.Reset(min(markerDelay, f.Interval))
				soon = true
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				f.log.Warn("file system notifications overflowed; relying on the rescan", "partner", f.Partner, "folder", f.root)
			} else {
				f.log.Warn("file system notification error; relying on the rescan", "partner", f.Partner, "folder", f.root, "error", err)
			}
		}
	}
}

// notice handles one notification: the file's clock starts again, a new
// subfolder is watched, and the appearance of a done file asks (by returning
// true) for a pass soon.
func (f *folder) notice(ev fsnotify.Event) bool {
	rel, ok := f.relVisible(ev.Name)
	if !ok {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.looks.Forget(rel)
	if !ev.Has(fsnotify.Create) {
		return false
	}
	if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
		f.watchTree(ev.Name)
		return false
	}
	return f.Ready == ReadyDoneFile && strings.HasSuffix(rel, markerSuffix)
}

// relVisible returns the slash path of p relative to root, and false for root
// itself, paths outside it and paths under a dot-folder or dot-file.
func (f *folder) relVisible(p string) (string, bool) {
	r, err := filepath.Rel(f.root, p)
	if err != nil || r == "." || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", false
	}
	r = filepath.ToSlash(r)
	for _, part := range strings.Split(r, "/") {
		if hidden(part) {
			return "", false
		}
	}
	return r, true
}

// checkRoot reports whether the folder exists and is a folder.
func (f *folder) checkRoot() error {
	fi, err := os.Stat(f.root)
	if err != nil {
		return fmt.Errorf("watch folder: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("watch folder %s: not a folder", f.root)
	}
	return nil
}

// scan is one pass: files left claimed by an earlier run first (on the first
// pass only), then every visible file whose readiness rule is met is taken.
// Problems are logged and returned.
func (f *folder) scan(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := f.checkRoot(); err != nil {
		if !f.missing {
			f.log.Error("watched folder unavailable; retrying on each rescan", "partner", f.Partner, "folder", f.root, "error", err)
			f.missing = true
		}
		f.unwatchAll()
		return err
	}
	if f.missing {
		f.log.Info("watched folder available again", "partner", f.Partner, "folder", f.root)
		f.missing = false
	}

	var errs []error
	if !f.recovered {
		done, err := f.recoverClaimed(ctx)
		if err != nil {
			errs = append(errs, err)
		}
		f.recovered = done
	}

	files, markers, dirs, err := f.list()
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	f.reconcileWatches(dirs)

	seen := make(map[string]bool, len(files))
	for _, e := range files {
		seen[e.rel] = true
	}
	f.looks.Keep(seen)

	now := f.now()
	for _, e := range files {
		if ctx.Err() != nil {
			break
		}
		if f.Ready == ReadyDoneFile {
			if !markers[e.rel+markerSuffix] {
				continue
			}
		} else if !f.stable(e, now) {
			continue
		}
		if err := f.take(ctx, e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// stable records this look at e and reports whether e has looked the same
// for at least Interval. An empty file is never stable: writers often create
// a file long before its first byte (Camel's readLockMinLength=1).
func (f *folder) stable(e entry, now time.Time) bool {
	switch f.looks.Look(e.rel, e.size, e.mtime, now, f.Interval) {
	case clearway.Settled:
		return true
	case clearway.Empty:
		if f.looks.FirstEmpty(e.rel) {
			f.log.Info("empty file left in place: stable folders wait for content (ready: done_file takes empty files)",
				"partner", f.Partner, "folder", f.root, "path", e.path)
		}
	}
	return false
}

// list walks the folder: candidate files in lexical order, the done markers
// present (relative slash paths) and the folders to watch. Dot-files,
// dot-folders (StateDir among them), temp names, symlinks and other
// non-regular files are left out.
func (f *folder) list() (files []entry, markers map[string]bool, dirs map[string]bool, err error) {
	markers, dirs = map[string]bool{}, map[string]bool{}
	err = filepath.WalkDir(f.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == f.root {
				return err
			}
			f.reportUnreadable(p, err)
			return nil
		}
		if p != f.root && hidden(d.Name()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			dirs[p] = true
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(f.root, p)
		if err != nil {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if strings.HasSuffix(d.Name(), markerSuffix) {
			markers[rel] = true
		}
		if temporary(d.Name()) {
			return nil
		}
		fi, err := d.Info()
		if err != nil { // gone since the folder was read
			return nil
		}
		files = append(files, entry{rel: rel, path: p, size: fi.Size(), mtime: fi.ModTime()})
		return nil
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("scan %s: %w", f.root, err)
	}
	return files, markers, dirs, nil
}

// reportUnreadable logs, once per path, a part of the folder that cannot be
// read.
func (f *folder) reportUnreadable(p string, err error) {
	if f.unreadable[p] {
		return
	}
	f.unreadable[p] = true
	f.log.Warn("cannot read inside watched folder; its files are not taken", "partner", f.Partner, "folder", f.root, "path", p, "error", err)
}

// take claims e by renaming it into StateDir/claimed, removes its done file
// and hands it to the intake.
func (f *folder) take(ctx context.Context, e entry) error {
	claimed := filepath.Join(f.claimedRoot(), filepath.FromSlash(e.rel))
	if err := os.MkdirAll(filepath.Dir(claimed), 0o750); err != nil {
		f.log.Error("cannot claim file", "partner", f.Partner, "folder", f.root, "path", e.path, "error", err)
		return fmt.Errorf("claim %s: %w", e.path, err)
	}
	// Never overwrite a claimed file (a leftover whose recovery failed).
	if _, err := os.Lstat(claimed); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			err = fmt.Errorf("%s already exists", claimed)
		}
		f.log.Error("cannot claim file; left in place", "partner", f.Partner, "folder", f.root, "path", e.path, "error", err)
		return fmt.Errorf("claim %s: %w", e.path, err)
	}
	if err := os.Rename(e.path, claimed); err != nil {
		if errors.Is(err, fs.ErrNotExist) { // taken or removed by someone else meanwhile
			f.log.Debug("file gone before it was claimed", "partner", f.Partner, "folder", f.root, "path", e.path)
			return nil
		}
		f.log.Error("cannot claim file; left in place", "partner", f.Partner, "folder", f.root, "path", e.path, "error", err)
		return fmt.Errorf("claim %s: %w", e.path, err)
	}
	f.looks.Forget(e.rel)
	if f.Ready == ReadyDoneFile {
		f.removeMarker(e.path + markerSuffix)
	}
	return f.accept(ctx, e.rel, claimed, e.size)
}

// accept hands the claimed file to the intake and removes it once journaled.
// A refused file is moved to StateDir/failed; a file whose acceptance was cut
// short by shutdown stays claimed for the next start. wantSize, when not
// negative, is the size the file was judged complete at.
func (f *folder) accept(ctx context.Context, rel, claimed string, wantSize int64) error {
	name := path.Join(f.Prefix, rel)
	file, err := f.in.Accept(ctx, f.Partner, clearway.ChannelWatch, name, claimed)
	if err != nil {
		if ctx.Err() != nil {
			f.log.Warn("stopped while taking file; it stays claimed and is taken at the next start",
				"partner", f.Partner, "folder", f.root, "name", name, "path", claimed, "error", err)
			return fmt.Errorf("take %s: %w", claimed, err)
		}
		failed, moveErr := f.quarantine(rel, claimed)
		if moveErr != nil {
			f.log.Error("file not accepted and not movable to the failed folder; it stays claimed and is retried at the next start",
				"partner", f.Partner, "folder", f.root, "name", name, "path", claimed, "error", err, "move_error", moveErr)
		} else {
			f.log.Error("file not accepted; moved to the failed folder",
				"partner", f.Partner, "folder", f.root, "name", name, "path", failed, "error", err)
		}
		return fmt.Errorf("take %s: %w", claimed, err)
	}
	f.log.Info("file taken", "partner", f.Partner, "folder", f.root, "name", file.Name,
		"size", file.Size, "file_id", file.ID, "sha256", file.SHA256)
	if wantSize >= 0 && file.Size != wantSize {
		f.log.Error("file changed while it was taken: its writer was still writing (use ready: done_file or a longer interval)",
			"partner", f.Partner, "folder", f.root, "name", file.Name, "size_seen", wantSize, "size", file.Size, "file_id", file.ID)
	}
	if err := os.Remove(claimed); err != nil {
		f.log.Error("cannot remove taken file; it will be journaled again at the next start",
			"partner", f.Partner, "folder", f.root, "path", claimed, "file_id", file.ID, "error", err)
		return nil
	}
	pruneEmpty(filepath.Dir(claimed), f.claimedRoot())
	return nil
}

// recoverClaimed accepts the files a crash (or shutdown mid-accept) left in
// StateDir/claimed. done is false when the claimed folder could not be read,
// so that the next pass tries again.
func (f *folder) recoverClaimed(ctx context.Context) (done bool, err error) {
	croot := f.claimedRoot()
	var left []entry
	err = filepath.WalkDir(croot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == croot && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(croot, p)
		if err != nil {
			return err
		}
		left = append(left, entry{rel: filepath.ToSlash(rel), path: p})
		return nil
	})
	if err != nil {
		f.log.Error("cannot read claimed files of an earlier run; retrying on the next rescan", "partner", f.Partner, "folder", f.root, "error", err)
		return false, fmt.Errorf("recover claimed files in %s: %w", f.root, err)
	}
	sort.Slice(left, func(i, j int) bool { return left[i].rel < left[j].rel })
	var errs []error
	for _, e := range left {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		f.log.Info("taking file claimed by an earlier run", "partner", f.Partner, "folder", f.root, "path", e.path)
		if f.Ready == ReadyDoneFile {
			// A crash between claim and marker removal leaves x.done behind
			// with no x; it would make the next x look complete at once.
			orig := filepath.Join(f.root, filepath.FromSlash(e.rel))
			if _, err := os.Lstat(orig); errors.Is(err, fs.ErrNotExist) {
				f.removeMarker(orig + markerSuffix)
			}
		}
		if err := f.accept(ctx, e.rel, e.path, -1); err != nil {
			errs = append(errs, err)
		}
	}
	return true, errors.Join(errs...)
}

// quarantine moves a refused file to StateDir/failed under its relative path,
// never overwriting an earlier one, and returns where it now is.
func (f *folder) quarantine(rel, claimed string) (string, error) {
	dst := filepath.Join(f.root, StateDir, "failed", filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", err
	}
	ext := filepath.Ext(dst)
	base := strings.TrimSuffix(dst, ext)
	for i := 1; ; i++ {
		if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
			break
		} else if err != nil {
			return "", err
		}
		if i > 1000 {
			return "", fmt.Errorf("too many failed files named %s", rel)
		}
		dst = fmt.Sprintf("%s.%d%s", base, i, ext)
	}
	if err := os.Rename(claimed, dst); err != nil {
		return "", err
	}
	pruneEmpty(filepath.Dir(claimed), f.claimedRoot())
	return dst, nil
}

// removeMarker removes a done file once its file is claimed.
func (f *folder) removeMarker(marker string) {
	if err := os.Remove(marker); err != nil && !errors.Is(err, fs.ErrNotExist) {
		f.log.Error("cannot remove done file; remove it by hand, or the next file of that name is taken at once",
			"partner", f.Partner, "folder", f.root, "path", marker, "error", err)
	}
}

// watchTree adds dir and its visible subfolders to the notifications.
func (f *folder) watchTree(dir string) {
	if f.fsw == nil {
		return
	}
	// Unreadable parts are skipped here and reported by the next pass.
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if p != f.root && hidden(d.Name()) {
			return fs.SkipDir
		}
		f.watch(p)
		return nil
	})
}

// watch adds one folder to the notifications unless already there. A folder
// that cannot be watched (inotify limits) is reported once and left to the
// rescan.
func (f *folder) watch(dir string) {
	if f.fsw == nil || f.watched[dir] {
		return
	}
	f.watched[dir] = true
	if err := f.fsw.Add(dir); err != nil {
		f.log.Warn("cannot watch folder for changes; relying on the rescan", "partner", f.Partner, "folder", f.root, "path", dir, "error", err)
	}
}

// reconcileWatches makes the watched set match the folders the pass found.
func (f *folder) reconcileWatches(dirs map[string]bool) {
	if f.fsw == nil {
		return
	}
	for d := range dirs {
		f.watch(d)
	}
	for d := range f.watched {
		if !dirs[d] {
			f.fsw.Remove(d) // gone folders lose their watch anyway; the error says so
			delete(f.watched, d)
		}
	}
}

// unwatchAll drops every watch, for a root that has disappeared.
func (f *folder) unwatchAll() {
	if f.fsw == nil {
		return
	}
	for d := range f.watched {
		f.fsw.Remove(d)
		delete(f.watched, d)
	}
}

func (f *folder) claimedRoot() string { return filepath.Join(f.root, StateDir, "claimed") }

// pruneEmpty removes dir and its parents up to (not including) stop while
// they are empty.
func pruneEmpty(dir, stop string) {
	for dir != stop && strings.HasPrefix(dir, stop+string(filepath.Separator)) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// hidden reports whether a file or folder name is a dot-name.
func hidden(name string) bool { return strings.HasPrefix(name, ".") }

// temporary reports whether a name marks an incomplete file
// (clearway.Unfinished) or a done marker.
func temporary(name string) bool {
	return clearway.Unfinished(name) || strings.HasSuffix(strings.ToLower(name), markerSuffix)
}
