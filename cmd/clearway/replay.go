package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/ingest"
	"github.com/clearway/clearway/internal/mapping"
	"github.com/clearway/clearway/internal/replay"
	"github.com/clearway/clearway/internal/sqlite"
)

// ReplayCommand is `clearway replay`: archived files re-read through the
// active (or a proposed) mapping version, with what changes per file.
type ReplayCommand struct {
	Stdout, Stderr io.Writer
	// Progress is where the progress line goes (default Stderr).
	Progress io.Writer
}

// fileIDs collects repeated --file ID flags.
type fileIDs []int64

func (f *fileIDs) String() string { return fmt.Sprint(*f) }
func (f *fileIDs) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("--file wants a journal id such as 17, not %q", s)
		}
		*f = append(*f, id)
	}
	return nil
}

type replayFlags struct {
	cfg, partner, mapping, since, until, state, with, by string
	files                                                fileIDs
	dryRun, apply, asJSON                                bool
	limit                                                int
}

func (c *ReplayCommand) parse(args []string) (*replayFlags, error) {
	fs := newFlagSet("replay")
	var f replayFlags
	fs.StringVar(&f.cfg, "config", "", "config file")
	fs.StringVar(&f.partner, "partner", "", "only this partner's files")
	fs.StringVar(&f.mapping, "mapping", "", "only files read by (or now routed to) this mapping")
	fs.StringVar(&f.since, "since", "", "only files received on or after DATE (YYYY-MM-DD or RFC 3339)")
	fs.StringVar(&f.until, "until", "", "only files received before DATE")
	fs.StringVar(&f.state, "state", "all", "rejected, done or all")
	fs.StringVar(&f.with, "with", "", "read with this mapping file instead of the active version of its name")
	fs.StringVar(&f.by, "by", "", "login the replay is recorded under (default: the OS user)")
	fs.Var(&f.files, "file", "a journal id (repeatable, or comma-separated)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "show what would change; write nothing")
	fs.BoolVar(&f.apply, "apply", false, "make the changes")
	fs.BoolVar(&f.asJSON, "json", false, "print JSON")
	fs.IntVar(&f.limit, "limit", replay.Limit, "line changes listed per file (0: all); counts are always complete")
	if err := parseFlags(fs, reorderFlags(args, "config", "partner", "mapping", "since", "until", "state", "with", "file", "limit", "by")); err != nil {
		return nil, err
	}
	if f.dryRun == f.apply {
		return nil, usagef("replay: give --dry-run or --apply")
	}
	if fs.NArg() > 0 {
		return nil, usagef("replay: unexpected %q", fs.Arg(0))
	}
	return &f, nil
}

// selection turns the flags into a journal selection.
func (f *replayFlags) selection() (sqlite.ReplaySelection, error) {
	s := sqlite.ReplaySelection{Partner: f.partner, IDs: f.files}
	switch f.state {
	case "all":
	case "rejected", "done":
		s.States = []clearway.FileState{clearway.FileState(f.state)}
	default:
		return s, usagef("replay: --state is rejected, done or all, not %q", f.state)
	}
	var err error
	if s.Since, err = parseDay(f.since, "--since"); err != nil {
		return s, err
	}
	s.Until, err = parseDay(f.until, "--until")
	return s, err
}

// parseDay reads a date (midnight UTC) or an RFC 3339 time; "" is zero.
func parseDay(v, flag string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("replay: %s wants a date such as 2026-03-01 or 2026-03-01T08:00:00Z, not %q", flag, v)
}

// Run selects the files, replays each and prints what changed.
func (c *ReplayCommand) Run(ctx context.Context, args []string) error {
	f, err := c.parse(args)
	if err != nil {
		return err
	}
	boundHeap()
	sel, err := f.selection()
	if err != nil {
		return err
	}
	var with *mapping.Mapping
	if f.with != "" {
		if with, err = mapping.Load(f.with); err != nil {
			return err // file:line from mapping check
		}
	}
	cfg, err := loadConfig(configPath(f.cfg))
	if err != nil {
		return err
	}
	if sel.Partner != "" {
		if _, ok := cfg.Partner(sel.Partner); !ok {
			return clearway.Errorf(clearway.ENOTFOUND, "no partner %q in %s", sel.Partner, cfg.Path)
		}
	}
	hub, err := openCommandHub(cfg, io.Discard, "replay") // the report says what happened
	if err != nil {
		return err
	}
	defer hub.Close()
	files, err := hub.DB.ReplayFiles(ctx, sel)
	if err != nil {
		return err
	}
	limit := f.limit
	if limit == 0 {
		limit = -1
	}
	records := &atomic.Int64{}
	run := &ingest.ReplayRun{Pipeline: hub.Ingest, With: with, Mapping: f.mapping,
		Options: ingest.ReplayOptions{Apply: f.apply, By: cliActor(f.by), Limit: limit, Records: records}}
	prog := startProgress(c.progressOut(), records)
	run.Starting = prog.starting
	out := newReplayOutput(c.Stdout, f.asJSON)
	sum, err := run.Run(ctx, files, func(r *replay.File) error {
		prog.clear()
		return out.file(r)
	})
	prog.stop()
	if err != nil {
		return err
	}
	return out.finish(sum, f.apply)
}

// boundHeap keeps a long replay's Go heap near its live size: the
// daemon-wide GOGC=400 (see main) would let a million-line file's set of
// seen lines grow the heap fivefold. GOMEMLIMIT, when set, still decides.
func boundHeap() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(96 << 20)
	}
}

func (c *ReplayCommand) progressOut() io.Writer {
	if c.Progress != nil {
		return c.Progress
	}
	return c.Stderr
}

// replayOutput writes results as they come: text, or one JSON document
// whose file list is streamed.
type replayOutput struct {
	w      io.Writer
	asJSON bool
	n      int
}

func newReplayOutput(w io.Writer, asJSON bool) *replayOutput {
	return &replayOutput{w: w, asJSON: asJSON}
}

func (o *replayOutput) file(r *replay.File) error {
	defer func() { o.n++ }()
	if !o.asJSON {
		if o.n > 0 {
			fmt.Fprintln(o.w)
		}
		return replay.WriteText(o.w, r)
	}
	sep := ",\n"
	if o.n == 0 {
		sep = `{"files": [` + "\n"
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.w, "%s%s", sep, b)
	return err
}

func (o *replayOutput) finish(sum *replay.Summary, applied bool) error {
	if !o.asJSON {
		if o.n == 0 {
			_, err := fmt.Fprintln(o.w, "no archived files match")
			return err
		}
		return replay.WriteSummary(o.w, sum, applied)
	}
	b, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	head := "\n]" // closes the list file() opened
	if o.n == 0 {
		head = `{"files": [`
	}
	_, err = fmt.Fprintf(o.w, "%s, \"applied\": %t, \"summary\": %s}\n", head, applied, b)
	return err
}
