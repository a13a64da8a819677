package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/clearway/clearway/internal/lifecycle"
	"github.com/clearway/clearway/internal/sqlite"
)

// ShipmentListCommand lists canonical shipments.
type ShipmentListCommand struct{ Stdout io.Writer }

// Run prints every shipment (JSON array with --json).
func (c *ShipmentListCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("shipment list")
	cfgPath := fs.String("config", "", "config file")
	asJSON := fs.Bool("json", false, "print a JSON array")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := openDB(*cfgPath)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := db.ListShipments(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if list == nil {
			list = []*sqlite.ShipmentSummary{}
		}
		return writeJSON(c.Stdout, list)
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REF\tSTATE\tREADY\tUPDATED\tIDENTIFIERS")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\n", s.Ref, s.State, s.Ready, s.UpdatedAt.Local().Format("2006-01-02 15:04"), identifierText(s.Identifiers))
	}
	return tw.Flush()
}

// ShipmentShowCommand shows one shipment's whole record.
type ShipmentShowCommand struct{ Stdout io.Writer }

// Run prints the shipment named by REF: its ref or any identifier.
func (c *ShipmentShowCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("shipment show")
	cfgPath := fs.String("config", "", "config file")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, reorderFlags(args, "config")); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("shipment show: want REF (a shipment ref or any identifier)")
	}
	db, err := openDB(*cfgPath)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := db.FindShipment(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.Stdout, s)
	}
	w := c.Stdout
	state := s.State
	if s.StateLabel != "" {
		state = s.StateLabel
	}
	// Readiness says something only until the broker files.
	switch {
	case !slices.Contains([]string{"PLANNED", "PRE_ALERTED", "DOCS_INCOMPLETE", "FILE_READY"}, s.State):
		fmt.Fprintf(w, "%s  %s\n", s.Ref, state)
	case s.Ready:
		fmt.Fprintf(w, "%s  %s  (ready to file)\n", s.Ref, state)
	default:
		fmt.Fprintf(w, "%s  %s  (not ready to file)\n", s.Ref, state)
	}
	fmt.Fprintf(w, "identifiers: %s\n", identifierText(s.Identifiers))
	for _, e := range s.Entries {
		printEntry(w, e)
	}
	for _, f := range s.Findings {
		line := ""
		if f.Line != 0 {
			line = fmt.Sprintf(" line %d", f.Line)
		}
		fmt.Fprintf(w, "finding: %-7s %s%s %s: %s\n", f.Severity, f.Rule, line, f.Field, f.Message)
	}
	for _, group := range []struct {
		name  string
		lines []map[string]string
	}{{"PO lines", s.POLines}, {"invoice lines", s.Lines}, {"packing", s.Packing}} {
		if len(group.lines) > 0 {
			fmt.Fprintf(w, "%s:\n", group.name)
			for _, l := range group.lines {
				fmt.Fprintf(w, "  %s\n", fieldText(l))
			}
		}
	}
	for _, d := range s.Documents {
		sup := ""
		if d.Superseded {
			sup = " (superseded)"
		}
		fmt.Fprintf(w, "document %s v%d %s%s\n", d.DocType, d.Version, d.Name, sup)
	}
	for _, e := range s.Timeline {
		state := ""
		if e.State != "" {
			state = " → " + e.State
		}
		fmt.Fprintf(w, "%s  %s %s: %s%s  %s  [%s]\n", e.At, e.CodeList, e.Code, e.Event, state, strings.TrimSpace(e.Message+" "+e.Note), e.Source)
	}
	for _, r := range s.Reviews {
		fmt.Fprintf(w, "review %d %s %s: %s\n", r.ID, r.Kind, r.Status, r.Summary)
	}
	return nil
}

// printEntry prints one customs entry: its state, holds, exams and release.
func printEntry(w io.Writer, e lifecycle.EntryStatus) {
	number := e.EntryNumber
	if number == "" {
		number = "(no entry number yet)"
	}
	fmt.Fprintf(w, "entry %s: %s", number, e.Label())
	if e.Resubmissions > 0 {
		fmt.Fprintf(w, ", resubmitted %d time(s)", e.Resubmissions)
	}
	fmt.Fprintln(w)
	for _, h := range e.Holds {
		fmt.Fprintf(w, "  hold: %s %s on %s\n", h.Agency, h.Type, h.Ref)
	}
	for _, x := range e.Exams {
		fmt.Fprintf(w, "  exam: %s %s on %s\n", x.Agency, x.Type, x.Ref)
	}
}

func openDB(cfgPath string) (*sqlite.DB, error) {
	cfg, err := loadConfig(configPath(cfgPath))
	if err != nil {
		return nil, err
	}
	return openStoreDB(cfg)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// identifierText renders identifiers as "kind=v1,v2 …", sorted by kind.
func identifierText(ids map[string][]string) string {
	joined := make(map[string]string, len(ids))
	for k, v := range ids {
		joined[k] = strings.Join(v, ",")
	}
	return fieldText(joined)
}

// fieldText renders fields as "k=v …", sorted by name.
func fieldText(f map[string]string) string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+f[k])
	}
	return strings.Join(parts, " ")
}
