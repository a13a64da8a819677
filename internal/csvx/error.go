package csvx

import (
	"encoding/csv"
	"errors"
	"fmt"
)

// ErrNotText is wrapped by the error NewReader returns when the input is not
// a text file at all (a workbook, a PDF, other binary data), so the caller
// can reject the file without reading further.
var ErrNotText = errors.New("not a text file")

// Error is a fault in a CSV file at a place a person can find: the line and,
// where it applies, the column. Its text ends up in the rejection report a
// partner reads, so Msg is plain language.
type Error struct {
	// Line is the 1-based physical line of the fault (a quoted field may
	// span lines, so it can differ from the row number); 0 when the fault
	// concerns the whole file.
	Line int
	// Column is the 1-based byte position on the line (the character
	// position for plain ASCII text); 0 when the whole line is at fault.
	Column int
	// Msg says what is wrong and, where it can, how to fix it.
	Msg string
}

// Error renders the fault on one line, as in
// `line 12, column 4: bare " in an unquoted field …`.
func (e *Error) Error() string {
	switch {
	case e.Line <= 0:
		return e.Msg
	case e.Column <= 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	default:
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
	}
}

// parseError turns encoding/csv's quote errors into an *Error in words a
// partner can act on.
func parseError(pe *csv.ParseError) *Error {
	e := &Error{Line: pe.Line, Column: pe.Column}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		e.Msg = `bare " in an unquoted field (a field that contains " must be enclosed in quotes, with each " inside doubled: "say ""hi""")`
	case errors.Is(pe.Err, csv.ErrQuote):
		e.Msg = `extraneous or missing " in a quoted field (a " inside a quoted field must be doubled, and the field must end with " followed by the delimiter or the end of the line)`
		if pe.StartLine != pe.Line {
			e.Msg += fmt.Sprintf("; the record starts on line %d, so a quote there may never be closed", pe.StartLine)
		}
	default:
		e.Msg = pe.Err.Error()
	}
	return e
}
