package remote

// Which files of a partner's pull folder are ready to take: listed, temp
// names left out, and under the stable rule seen unchanged twice.

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/config"
)

// remoteFile is a candidate file in the pull folder.
type remoteFile struct {
	name  string
	size  int64
	mtime time.Time
}

// list returns the candidate files of the pull folder, oldest first, and the
// names that have a done file.
func (r *pullRun) list(ctx context.Context) ([]remoteFile, map[string]bool, error) {
	infos, err := r.conn.sftp.ReadDirContext(ctx, r.pull.Path)
	if err != nil {
		r.Logger.Error("cannot list the pull folder on the partner's server", "partner", r.Partner, "remote_path", r.pull.Path, "error", err)
		return nil, nil, fmt.Errorf("list %s: %w", r.pull.Path, err)
	}
	var files []remoteFile
	markers := map[string]bool{}
	for _, fi := range infos {
		name := fi.Name()
		if !fi.Mode().IsRegular() || strings.HasPrefix(name, ".") {
			continue
		}
		if base, ok := strings.CutSuffix(name, markerSuffix); ok {
			markers[base] = true
			continue
		}
		if temporary(name) {
			continue
		}
		files = append(files, remoteFile{name: name, size: fi.Size(), mtime: fi.ModTime()})
	}
	sortOldestFirst(files)
	return files, markers, nil
}

// temporary reports a name partners' writers use for incomplete files
// (clearway.Unfinished).
func temporary(name string) bool { return clearway.Unfinished(name) }

func sortOldestFirst(files []remoteFile) {
	slices.SortFunc(files, func(a, b remoteFile) int {
		if c := a.mtime.Compare(b.mtime); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
}

// findReady lists the pull folder and returns the files the readiness rule
// lets go. Under the stable rule a file is ready when two looks SettleDelay
// apart (the last run's and this one's, or two within this run) agree.
func (r *pullRun) findReady(ctx context.Context) ([]remoteFile, error) {
	files, markers, err := r.list(ctx)
	if err != nil {
		return nil, err
	}
	if r.pull.Ready == config.ReadyDoneFile {
		var ready []remoteFile
		for _, f := range files {
			if markers[f.name] {
				ready = append(ready, f)
			} else {
				r.stats.Waiting++
			}
		}
		return ready, nil
	}

	now := r.Now()
	seen := make(map[string]bool, len(files))
	var ready []remoteFile
	pending := map[string]bool{}
	for _, f := range files {
		seen[f.name] = true
		if r.settled(f, now) {
			ready = append(ready, f)
		} else {
			pending[f.name] = true
		}
	}
	r.looks.Keep(seen)
	if len(pending) > 0 {
		if err := sleep(ctx, r.SettleDelay); err != nil {
			return nil, err
		}
		again, _, err := r.list(ctx)
		if err != nil {
			return nil, err
		}
		now = r.Now()
		for _, f := range again {
			if !pending[f.name] {
				continue
			}
			delete(pending, f.name)
			if r.settled(f, now) {
				ready = append(ready, f)
			} else {
				r.stats.Waiting++
			}
		}
		for name := range pending { // gone meanwhile
			r.looks.Forget(name)
		}
	}

	// Writers often create a file long before its first byte.
	taken := ready[:0]
	for _, f := range ready {
		if f.size > 0 {
			taken = append(taken, f)
			r.looks.Forget(f.name)
			continue
		}
		r.stats.Waiting++
		if r.looks.FirstEmpty(f.name) {
			r.Logger.Info("empty file left on the server: the stable rule waits for content (ready: done_file takes empty files)",
				"partner", r.Partner, "remote_path", path.Join(r.pull.Path, f.name))
		}
	}
	sortOldestFirst(taken)
	return taken, nil
}

// settled looks at f under the stable rule: unchanged for SettleDelay
// (an empty file counts here and is held back by the caller).
func (r *pullRun) settled(f remoteFile, now time.Time) bool {
	s := r.looks.Look(f.name, f.size, f.mtime, now, r.SettleDelay)
	return s == clearway.Settled || s == clearway.Empty
}
