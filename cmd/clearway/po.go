package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// POShowCommand shows a purchase order: its lines belong to it, and the
// shipments that carry it refer to them.
type POShowCommand struct{ Stdout io.Writer }

// Run prints purchase order PO's lines and the shipments carrying it.
func (c *POShowCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("po show")
	cfgPath := fs.String("config", "", "config file")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, reorderFlags(args, "config")); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("po show: want the PO number")
	}
	db, err := openDB(*cfgPath)
	if err != nil {
		return err
	}
	defer db.Close()
	po, err := db.PurchaseOrder(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.Stdout, po)
	}
	shipments := "none yet"
	if len(po.Shipments) > 0 {
		shipments = strings.Join(po.Shipments, ", ")
	}
	fmt.Fprintf(c.Stdout, "PO %s: %d line(s); shipments: %s\n", po.PONumber, len(po.Lines), shipments)
	for _, l := range po.Lines {
		fmt.Fprintf(c.Stdout, "  %s\n", fieldText(l))
	}
	return nil
}
