package main

import (
	"context"
	"fmt"
	"io"

	"github.com/clearway/clearway/internal/packet"
)

// PacketExportCommand writes a shipment's audit packet.
type PacketExportCommand struct{ Stdout io.Writer }

// Run writes the packet of REF (its ref or any identifier) to --out.
func (c *PacketExportCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("packet export")
	cfgPath := fs.String("config", "", "config file")
	out := fs.String("out", "", "the zip file to write")
	if err := parseFlags(fs, reorderFlags(args, "config", "out")); err != nil {
		return err
	}
	if fs.NArg() != 1 || *out == "" {
		return usagef("packet export: want REF and --out FILE.zip")
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
	arc, err := openArchive(cfg)
	if err != nil {
		return err
	}
	contents, err := packet.Load(ctx, db, fs.Arg(0))
	if err != nil {
		return err
	}
	contents.Now = db.Now()
	contents.OpenDocument = func(sum string) (io.ReadCloser, error) { return arc.OpenFile(sum) }
	if err := packet.WriteFile(*out, contents); err != nil {
		return fmt.Errorf("packet export %s: %w", fs.Arg(0), err)
	}
	fmt.Fprintf(c.Stdout, "%s: packet of %s (%s, %d documents) written\n", *out, contents.Shipment.Ref, contents.Shipment.State, len(contents.Shipment.Documents))
	return nil
}
