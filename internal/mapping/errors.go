package mapping

import (
	"fmt"
	"strings"

	"github.com/clearway/clearway/internal/clearway"
)

// SpecError is a problem in a mapping file, at a line.
type SpecError struct {
	File string
	Line int
	Path string // e.g. "records[0].fields.hs_code.type"
	Msg  string
}

// Error renders "FILE:LINE: PATH: MSG".
func (e *SpecError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Path != "" {
		b.WriteString(": " + e.Path)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// SpecErrors are all the problems found in mapping files.
type SpecErrors []*SpecError

// Error renders one problem a line.
func (es SpecErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// InputError is a problem in an input file, where it is: the row and
// column, the segment and element, or the line and positions.
type InputError struct {
	Rule  string // a DOMAIN.md rule id, for warnings such as HS_LEADING_ZERO_REPAIRED
	Pos   clearway.Position
	Field string // canonical field, when the problem is a field's value
	Value string // the offending value, when there is one
	Msg   string
	Hint  string // how to fix it, in plain words
}

// Error renders the position, field and message on one line.
func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.Pos.String())
	if e.Field != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString("field " + e.Field)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Value != "" {
		fmt.Fprintf(&b, " (value %q)", clip(e.Value, 60))
	}
	return b.String()
}

// maxErrors bounds how many input errors one file collects.
const maxErrors = 100

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
