package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// ShipmentLegalHoldCommand sets or clears a shipment's legal hold.
type ShipmentLegalHoldCommand struct{ Stdout io.Writer }

// Run puts shipment REF (its ref or any identifier) under legal hold, or
// with --clear ends the hold; --reason is required either way. While the
// hold lasts the retention job purges nothing of the shipment. --by names
// who, for the audit log (default: the OS user).
func (c *ShipmentLegalHoldCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("shipment legal-hold")
	cfgPath := fs.String("config", "", "config file")
	reason := fs.String("reason", "", "why: the matter, the request behind the hold (required)")
	clearHold := fs.Bool("clear", false, "end the hold instead of setting it")
	by := fs.String("by", "", "who does this, for the audit log (default: the OS user)")
	// REF is positional: parse here rather than through parseFlags, whose
	// list of commands taking arguments lives in main.go.
	if err := fs.Parse(reorderFlags(args, "config", "reason", "by")); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("shipment legal-hold: %s", err)
	}
	if fs.NArg() != 1 || *reason == "" {
		return usagef("shipment legal-hold: want REF and --reason TEXT (with --clear to end the hold)")
	}
	db, err := openDB(*cfgPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if *clearHold {
		ref, err := db.ClearLegalHold(ctx, fs.Arg(0), cliActor(*by), *reason)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "%s: legal hold cleared; retention applies again\n", ref)
		return nil
	}
	ref, err := db.SetLegalHold(ctx, fs.Arg(0), cliActor(*by), *reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "%s: under legal hold; retention purges nothing of it until the hold is cleared\n", ref)
	return nil
}
