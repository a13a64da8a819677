package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/clearway/clearway/internal/config"
	"github.com/clearway/clearway/internal/sqlite"
)

// ReviewListCommand lists the human review queue.
type ReviewListCommand struct{ Stdout io.Writer }

// Run prints the open reviews (--status all|open|approved|rejected).
func (c *ReviewListCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("review list")
	cfgPath := fs.String("config", "", "config file")
	asJSON := fs.Bool("json", false, "print a JSON array")
	status := fs.String("status", sqlite.ReviewOpen, "open, approved, rejected, superseded or all")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch *status {
	case sqlite.ReviewOpen, sqlite.ReviewApproved, sqlite.ReviewRejected, sqlite.ReviewSuperseded:
	case "all":
		*status = ""
	default:
		return usagef("review list: --status must be open, approved, rejected, superseded or all, got %q", *status)
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

// ReviewDecideCommand decides one review: approve, reject, or for an
// identifier_conflict merge or separate.
type ReviewDecideCommand struct {
	Decision string // sqlite.DecisionApprove, …
	Stdout   io.Writer
}

// attachFlags collects repeated --attach FILE flags.
type attachFlags []string

func (a *attachFlags) String() string     { return strings.Join(*a, ",") }
func (a *attachFlags) Set(v string) error { *a = append(*a, v); return nil }

// Run decides review ID with a reason code from review.reason_codes; each
// --attach FILE is stored in the archive and listed with the decision.
func (c *ReviewDecideCommand) Run(ctx context.Context, args []string) error {
	name := "review " + c.Decision
	fs := newFlagSet(name)
	cfgPath := fs.String("config", "", "config file")
	reason := fs.String("reason", "", "reason code (one of the config's review.reason_codes)")
	by := fs.String("by", "", "who decides")
	note := fs.String("note", "", "free text kept with the decision")
	var attach attachFlags
	fs.Var(&attach, "attach", "a file the decision rests on (repeatable)")
	asJSON := fs.Bool("json", false, "print the decided review as JSON")
	if err := parseFlags(fs, reorderFlags(args, "config", "reason", "by", "note", "attach")); err != nil {
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
	atts, err := archiveAttachments(cfg, attach)
	if err != nil {
		return err
	}
	db, err := openStoreDB(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := db.DecideReview(ctx, id, sqlite.Decision{Action: c.Decision, Reason: *reason, By: *by, Note: *note,
		ReasonCodes: cfg.Review.ReasonCodes, Attachments: atts})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.Stdout, r)
	}
	fmt.Fprintf(c.Stdout, "review %d %s: %s (%s) %s by %s (%s)", r.ID, r.Kind, r.Status, r.Decision, r.Shipment, r.DecidedBy, r.Reason)
	if len(atts) > 0 {
		fmt.Fprintf(c.Stdout, ", %d attachment(s)", len(atts))
	}
	fmt.Fprintln(c.Stdout)
	return nil
}

// archiveAttachments copies each file into the archive (by sha256) and
// describes it for the decision.
func archiveAttachments(cfg *config.Config, paths []string) ([]sqlite.Attachment, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	arc, err := openArchive(cfg)
	if err != nil {
		return nil, err
	}
	var out []sqlite.Attachment
	for _, p := range paths {
		sum, size, err := arc.PutFile(p)
		if err != nil {
			return nil, fmt.Errorf("attach %s: %w", p, err)
		}
		out = append(out, sqlite.Attachment{Name: filepath.Base(p), Size: size, SHA256: sum})
	}
	return out, nil
}
