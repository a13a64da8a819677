package fixed

import (
	"fmt"
	"strings"
)

// Error is a fault in a fixed-width file at a place a person can find: the
// line, the record id and, where a field is at fault, its columns. Its text
// ends up in the rejection report a partner reads, so Msg is plain language,
// as in "line 12 (T9), columns 19-25: S1 count 3 does not match 4 S1 records
// in the file".
type Error struct {
	// Line is the 1-based physical line; 0 when the fault concerns the
	// whole file (an empty file without its trailer).
	Line int
	// Column is the first 1-based position of the field at fault; 0 when the
	// whole line is at fault.
	Column int
	// EndColumn is the last position of the field at fault (inclusive); 0
	// or equal to Column for a single column.
	EndColumn int
	// Record is the record id of the line, when known.
	Record string
	// Field names the field at fault for programs ("S1 count", "hash
	// total", …); "" when the whole line is at fault. Msg already says it.
	Field string
	// Msg says what is wrong.
	Msg string
}

// Error renders the fault on one line.
func (e *Error) Error() string {
	if e.Line <= 0 {
		return e.Msg
	}
	var b strings.Builder
	fmt.Fprintf(&b, "line %d", e.Line)
	if e.Record != "" {
		fmt.Fprintf(&b, " (%s)", e.Record)
	}
	if e.Column > 0 {
		b.WriteString(", " + span{e.Column, max(e.EndColumn, e.Column)}.String())
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// fieldError is an *Error about the field at s of line l.
func fieldError(l *Line, s span, field, msg string) *Error {
	return &Error{Line: l.Num, Column: s.start, EndColumn: s.end, Record: l.ID, Field: field, Msg: msg}
}
