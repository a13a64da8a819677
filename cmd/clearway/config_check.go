package main

import (
	"context"
	"fmt"
	"io"

	"github.com/clearway/clearway/internal/mapping"
)

// ConfigCheckCommand validates the config and what it references.
type ConfigCheckCommand struct {
	Stdout, Stderr io.Writer
}

// Run loads and validates the config, then compiles every mapping in
// mappings_dir; each problem is reported with its file, line and field.
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
	if _, err := storeRules(cfg); err != nil { // the partners' status code tables
		return err
	}
	used := map[string]bool{}
	for _, p := range cfg.Partners {
		for _, name := range p.Mappings {
			used[name] = true
		}
	}
	if len(used) == 0 {
		fmt.Fprintf(c.Stdout, "%s: ok (%d partners, no mappings used)\n", cfg.Path, len(cfg.Partners))
		return nil
	}
	ms, err := mapping.LoadDir(cfg.MappingsDir)
	if err != nil {
		fmt.Fprintln(c.Stderr, err)
	}
	bad := 0
	for i, p := range cfg.Partners {
		for j, name := range p.Mappings {
			if _, ok := ms[name]; !ok {
				fmt.Fprintf(c.Stderr, "%s: partners[%d].mappings[%d]: mapping %q does not compile (see above)\n", cfg.Path, i, j, name)
				bad++
			}
		}
	}
	if bad > 0 || err != nil {
		return fmt.Errorf("config check: problems in the mappings the config uses")
	}
	fmt.Fprintf(c.Stdout, "%s: ok (%d partners, %d mappings compiled)\n", cfg.Path, len(cfg.Partners), len(ms))
	return nil
}
