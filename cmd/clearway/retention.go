package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/clearway/clearway/internal/housekeep"
	"github.com/clearway/clearway/internal/retention"
	"github.com/clearway/clearway/internal/sqlite"
)

// The store is the retention job's.
var _ housekeep.RetentionStore = (*sqlite.DB)(nil)

// retentionJob is the retention purge of the hub's store, archive and
// outbound/sent folder, with the configured policy.
func (h *Hub) retentionJob(dryRun bool) *housekeep.Retention {
	return &housekeep.Retention{DB: h.DB, Archive: h.Archive, Folders: h.Folders, DataDir: h.Config.DataDir,
		Policy: retention.Policy{Archive: h.Config.Retention.Archive.Duration}, Now: time.Now,
		Logger: h.Logger.With("component", "retention"), DryRun: dryRun}
}

// RetentionRunCommand runs the retention purge now.
type RetentionRunCommand struct{ Stdout, Stderr io.Writer }

// Run purges what is past retention, as the daemon's scheduled job does,
// and prints what went; --dry-run prints what would go and deletes
// nothing. The log (stderr) has a line for each deletion.
func (c *RetentionRunCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("retention run")
	cfgPath := fs.String("config", "", "config file")
	dryRun := fs.Bool("dry-run", false, "list what would be purged; delete nothing")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(configPath(*cfgPath))
	if err != nil {
		return err
	}
	hub, err := openCommandHub(cfg, c.Stderr, "retention run")
	if err != nil {
		return err
	}
	defer hub.Close()
	rep, err := hub.retentionJob(*dryRun).Run(ctx)
	if *asJSON {
		if werr := writeJSON(c.Stdout, rep); werr != nil {
			return werr
		}
		return err
	}
	c.print(rep)
	return err
}

// print writes the report as a table.
func (c *RetentionRunCommand) print(rep housekeep.RetentionReport) {
	if rep.Cutoff.IsZero() {
		fmt.Fprintln(c.Stdout, "retention.archive is 0: everything is kept")
		return
	}
	verb := "purged"
	if rep.DryRun {
		verb = "would purge"
	}
	fmt.Fprintf(c.Stdout, "entries released before %s are past retention; %s %d archive object(s), %d sent copy(ies)\n",
		rep.Cutoff.Format(time.RFC3339), verb, len(rep.Objects), len(rep.Sent))
	if len(rep.Objects)+len(rep.Sent) == 0 {
		return
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHAT\tRELEASED\tSHIPMENTS\tFILES / COPY")
	for _, o := range rep.Objects {
		fmt.Fprintf(tw, "archive %s\t%s\t%s\t%s\n", o.SHA256[:12], retention.Day(o.ReleasedAt), strings.Join(o.Shipments, ","), strings.Trim(fmt.Sprint(o.Files), "[]"))
	}
	for _, d := range rep.Sent {
		fmt.Fprintf(tw, "sent\t%s\t%s\t%s/%s\n", retention.Day(d.ReleasedAt), d.Shipment, d.Partner, d.Name)
	}
	tw.Flush()
}
