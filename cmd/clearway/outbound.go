package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/clearway/clearway/internal/sqlite"
)

// OutboundRunCommand runs one partner's scheduled job now.
type OutboundRunCommand struct{ Stdout, Stderr io.Writer }

// Run runs --job of --partner and prints the files it delivered.
func (c *OutboundRunCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("outbound run")
	cfgPath := fs.String("config", "", "config file")
	partner := fs.String("partner", "", "partner id")
	job := fs.String("job", "", `the job's name (outbound[].job), or "pull" for a remote partner's pull`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *partner == "" || *job == "" {
		return usagef("outbound run: --partner ID and --job NAME are required")
	}
	cfg, err := loadConfig(configPath(*cfgPath))
	if err != nil {
		return err
	}
	hub, err := openCommandHub(cfg, c.Stderr, "outbound run")
	if err != nil {
		return err
	}
	defer hub.Close()
	res, err := hub.RunJob(ctx, *partner, *job)
	if err != nil {
		return err
	}
	if len(res.Files) == 0 {
		fmt.Fprintf(c.Stdout, "%s/%s: nothing new to deliver\n", *partner, *job)
	}
	for _, f := range res.Files {
		fmt.Fprintf(c.Stdout, "%s/%s: delivered %s\n", *partner, *job, f)
	}
	return nil
}

// OutboundListCommand lists the outbound deliveries.
type OutboundListCommand struct{ Stdout io.Writer }

// Run prints the outbound runs, newest first.
func (c *OutboundListCommand) Run(ctx context.Context, args []string) error {
	return runPartnerList(ctx, c.Stdout, "outbound list", args, (*sqlite.DB).ListOutbound,
		"ID\tPARTNER\tJOB\tSTATE\tITEMS\tSIZE\tCREATED\tNAME", func(r *sqlite.OutboundRun) []any {
			return []any{r.ID, r.Partner, r.Job, r.State, r.Items, r.Size, r.CreatedAt.Local().Format("2006-01-02 15:04:05"), r.Name}
		})
}

// RemoteListCommand lists what was pulled from and pushed to partners' own
// servers.
type RemoteListCommand struct{ Stdout io.Writer }

// Run prints the pull and push ledgers, newest first.
func (c *RemoteListCommand) Run(ctx context.Context, args []string) error {
	return runPartnerList(ctx, c.Stdout, "remote list", args, (*sqlite.DB).ListRemoteTransfers,
		"DIRECTION\tPARTNER\tSTATE\tATTEMPTS\tSIZE\tUPDATED\tREMOTE PATH\tERROR", func(t sqlite.RemoteTransfer) []any {
			return []any{t.Direction, t.Partner, t.State, t.Attempts, t.Size, t.UpdatedAt.Local().Format("2006-01-02 15:04:05"), t.RemotePath, t.Error}
		})
}

// runPartnerList is a `… list [--partner ID] [--json]` command: the rows
// list gives, as a JSON array or a table.
func runPartnerList[T any](ctx context.Context, w io.Writer, name string, args []string,
	list func(*sqlite.DB, context.Context, string) ([]T, error), header string, row func(T) []any) error {
	fs := newFlagSet(name)
	cfgPath := fs.String("config", "", "config file")
	partner := fs.String("partner", "", "only this partner")
	asJSON := fs.Bool("json", false, "print a JSON array")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := openDB(*cfgPath)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := list(db, ctx, *partner)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(w, rows)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		cells := row(r)
		format := strings.Repeat("%v\t", len(cells)-1) + "%v\n"
		fmt.Fprintf(tw, format, cells...)
	}
	return tw.Flush()
}
