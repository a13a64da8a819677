package main

import (
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/ingest"
	"github.com/clearway/clearway/internal/sqlite"
)

// IngestCommand sends files through the same intake and ingest path as an
// SFTP upload (channel cli): for cron'd ERP exports and replays.
type IngestCommand struct {
	Stdout, Stderr io.Writer
}

// Run journals each FILE for the partner, processes it and prints what
// became of it; it fails if any file was rejected.
func (c *IngestCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("ingest")
	cfgPath := fs.String("config", "", "config file")
	partner := fs.String("partner", "", "partner the files come from (required)")
	into := fs.String("into", "inbox", "partner-relative folder the files count as arriving in (mapping globs match on it)")
	if err := parseFlags(fs, reorderFlags(args, "config", "partner", "into")); err != nil {
		return err
	}
	if *partner == "" || fs.NArg() == 0 {
		return usagef("ingest: want --partner ID FILE...")
	}
	cfg, err := loadConfig(configPath(*cfgPath))
	if err != nil {
		return err
	}
	if _, ok := cfg.Partner(*partner); !ok {
		return clearway.Errorf(clearway.ENOTFOUND, "no partner %q in %s", *partner, cfg.Path)
	}
	hub, err := openCommandHub(cfg, c.Stderr, "ingest")
	if err != nil {
		return err
	}
	defer hub.Close()
	db, in, p := hub.DB, hub.Intake, hub.Ingest
	rejected := 0
	for _, file := range fs.Args() {
		f, err := in.Accept(ctx, *partner, clearway.ChannelCLI, path.Join(*into, filepath.Base(file)), file)
		if err != nil {
			return err
		}
		final, err := c.process(ctx, db, p, f)
		if err != nil {
			return err
		}
		switch final.State {
		case clearway.FileRejected:
			rejected++
			fmt.Fprintf(c.Stdout, "%s: rejected (file %d): %s\n", file, final.ID, final.Error)
		case clearway.FileDuplicate:
			fmt.Fprintf(c.Stdout, "%s: duplicate (file %d): %s\n", file, final.ID, final.Error)
		default:
			fmt.Fprintf(c.Stdout, "%s: %s (file %d)\n", file, final.State, final.ID)
		}
	}
	if rejected > 0 {
		return fmt.Errorf("%d of %d files rejected; reports are in %s", rejected, fs.NArg(), hub.Folders.Describe(folders.Partner(*partner, clearway.ErrorsDir)))
	}
	return nil
}

// process runs the file now, unless a running daemon claimed it first; then
// it waits for the daemon's result.
func (c *IngestCommand) process(ctx context.Context, db *sqlite.DB, p *ingest.Pipeline, f *clearway.File) (*clearway.File, error) {
	claimed, err := db.ClaimFile(ctx, f.ID)
	if err != nil {
		return nil, err
	}
	if claimed {
		if _, err := p.Process(ctx, f); err != nil {
			return nil, err
		}
	}
	for {
		cur, err := db.FindFileByID(ctx, f.ID)
		if err != nil {
			return nil, err
		}
		if cur.State != clearway.FileReceived && cur.State != clearway.FileProcessing {
			return cur, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
