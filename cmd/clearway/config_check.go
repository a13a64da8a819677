package main

import (
	"context"
	"fmt"
	"io"
)

// ConfigCheckCommand validates the config and what it references.
type ConfigCheckCommand struct {
	Stdout io.Writer
}

// Run loads and validates the config; every problem is reported with the
// file, line and field path.
func (c *ConfigCheckCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("config check")
	cfgPath := fs.String("config", "", "config file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(configPath(*cfgPath))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "%s: ok (%d partners)\n", cfg.Path, len(cfg.Partners))
	return nil
}
