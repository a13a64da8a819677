// Package fixed reads fixed-width record files, the kind customs brokers send
// (CBP ABI/CATAIR style: 80-character records, a record id in the first
// columns, 1-based inclusive positions). It pads lines that lost their
// trailing spaces, rejects long ones, and checks a trailer's record counts
// and hash total. Every fault is an *Error positioned by line (and columns
// where it applies), because it ends up in a rejection report the partner
// reads.
//
// Positions count bytes: a tab is one column, and a non-ASCII character
// (which a UTF-8 file stores in 2 to 4 bytes) takes as many columns as it has
// bytes. That is how the senders' systems lay records out; the text is passed
// on unchanged.
package fixed

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrNotText is wrapped by the error Next returns first when the input is a
// binary file (a workbook, a PDF, an archive) rather than records.
var ErrNotText = errors.New("not a text file")

// Line is one record of the file.
type Line struct {
	// Num is the 1-based physical line number.
	Num int
	// ID is the record id, without surrounding spaces.
	ID string
	// Text is the record padded with spaces to the record length.
	Text string
}

// Field returns the text at 1-based inclusive positions start to end,
// unchanged (not trimmed). Positions outside the record are cut off, so a
// range beyond the record length gives "".
func (l *Line) Field(start, end int) string {
	start = max(start, 1)
	end = min(end, len(l.Text))
	if start > end {
		return ""
	}
	return l.Text[start-1 : end]
}

// Reader reads the records of one fixed-width file.
type Reader struct {
	br     *bufio.Reader
	lay    layout
	spaces []byte // RecordLength spaces, for padding
	pad    []byte // scratch for a padded record
	long   []byte // the start of a line longer than the buffer
	tally  *tally // nil without trailer checks

	num       int // physical lines read
	last      int // line number of the last record
	blankFrom int // first line of a run of blank lines not known to be trailing
	blanks    int // length of that run

	holding bool // held and heldErr are the answer to the next call
	held    *Line
	heldErr error
	sniffed bool
	done    bool
}

// NewReader prepares to read records from src. It fails on bad options: a
// record length that is not positive, or a record id, count or hash position
// outside the record.
func NewReader(src io.Reader, opt Options) (*Reader, error) {
	lay, err := resolve(opt)
	if err != nil {
		return nil, err
	}
	r := &Reader{
		br:     bufio.NewReaderSize(src, max(64<<10, 2*lay.length+2)),
		lay:    lay,
		spaces: bytes.Repeat([]byte{' '}, lay.length),
	}
	if lay.trailer != "" {
		r.tally = &tally{lay: &r.lay}
	}
	return r, nil
}

// Next returns the next record, or io.EOF at the end of the file. Each call
// returns a new *Line, which the caller may keep (to look back at a parent
// record, say).
//
// Lines end in LF or CRLF. A line shorter than the record length (trailing
// spaces lost in transit) is padded. Blank lines (nothing but spaces, tabs or
// a DOS end-of-file mark) at the very end are ignored; in the middle they are
// an *Error.
//
// A fault in one line (too long, blank in the middle) is an *Error and the
// following call goes on with the next line. With Options.Trailer, the call
// that reaches the end of the file checks the trailer and returns any
// mismatch instead of io.EOF: one *Error, or several joined with errors.Join,
// each positioned. After that, and after a read failure, Next returns io.EOF.
func (r *Reader) Next() (*Line, error) {
	if r.holding {
		l, err := r.held, r.heldErr
		r.holding, r.held, r.heldErr = false, nil, nil
		return l, err
	}
	if r.done {
		return nil, io.EOF
	}
	if !r.sniffed {
		r.sniffed = true
		if err := r.sniff(); err != nil {
			r.done = true
			return nil, err
		}
	}
	for {
		raw, n, err := r.readLine()
		if err == io.EOF {
			r.done = true
			if r.tally == nil {
				return nil, io.EOF
			}
			if err := r.tally.check(r.last); err != nil {
				return nil, err
			}
			return nil, io.EOF
		}
		if err != nil {
			r.done = true
			return nil, fmt.Errorf("read fixed-width line %d: %w", r.num+1, err)
		}
		if n == len(raw) && blank(raw) {
			if r.blanks == 0 {
				r.blankFrom = r.num
			}
			r.blanks++
			continue
		}
		l, lerr := r.record(raw, n)
		if r.blanks > 0 {
			err := r.blankError()
			r.blanks = 0
			r.holding, r.held, r.heldErr = true, l, lerr
			return nil, err
		}
		return l, lerr
	}
}

