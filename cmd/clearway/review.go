package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/clearway/clearway/internal/sqlite"
)

// ReviewListCommand lists the human review queue.
type ReviewListCommand struct{ Stdout io.Writer }

// Run prints the open reviews (--status all|open|approved|rejected).
func (c *ReviewListCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("review list")
	cfgPath := fs.String("config", "", "config file")
	asJSON := fs.Bool("json", false, "print a JSON array")
	status := fs.String("status", sqlite.ReviewOpen, "open, approved, rejected or all")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch *status {
	case sqlite.ReviewOpen, sqlite.ReviewApproved, sqlite.ReviewRejected:
	case "all":
		*status = ""
	default:
		return usagef("review list: --status must be open, approved, rejected or all, got %q", *status)
	}
	db, err := openDB(*cfgPath)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := db.ListReviews(ctx, *status)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.Stdout, list)
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTATUS\tSHIPMENT\tCREATED\tSUMMARY")
	for _, r := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Kind, r.Status, r.Shipment, r.CreatedAt.Local().Format("2006-01-02 15:04"), r.Summary)
	}
	return tw.Flush()
}

// ReviewDecideCommand approves or rejects one review.
type ReviewDecideCommand struct {
	Approve bool
	Stdout  io.Writer
}

// Run decides review ID with a reason code from review.reason_codes.
func (c *ReviewDecideCommand) Run(ctx context.Context, args []string) error {
	name := "review reject"
	if c.Approve {
		name = "review approve"
	}
	fs := newFlagSet(name)
	cfgPath := fs.String("config", "", "config file")
	reason := fs.String("reason", "", "reason code (one of the config's review.reason_codes)")
	by := fs.String("by", "", "who decides")
	note := fs.String("note", "", "free text kept with the decision")
	asJSON := fs.Bool("json", false, "print the decided review as JSON")
	if err := parseFlags(fs, reorderFlags(args, "config", "reason", "by", "note")); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("%s: want the review ID", name)
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil {
		return usagef("%s: review ID %q is not a number", name, fs.Arg(0))
	}
	if *reason == "" || *by == "" {
		return usagef("%s: --reason CODE and --by NAME are required", name)
	}
	cfg, err := loadConfig(configPath(*cfgPath))
	if err != nil {
		return err
	}
	db, err := openStoreDB(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := db.DecideReview(ctx, id, sqlite.Decision{Approve: c.Approve, Reason: *reason, By: *by, Note: *note, ReasonCodes: cfg.Review.ReasonCodes})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.Stdout, r)
	}
	fmt.Fprintf(c.Stdout, "review %d %s: %s %s by %s (%s)\n", r.ID, r.Kind, r.Status, r.Shipment, r.DecidedBy, r.Reason)
	return nil
}
