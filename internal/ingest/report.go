package ingest

import (
	"fmt"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/mapping"
)

// RenderReport writes the plain-language rejection report a partner finds
// in /errors: what is wrong, where, and how to fix it.
func RenderReport(f *clearway.File, mappingName string, errs []*mapping.InputError) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Your file could not be accepted. Nothing from it was applied.\n\n")
	fmt.Fprintf(&b, "File:      /%s\n", f.Name)
	fmt.Fprintf(&b, "Received:  %s (reference %d, sha256 %s)\n", f.ReceivedAt.UTC().Format(time.RFC1123), f.ID, f.SHA256)
	if mappingName != "" {
		fmt.Fprintf(&b, "Read as:   %s\n", mappingName)
	}
	fmt.Fprintf(&b, "\nProblems found (%d):\n\n", len(errs))
	for i, e := range errs {
		where := e.Pos.String()
		if where == "" {
			where = "the file as a whole"
		}
		fmt.Fprintf(&b, "%d. Where: %s\n", i+1, where)
		if e.Field != "" {
			fmt.Fprintf(&b, "   Field: %s\n", e.Field)
		}
		if e.Value != "" {
			fmt.Fprintf(&b, "   Value: %q\n", e.Value)
		}
		fmt.Fprintf(&b, "   What:  %s\n", e.Msg)
		if e.Hint != "" {
			fmt.Fprintf(&b, "   Fix:   %s\n", e.Hint)
		}
		b.WriteString("\n")
	}
	b.WriteString("What to do: correct the file and upload it again to /inbox. This copy of your file and this\n")
	b.WriteString("report stay in /errors for reference; you may delete them.\n")
	return []byte(b.String())
}
