package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/aymanbagabas/go-udiff"
)

// MappingHistoryCommand is `clearway mapping history NAME [--json]` and
// `clearway mapping diff NAME [FROM [TO]]`.
type MappingHistoryCommand struct {
	Diff   bool
	Stdout io.Writer
}

// Run lists every version of a mapping with when and by what it became
// active, or shows what changed between two versions (default: the one
// before the active one, and the active one) as a unified YAML diff.
func (c *MappingHistoryCommand) Run(ctx context.Context, args []string) error {
	name := "mapping history"
	if c.Diff {
		name = "mapping diff"
	}
	flags := newFlagSet(name)
	cfgPath := flags.String("config", "", "config file")
	asJSON := flags.Bool("json", false, "print JSON")
	if err := parseFlags(flags, reorderFlags(args, "config")); err != nil {
		return err
	}
	if flags.NArg() < 1 || (!c.Diff && flags.NArg() > 1) || flags.NArg() > 3 {
		return usagef("%s: want NAME%s", name, map[bool]string{true: " [FROM [TO]]", false: ""}[c.Diff])
	}
	_, db, err := openConfigDB(*cfgPath)
	if err != nil {
		return err
	}
	defer db.Close()
	hist, err := db.MappingHistory(ctx, flags.Arg(0))
	if err != nil {
		return err
	}
	if !c.Diff {
		if *asJSON {
			return writeJSON(c.Stdout, hist)
		}
		tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "#\tHASH\tACTIVE FROM\tBY\tFILE")
		for _, a := range hist {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", a.N, a.Hash[:12], a.At.UTC().Format(time.DateTime), a.By, a.File)
		}
		return tw.Flush()
	}
	from, to := fmt.Sprint(max(len(hist)-1, 1)), fmt.Sprint(len(hist))
	if flags.NArg() > 1 {
		from = flags.Arg(1)
	}
	if flags.NArg() > 2 {
		to = flags.Arg(2)
	}
	a, old, err := db.MappingContent(ctx, flags.Arg(0), from)
	if err != nil {
		return err
	}
	b, cur, err := db.MappingContent(ctx, flags.Arg(0), to)
	if err != nil {
		return err
	}
	label := func(x string, n int, hash string) string { return fmt.Sprintf("%s #%d (%s)", x, n, hash[:12]) }
	d := udiff.Unified(label(a.Name, a.N, a.Hash), label(b.Name, b.N, b.Hash), string(old), string(cur))
	if d == "" {
		fmt.Fprintf(c.Stdout, "%s #%d and #%d are the same\n", a.Name, a.N, b.N)
		return nil
	}
	_, err = io.WriteString(c.Stdout, d)
	return err
}
