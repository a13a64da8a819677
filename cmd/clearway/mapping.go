package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/clearway/clearway/internal/mapping"
)

// MappingCheckCommand validates mapping files.
type MappingCheckCommand struct {
	Stdout, Stderr io.Writer
}

// Run compiles the named files, or every mapping in the config's
// mappings_dir; each problem is printed as FILE:LINE: field: message.
func (c *MappingCheckCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("mapping check")
	cfgPath := fs.String("config", "", "config file (for mappings_dir when no FILE is given)")
	if err := parseFlags(fs, reorderFlags(args, "config")); err != nil {
		return err
	}
	files := fs.Args()
	if len(files) == 0 {
		cfg, err := loadConfig(configPath(*cfgPath))
		if err != nil {
			return err
		}
		ms, err := mapping.LoadDir(cfg.MappingsDir)
		if err != nil {
			fmt.Fprintln(c.Stderr, err)
			return fmt.Errorf("mapping check: problems in %s", cfg.MappingsDir)
		}
		fmt.Fprintf(c.Stdout, "%s: %d mappings ok\n", cfg.MappingsDir, len(ms))
		return nil
	}
	bad := 0
	for _, f := range files {
		m, err := mapping.Load(f)
		if err != nil {
			fmt.Fprintln(c.Stderr, err)
			bad++
			continue
		}
		fmt.Fprintf(c.Stdout, "%s: ok (%s, %s, %d records)\n", f, m.Name, m.Format, len(m.Records))
	}
	if bad > 0 {
		return fmt.Errorf("mapping check: %d of %d files have problems", bad, len(files))
	}
	return nil
}

// MappingTestCommand is a dry run of a mapping on a file.
type MappingTestCommand struct {
	Stdout, Stderr io.Writer
}

// Run maps INPUT with MAPPING (a file, or a name in mappings_dir) and prints
// the records, one a line (JSON with --json), or the positioned errors. It
// touches no store.
func (c *MappingTestCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("mapping test")
	cfgPath := fs.String("config", "", "config file (to find a mapping by name)")
	asJSON := fs.Bool("json", false, "one JSON object a line")
	name := fs.String("name", "", "the partner-relative name to map the input as (default: its base name)")
	if err := parseFlags(fs, reorderFlags(args, "config", "name")); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("mapping test: want MAPPING INPUT")
	}
	m, err := c.findMapping(fs.Arg(0), *cfgPath)
	if err != nil {
		return err
	}
	inputName := *name
	if inputName == "" {
		inputName = filepath.Base(fs.Arg(1))
	}
	// First pass: find the errors. A rejected file produces no records, so
	// they are printed only from a second pass over an accepted file.
	res, err := runMapping(m, fs.Arg(1), inputName, func(*mapping.Record) error { return nil })
	if err != nil {
		return err
	}
	if !res.Rejected {
		enc := json.NewEncoder(c.Stdout)
		_, err = runMapping(m, fs.Arg(1), inputName, func(rec *mapping.Record) error {
			if *asJSON {
				return enc.Encode(rec.Canonical())
			}
			_, err := fmt.Fprintln(c.Stdout, describeRecord(rec))
			return err
		})
		if err != nil {
			return err
		}
	}
	for _, e := range res.Errors {
		line := fmt.Sprintf("%s: %s", fs.Arg(1), e)
		if e.Hint != "" {
			line += " — " + e.Hint
		}
		fmt.Fprintln(c.Stderr, line)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(c.Stderr, "%s: warning %s: %s — %s\n", fs.Arg(1), w.Rule, w, w.Hint)
	}
	if res.Truncated {
		fmt.Fprintln(c.Stderr, "… more errors not shown")
	}
	switch {
	case res.Rejected:
		return fmt.Errorf("%s: rejected by mapping %s (%d errors)", fs.Arg(1), m.Name, len(res.Errors))
	case len(res.Errors) > 0:
		return fmt.Errorf("%s: %d rows skipped with errors, %d records kept (on_error: skip_row)", fs.Arg(1), len(res.Errors), res.Records)
	}
	if !*asJSON {
		fmt.Fprintf(c.Stderr, "%s: %d records, %d rows skipped by skip_when (mapping %s, version %s)\n", fs.Arg(1), res.Records, res.Skipped, m.Name, m.Hash[:12])
	}
	return nil
}

// runMapping maps the file at path under the partner-relative name.
func runMapping(m *mapping.Mapping, path, name string, emit func(*mapping.Record) error) (*mapping.Result, error) {
	in, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	return m.Run(mapping.Input{Name: name, R: in}, emit)
}

// findMapping loads a mapping file, or the mapping of that name in the
// config's mappings_dir.
func (c *MappingTestCommand) findMapping(arg, cfgPath string) (*mapping.Mapping, error) {
	if _, err := os.Stat(arg); err == nil {
		return mapping.Load(arg)
	}
	cfg, err := loadConfig(configPath(cfgPath))
	if err != nil {
		return nil, fmt.Errorf("mapping %q is not a file, and the config to look it up by name failed: %w", arg, err)
	}
	ms, _ := mapping.LoadDir(cfg.MappingsDir)
	if m, ok := ms[arg]; ok {
		return m, nil
	}
	return nil, fmt.Errorf("mapping %q: no such file, and no mapping of that name compiles in %s (see: clearway mapping check)", arg, cfg.MappingsDir)
}

func describeRecord(rec *mapping.Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-22s %-20s", rec.Source.String(), rec.Kind)
	c := rec.Canonical()
	keys := make([]string, 0, len(c.Fields))
	for k := range c.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, c.Fields[k])
	}
	return b.String()
}

// reorderFlags moves flags given after positional arguments to the front,
// so `mapping test M I --json` works as the contract writes it. valued lists
// the flags that take a value.
func reorderFlags(args []string, valued ...string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && slices.Contains(valued, name) && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(append(flags, "--"), pos...)
}
