// Package csvx reads partners' delimited text files (comma, semicolon, tab or
// pipe separated; UTF-8 or a legacy single-byte encoding) into table rows for
// the mapping engine. Every fault is an *Error positioned by line and column,
// because it ends up in a rejection report the partner reads.
package csvx

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/clearway/clearway/internal/table"
)

// Options are a mapping's `csv:` settings.
type Options struct {
	// Delimiter separates fields: 0 means ','; ';', '\t' and '|' are the
	// usual others (any rune encoding/csv accepts will do).
	Delimiter rune
	// HeaderRow is the 1-based row holding the column names; rows above it
	// (title blocks) are skipped. 0 means the file has no header. The caller
	// passes the mapping default, 1.
	HeaderRow int
	// Encoding is "" or "utf-8" (the default; a UTF-8 byte order mark is
	// removed), "windows-1252" or "iso-8859-1", in any letter case. A file
	// that starts with a UTF-8 byte order mark is read as UTF-8 whatever
	// this says.
	Encoding string
}

// Reader reads the data rows of one CSV file, after its header.
//
// Rows are numbered as a person sees them in Excel: every record counts as
// one row, and so does every completely empty line (which encoding/csv skips
// silently), so Row.Num is the row a partner finds when they open the file.
type Reader struct {
	cr        *csv.Reader
	text      text
	header    []string
	row       table.Row
	num       int  // row number of the last record read
	startLine int  // physical line where the last record read starts
	endLine   int  // physical line where the last record read ends
	done      bool // a fault that ends reading was returned: Next reports io.EOF
}

var _ table.Reader = (*Reader)(nil)

