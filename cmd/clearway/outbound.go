package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
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
	logger, err := newLogger(cfg.Log, c.Stderr)
	if err != nil {
		return err
	}
	hub := NewHub(cfg, logger.With("command", "outbound run"))
	defer hub.Close()
	if err := hub.OpenStore(); err != nil {
		return err
	}
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
	fs := newFlagSet("outbound list")
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
	runs, err := db.ListOutbound(ctx, *partner)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.Stdout, runs)
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPARTNER\tJOB\tSTATE\tITEMS\tSIZE\tCREATED\tNAME")
	for _, r := range runs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", r.ID, r.Partner, r.Job, r.State, r.Items, r.Size, r.CreatedAt.Local().Format("2006-01-02 15:04:05"), r.Name)
	}
	return tw.Flush()
}

// RemoteListCommand lists what was pulled from and pushed to partners' own
// servers.
type RemoteListCommand struct{ Stdout io.Writer }

// Run prints the pull and push ledgers, newest first.
func (c *RemoteListCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("remote list")
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
	list, err := db.ListRemoteTransfers(ctx, *partner)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.Stdout, list)
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DIRECTION\tPARTNER\tSTATE\tATTEMPTS\tSIZE\tUPDATED\tREMOTE PATH\tERROR")
	for _, t := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", t.Direction, t.Partner, t.State, t.Attempts, t.Size, t.UpdatedAt.Local().Format("2006-01-02 15:04:05"), t.RemotePath, t.Error)
	}
	return tw.Flush()
}
