package main

import (
	"context"
	"fmt"
	"io"
)

// ShipmentAssignCommand makes a partner party to a shipment, so its broker
// or supplier users see it.
type ShipmentAssignCommand struct{ Stdout io.Writer }

// Run assigns shipment REF to --partner.
func (c *ShipmentAssignCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("shipment assign")
	cfgPath := fs.String("config", "", "config file")
	partner := fs.String("partner", "", "the partner to make party to the shipment")
	by := fs.String("by", "", "who does this, for the audit log (default: the OS user)")
	if err := parseFlags(fs, reorderFlags(args, "config", "partner", "by")); err != nil {
		return err
	}
	if fs.NArg() != 1 || *partner == "" {
		return usagef("shipment assign: want REF and --partner ID")
	}
	cfg, err := loadConfig(configPath(*cfgPath))
	if err != nil {
		return err
	}
	if partnerRole(cfg, *partner) == "" {
		return usagef("shipment assign: no partner %q in %s", *partner, cfg.Path)
	}
	db, err := openStoreDB(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.AssignShipment(ctx, fs.Arg(0), *partner, cliActor(*by)); err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "%s assigned to %s\n", fs.Arg(0), *partner)
	return nil
}
