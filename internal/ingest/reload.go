package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/clearway/clearway/internal/mapping"
)

// Reloader picks up edits to mapping files without a restart: it looks at
// the folder every Interval and, when a file changed, compiles them all and
// swaps the pipeline's router. A mapping that no longer compiles keeps its
// last good version running (and says so in the log), as does a deleted one
// until the next restart.
type Reloader struct {
	Dir      string
	Pipeline *Pipeline
	Interval time.Duration // default 2s
	Logger   *slog.Logger
	// Loaded, when set, is told the mappings the pipeline uses after each
	// reload (the mapping history records them).
	Loaded func(map[string]*mapping.Mapping)

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex // Check runs on the timer and when a change is approved
	last   string     // fingerprint of the folder: names, sizes, mtimes
}

// Open records the folder's state and starts watching it.
func (r *Reloader) Open() error {
	if r.Interval <= 0 {
		r.Interval = 2 * time.Second
	}
	fp, err := fingerprint(r.Dir)
	if err != nil {
		return err
	}
	r.last = fp
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.wg.Add(1)
	go r.run()
	return nil
}

// Close stops watching.
func (r *Reloader) Close() error {
	if r.cancel != nil {
		r.cancel()
		r.wg.Wait()
	}
	return nil
}

func (r *Reloader) run() {
	defer r.wg.Done()
	timer := time.NewTimer(r.Interval)
	defer timer.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-timer.C:
		}
		r.Check()
		timer.Reset(r.Interval)
	}
}

// Check reloads the mappings if a file changed since the last look.
func (r *Reloader) Check() {
	r.mu.Lock()
	defer r.mu.Unlock()
	fp, err := fingerprint(r.Dir)
	if err != nil {
		r.Logger.Warn("mappings: cannot read folder; keeping the loaded ones", "dir", r.Dir, "error", err)
		return
	}
	if fp == r.last {
		return
	}
	r.last = fp
	fresh, err := mapping.LoadDir(r.Dir)
	if err != nil {
		r.Logger.Error("mappings: some files do not compile; their last good versions keep running", "error", err)
	}
	old := r.Pipeline.router.Load()
	next := &Router{Partners: old.Partners, Acks: old.Acks, Mappings: maps.Clone(old.Mappings)}
	var changed []string
	for name, m := range fresh {
		if prev, ok := next.Mappings[name]; !ok || prev.Hash != m.Hash {
			changed = append(changed, fmt.Sprintf("%s@%s", name, m.Hash[:12]))
		}
		next.Mappings[name] = m
	}
	for name := range old.Mappings {
		if _, ok := fresh[name]; !ok {
			r.Logger.Warn("mappings: not compiled from the folder now; the last good version keeps running", "mapping", name)
		}
	}
	sort.Strings(changed)
	r.Pipeline.SetRouter(next)
	if r.Loaded != nil && len(changed) > 0 {
		r.Loaded(next.Mappings)
	}
	if len(changed) > 0 {
		r.Logger.Info("mappings reloaded", "changed", strings.Join(changed, ", "))
	}
}

// fingerprint sums up a folder's mapping files so a change is cheap to see.
func fingerprint(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); ext != ".yaml" && ext != ".yml" {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "%s|%d|%d\n", e.Name(), info.Size(), info.ModTime().UnixNano())
	}
	return b.String(), nil
}
