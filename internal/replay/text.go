package replay

import (
	"fmt"
	"io"
	"strings"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/validate"
)

// WriteText writes one file's result as an admin reads it in a terminal.
func WriteText(w io.Writer, f *File) error {
	var b strings.Builder
	fmt.Fprintf(&b, "file %d  %s  /%s  (received %s)\n", f.ID, f.Partner, f.Name, f.ReceivedAt.UTC().Format("2006-01-02 15:04"))
	fmt.Fprintf(&b, "  %s", f.Outcome)
	if f.StateBefore != f.StateAfter {
		fmt.Fprintf(&b, " (%s → %s)", f.StateBefore, f.StateAfter)
	}
	if f.Mapping != "" {
		fmt.Fprintf(&b, " · mapping %s %s", f.Mapping, versionMove(f.MappingBefore, f.MappingAfter))
	}
	if f.Applied {
		fmt.Fprintf(&b, " · applied (replay %d)", f.ReplayID)
	}
	b.WriteString("\n")
	for _, e := range f.Errors {
		fmt.Fprintf(&b, "  ! %s\n", e)
	}
	if c := f.Counts; c.Total() > 0 || c.Kept > 0 {
		fmt.Fprintf(&b, "  lines: %d added, %d changed, %d removed", c.Added, c.Changed, c.Removed)
		if c.Kept > 0 {
			fmt.Fprintf(&b, ", %d kept as a later file wrote them", c.Kept)
		}
		if c.Held > 0 {
			fmt.Fprintf(&b, "; %d held for review", c.Held)
		}
		b.WriteString("\n")
	}
	for _, l := range f.Lines {
		writeLine(&b, l)
	}
	if f.MoreLines > 0 {
		fmt.Fprintf(&b, "    … and %d more line changes (--limit 0 lists all)\n", f.MoreLines)
	}
	for _, s := range f.Shipments {
		writeShipment(&b, s)
	}
	if f.Note != "" {
		fmt.Fprintf(&b, "  %s\n", f.Note)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var opSigns = map[Op]string{Added: "+", Changed: "~", Removed: "-", Kept: "="}

func writeLine(b *strings.Builder, l LineChange) {
	fmt.Fprintf(b, "    %s %s %s", opSigns[l.Op], l.Kind, l.Key)
	if l.Shipment != "" {
		fmt.Fprintf(b, " (%s)", l.Shipment)
	}
	if l.Held {
		b.WriteString(" [held for review]")
	}
	if l.Note != "" {
		fmt.Fprintf(b, " [%s]", l.Note)
	}
	b.WriteString("\n")
	if l.Op == Kept {
		return
	}
	for _, c := range l.Fields {
		switch l.Op {
		case Added:
			fmt.Fprintf(b, "        %s = %s\n", c.Field, c.After)
		case Removed:
			fmt.Fprintf(b, "        %s was %s\n", c.Field, c.Before)
		default:
			fmt.Fprintf(b, "        %s: %s → %s\n", c.Field, orNone(c.Before), orNone(c.After))
		}
	}
}

func writeShipment(b *strings.Builder, s ShipmentChange) {
	fmt.Fprintf(b, "  shipment %s", s.Ref)
	if s.StateBefore != s.StateAfter {
		fmt.Fprintf(b, ": %s → %s", orNew(s.StateBefore), s.StateAfter)
	}
	b.WriteString("\n")
	for _, f := range s.Appeared {
		fmt.Fprintf(b, "      finding appears: %s\n", findingText(f))
	}
	for _, f := range s.Cleared {
		fmt.Fprintf(b, "      finding clears:  %s\n", findingText(f))
	}
}

func findingText(f validate.Finding) string {
	return fmt.Sprintf("%s (%s) %s", f.Rule, f.Severity, f.Message)
}

// WriteSummary writes the closing lines of a replay run.
func WriteSummary(w io.Writer, s *Summary, applied bool) error {
	var parts []string
	for _, o := range []Outcome{NewlyAccepted, Changes, NowRejected, StillRejected, Unchanged, Failed} {
		if n := s.Outcomes[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	if len(parts) == 0 {
		parts = []string{"none"}
	}
	files := "files"
	if s.Files == 1 {
		files = "file"
	}
	_, err := fmt.Fprintf(w, "\n%d %s: %s\nlines: %d added, %d changed, %d removed; %d held for review\n",
		s.Files, files, strings.Join(parts, ", "), s.Lines.Added, s.Lines.Changed, s.Lines.Removed, s.Lines.Held)
	if err != nil {
		return err
	}
	switch {
	case !applied:
		_, err = fmt.Fprintf(w, "dry run: nothing was written (--apply makes it real)\n")
	case s.Applied == 0:
		_, err = fmt.Fprintf(w, "applied: nothing needed writing\n")
	default:
		_, err = fmt.Fprintf(w, "applied: %d files written\n", s.Applied)
	}
	return err
}

func versionMove(before, after string) string {
	if before == after || before == "" {
		return clearway.ShortHash(after)
	}
	return clearway.ShortHash(before) + " → " + clearway.ShortHash(after)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func orNew(s string) string {
	if s == "" {
		return "(new)"
	}
	return s
}
