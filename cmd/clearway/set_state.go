package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/clearway/clearway/internal/sqlite"
)

// ShipmentSetStateCommand records an entry state by hand.
type ShipmentSetStateCommand struct{ Stdout io.Writer }

// Run records STATE on shipment REF as a manual event: evidence beside the
// partners' messages, with a reason code and who said so.
func (c *ShipmentSetStateCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("shipment set-state")
	cfgPath := fs.String("config", "", "config file")
	reason := fs.String("reason", "", "reason code (one of the config's review.reason_codes)")
	by := fs.String("by", "", "who records it")
	note := fs.String("note", "", "what happened (the broker phoned …)")
	entry := fs.String("entry", "", "entry number, for a shipment with several entries")
	at := fs.String("at", "", "when it happened, RFC 3339 (default now)")
	var resolves reviewIDs
	fs.Var(&resolves, "resolves", "an open status review this state settles (repeatable)")
	asJSON := fs.Bool("json", false, "print the shipment as JSON")
	if err := parseFlags(fs, reorderFlags(args, "config", "reason", "by", "note", "entry", "at", "resolves")); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("shipment set-state: want REF and STATE")
	}
	if *reason == "" || *by == "" {
		return usagef("shipment set-state: --reason CODE and --by NAME are required")
	}
	var when time.Time
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return usagef("shipment set-state: --at %q is not an RFC 3339 time such as 2026-03-21T08:12:00Z", *at)
		}
		when = t
	}
	cfg, db, err := openConfigDB(*cfgPath)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := db.SetState(ctx, fs.Arg(0), sqlite.ManualState{State: fs.Arg(1), Reason: *reason, By: *by, Note: *note,
		EntryNumber: *entry, At: when, Resolves: resolves, ReasonCodes: cfg.Review.ReasonCodes})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.Stdout, s)
	}
	fmt.Fprintf(c.Stdout, "%s: %s recorded by %s (%s); the shipment is now %s\n", s.Ref, fs.Arg(1), *by, *reason, s.State)
	return nil
}

// reviewIDs collects repeated review ID flags.
type reviewIDs []int64

func (r *reviewIDs) String() string { return fmt.Sprint([]int64(*r)) }

func (r *reviewIDs) Set(v string) error {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return fmt.Errorf("review ID %q is not a number", v)
	}
	*r = append(*r, id)
	return nil
}