// record turns a physical line of n bytes, whose first bytes are raw, into a
// Line, tallying it for the trailer checks. A line longer than the record is
// still tallied (the sender counted it) but returned as an *Error.
func (r *Reader) record(raw []byte, n int) (*Line, error) {
	length := r.lay.length
	keep := raw[:min(len(raw), length)]
	var text string
	if len(keep) == length {
		text = string(keep)
	} else {
		r.pad = append(append(r.pad[:0], keep...), r.spaces[:length-len(keep)]...)
		text = string(r.pad)
	}
	l := &Line{Num: r.num, Text: text, ID: strings.Trim(text[r.lay.id.start-1:r.lay.id.end], " ")}
	r.last = r.num
	if r.tally != nil {
		r.tally.add(l)
	}
	if n <= length {
		return l, nil
	}
	msg := fmt.Sprintf("record is %d characters, longer than the record length %d", n, length)
	switch {
	case bytes.IndexByte(raw, '\r') >= 0:
		msg += " (the lines seem to end in CR only; use LF or CRLF)"
	case !ascii(raw):
		msg += " (counted in bytes: the line holds non-ASCII characters, which take 2 or more bytes each)"
	}
	return nil, &Error{Line: r.num, Record: l.ID, Msg: msg}
}

// blankError reports the run of blank lines just ended by a record.
func (r *Reader) blankError() *Error {
	msg := "empty line in the middle of the file"
	if r.blanks > 1 {
		msg = fmt.Sprintf("empty lines in the middle of the file (lines %d-%d)", r.blankFrom, r.blankFrom+r.blanks-1)
	}
	return &Error{Line: r.blankFrom, Msg: msg}
}

// readLine reads one physical line without its line end. It returns the
// line's bytes (only the first ones when the line is longer than the read
// buffer, which holds more than a record) and the line's full length.
func (r *Reader) readLine() ([]byte, int, error) {
	b, err := r.br.ReadSlice('\n')
	if len(b) == 0 {
		return nil, 0, err // io.EOF or a read failure
	}
	r.num++
	if err != bufio.ErrBufferFull {
		if err != nil && err != io.EOF {
			return nil, 0, err
		}
		b = trimEOL(b)
		return b, len(b), nil
	}
	// Longer than the buffer: keep the record's worth, count the rest.
	r.long = append(r.long[:0], b[:r.lay.length+1]...)
	n := len(b)
	prev, end := b[len(b)-2], b[len(b)-1]
	for err == bufio.ErrBufferFull {
		b, err = r.br.ReadSlice('\n')
		n += len(b)
		switch len(b) {
		case 0:
		case 1:
			prev, end = end, b[0]
		default:
			prev, end = b[len(b)-2], b[len(b)-1]
		}
	}
	if err != nil && err != io.EOF {
		return nil, 0, err
	}
	if end == '\n' {
		n--
		end = prev
	}
	if end == '\r' {
		n--
	}
	return r.long, n, nil
}

// trimEOL removes a line end: LF, CRLF, or a CR before the end of the file.
func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// blank reports whether a line holds nothing but spaces, tabs, CRs and DOS
// end-of-file marks (Ctrl-Z).
func blank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != 0x1A {
			return false
		}
	}
	return true
}

func ascii(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// signatures are the starts of binary files partners send by mistake.
var signatures = []struct {
	magic string
	what  string
}{
	{"PK\x03\x04", "looks like a ZIP archive (an .xlsx workbook?)"},
	{"%PDF-", "looks like a PDF document"},
	{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "looks like an old Excel .xls workbook (or another Office document)"},
	{"\x1F\x8B", "looks like a gzip archive"},
}

// sniff rejects a binary file before it turns into a flood of line errors.
// NUL bytes are not a sign: mainframe extracts can hold them as low-values.
func (r *Reader) sniff() error {
	head, _ := r.br.Peek(8) // a read failure surfaces from readLine
	for _, s := range signatures {
		if bytes.HasPrefix(head, []byte(s.magic)) {
			return fmt.Errorf("%w: %s", ErrNotText, s.what)
		}
	}
	return nil
}