// NewReader prepares to read src as a CSV file and reads through its header
// row. It fails on bad options (naming the supported encodings), on input
// that is not text (wrapping ErrNotText), and with an *Error on a fault in or
// above the header row.
func NewReader(src io.Reader, opt Options) (*Reader, error) {
	delim := opt.Delimiter
	if delim == 0 {
		delim = ','
	}
	if delim == '"' || delim == '\r' || delim == '\n' || delim == utf8.RuneError || !utf8.ValidRune(delim) {
		return nil, fmt.Errorf(`csv delimiter %q cannot be used: use ",", ";", "\t" or "|"`, delim)
	}
	if opt.HeaderRow < 0 {
		return nil, fmt.Errorf("csv header row %d: use 1 or more, or 0 for a file without a header", opt.HeaderRow)
	}
	legacy, err := legacyCharmap(opt.Encoding)
	if err != nil {
		return nil, err
	}
	t, err := openText(src, legacy)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(t.in)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	r := &Reader{cr: cr, text: t}
	if opt.HeaderRow > 0 {
		if err := r.readHeader(opt.HeaderRow); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Header returns the header row's texts with surrounding white space
// removed, or nil when Options.HeaderRow is 0. Callers must not modify it.
func (r *Reader) Header() []string { return r.header }

// Next returns the next data row that is not blank (a row whose cells are
// all empty or white space is skipped), or io.EOF at the end of the file.
// Cells carry Text only.
//
// The returned *Row and its Cells slice are reused by the next call, so copy
// what must outlive it; the Text strings themselves stay valid.
//
// A fault in one record (a malformed quote, invalid UTF-8) is an *Error, and
// the following call goes on with the next record. A fault that ends reading
// (a read failure, a record over MaxRecordBytes) is returned once, after
// which Next reports io.EOF.
func (r *Reader) Next() (*table.Row, error) {
	if r.done {
		return nil, io.EOF
	}
	for {
		rec, err := r.read()
		if err != nil {
			return nil, err
		}
		cells := r.row.Cells
		if cap(cells) < len(rec) {
			cells = make([]table.Cell, len(rec), 2*len(rec))
		}
		cells = cells[:len(rec)]
		for i, f := range rec {
			c := &cells[i]
			if c.Numeric || c.IsDate || !c.Time.IsZero() {
				*c = table.Cell{} // the caller changed the cell it was lent
			}
			c.Text = f
		}
		r.row = table.Row{Num: r.num, Line: r.startLine, Cells: cells}
		if !r.row.Blank() {
			return &r.row, nil
		}
	}
}

// readHeader reads the records above the header row and the header itself.
func (r *Reader) readHeader(row int) error {
	for {
		rec, err := r.read()
		if err == io.EOF {
			if r.num == 0 {
				return &Error{Msg: fmt.Sprintf("the file is empty; the mapping expects a header on row %d", row)}
			}
			return &Error{Line: r.endLine, Msg: fmt.Sprintf("the file ends on row %d, before row %d where the mapping expects the header (header_row: %d)", r.num, row, row)}
		}
		if err != nil {
			return err
		}
		if r.num < row {
			continue
		}
		if r.num > row {
			// Rows row…r.num-1 were empty lines, one physical line each.
			return &Error{Line: r.startLine - (r.num - row), Msg: fmt.Sprintf("row %d is empty, but the mapping expects the header there (header_row: %d)", row, row)}
		}
		header := make([]string, len(rec))
		blank := true
		for i, f := range rec {
			header[i] = strings.TrimSpace(f)
			blank = blank && header[i] == ""
		}
		if blank {
			return &Error{Line: r.startLine, Msg: fmt.Sprintf("row %d is blank, but the mapping expects the header there (header_row: %d)", row, row)}
		}
		r.header = header
		return nil
	}
}

// read reads the next record, numbers it and checks its text is UTF-8.
func (r *Reader) read() ([]string, error) {
	rec, err := r.cr.Read()
	if err == nil {
		start, _ := r.cr.FieldPos(0)
		last := len(rec) - 1
		end, _ := r.cr.FieldPos(last)
		end += strings.Count(rec[last], "\n")
		r.num += start - r.endLine // empty lines skipped in between count as rows
		r.startLine, r.endLine = start, end
		r.text.limit.limit = r.cr.InputOffset() + MaxRecordBytes + limitSlack
		if r.text.checkUTF8 {
			if err := r.checkUTF8(rec); err != nil {
				return nil, err
			}
		}
		return rec, nil
	}
	if err == io.EOF {
		r.done = true
		return nil, io.EOF
	}
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		r.num += pe.StartLine - r.endLine
		r.startLine, r.endLine = pe.StartLine, max(pe.Line, pe.StartLine)
		r.text.limit.limit = r.cr.InputOffset() + MaxRecordBytes + limitSlack
		return nil, parseError(pe)
	}
	r.done = true
	if errors.Is(err, errRecordTooLong) {
		return nil, &Error{Line: r.endLine + 1, Msg: fmt.Sprintf("the record starting here is longer than %d MiB (a quoted field that is never closed?)", MaxRecordBytes>>20)}
	}
	return nil, fmt.Errorf("read csv after line %d: %w", r.endLine, err)
}

// checkUTF8 reports the first field of rec that is not valid UTF-8, which
// almost always means a windows-1252 file declared (or defaulted) as UTF-8.
func (r *Reader) checkUTF8(rec []string) error {
	var high byte
	for _, f := range rec {
		for i := range len(f) {
			high |= f[i]
		}
	}
	if high < utf8.RuneSelf {
		return nil // plain ASCII, the common case
	}
	for i, f := range rec {
		if utf8.ValidString(f) {
			continue
		}
		bad := 0
		for bad < len(f) {
			c, size := utf8.DecodeRuneInString(f[bad:])
			if c == utf8.RuneError && size <= 1 {
				break
			}
			bad += size
		}
		line, col := r.cr.FieldPos(i)
		near := f[max(0, bad-12):min(len(f), bad+12)]
		return &Error{Line: line, Column: col, Msg: fmt.Sprintf(
			"field %d is not valid UTF-8 (byte 0x%02X in %q); the file is probably windows-1252: set encoding: windows-1252 in the mapping, or have it saved as CSV UTF-8",
			i+1, f[bad], near)}
	}
	return nil
}
