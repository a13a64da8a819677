// Package xlsx reads one sheet of an Excel workbook (.xlsx, .xlsm) as a
// stream of rows for the mapping engine: the header row's texts, then each
// non-blank data row with its sheet row number and its cells aligned to
// columns (column A is index 0).
//
// A cell's Text is the value the file stores, not what Excel displays: a
// number formatted "0.00" reads "12.5", an HS code that Excel shows as
// 8471300100 reads "8471300100", shared strings are resolved, and a formula
// gives its cached result. Number cells are marked Numeric (their text may
// have lost leading zeros); number cells whose number format shows a date
// or time are marked IsDate, with Time converted in the workbook's date
// system (1900, with Excel's phantom 29 February 1900, or 1904) and Text in
// ISO form. See Reader.Next for the exact rules.
//
// The sheet is streamed: its XML is inflated from the ZIP archive and
// tokenized one row at a time, so memory does not grow with the number of
// rows. What is held for the life of a Reader is the workbook's shared
// string table (every distinct text in the workbook, as Excel stores it)
// and one flag byte per cell style.
//
// It is written on archive/zip and encoding/xml rather than on excelize
// (which the tests use to build and cross-check workbooks) because
// excelize's streaming API, File.Rows with Rows.Columns, returns each row
// as plain strings: it cannot say whether a cell is a number or text, or
// which number format it has, and its GetCellType and GetCellStyle load the
// whole worksheet into memory. excelize also decompresses every part of the
// archive at open (worksheets and the shared string table larger than
// UnzipXMLSizeLimit, 16 MiB by default, into temporary files), while this
// package reads only the workbook, its relationships, the styles, the
// shared strings and the one sheet it is asked for.
package xlsx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/clearway/clearway/internal/table"
)

// Options selects the sheet and the header row. The zero value reads the
// first visible worksheet with no header; callers pass HeaderRow 1 for the
// usual layout.
type Options struct {
	// Sheet is the sheet's name as shown on its tab; it matches exactly or,
	// failing that, ignoring case (as Excel does). "" selects the first
	// visible worksheet.
	Sheet string
	// HeaderRow is the 1-based row holding the column names; rows above it
	// (a title block) are ignored. 0 means the sheet has no header and every
	// non-blank row is data.
	HeaderRow int
}

// ErrNotXLSX is wrapped by the error NewReader returns when the input is not
// an Office Open XML workbook: not a ZIP archive (a CSV or random bytes), an
// old binary .xls or password-protected workbook, or a ZIP archive without a
// workbook part.
var ErrNotXLSX = errors.New("not an XLSX workbook")

// ErrSheetNotFound is wrapped by the error NewReader returns when the
// workbook has no sheet of the requested name; the message lists the sheets
// it has.
var ErrSheetNotFound = errors.New("sheet not found")

// Error is a fault tied to a place in the sheet: a header row that is
// missing or empty, a malformed cell, or sheet data that cannot be read.
type Error struct {
	Row    int    // 1-based sheet row; 0 when the fault is not about one row
	Column string // column letters ("C") when known, else ""
	Msg    string // what is wrong, one line
	err    error  // underlying cause, for errors.Is and errors.As
}

// Error renders the fault on one line, prefixed with its cell or row.
func (e *Error) Error() string {
	switch {
	case e.Row > 0 && e.Column != "":
		return fmt.Sprintf("cell %s%d: %s", e.Column, e.Row, e.Msg)
	case e.Row > 0:
		return fmt.Sprintf("row %d: %s", e.Row, e.Msg)
	case e.Column != "":
		return fmt.Sprintf("column %s: %s", e.Column, e.Msg)
	}
	return e.Msg
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.err }

// Reader reads the rows of one worksheet. It is not safe for concurrent use.
type Reader struct {
	name   string
	header []string
	sheet  *sheetStream
	file   *os.File // owned when opened by OpenFile
	err    error    // sticky: returned by every Next after the first failure
}

var _ table.Reader = (*Reader)(nil)

// errClosed is what Next returns after Close.
var errClosed = errors.New("xlsx reader is closed")

// NewReader opens the workbook in r and positions the Reader after the
// header row of the selected sheet. When r is also an io.ReaderAt with a
// known size (an *os.File, *bytes.Reader, *io.SectionReader) the archive is
// read in place; otherwise r is read into memory first, as the ZIP format
// needs random access. The caller keeps ownership of r, which must stay
// readable until Close.
func NewReader(r io.Reader, opt Options) (*Reader, error) {
	ra, size, err := readerAt(r)
	if err != nil {
		return nil, fmt.Errorf("read workbook: %w", err)
	}
	return newReader(ra, size, opt)
}

// OpenFile opens the workbook file at path; Close closes the file.
func OpenFile(path string, opt Options) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open workbook: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("open workbook: %w", err)
	}
	rd, err := newReader(f, fi.Size(), opt)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	rd.file = f
	return rd, nil
}

// readerAt returns r as an io.ReaderAt with its size, reading it into memory
// when it cannot be read in place.
func readerAt(r io.Reader) (io.ReaderAt, int64, error) {
	if ra, ok := r.(io.ReaderAt); ok {
		switch v := r.(type) {
		case interface{ Size() int64 }:
			return ra, v.Size(), nil
		case interface{ Stat() (fs.FileInfo, error) }:
			if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
				return ra, fi.Size(), nil
			}
		}
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, 0, err
	}
	return bytes.NewReader(data), int64(len(data)), nil
}

func newReader(ra io.ReaderAt, size int64, opt Options) (*Reader, error) {
	if opt.HeaderRow < 0 {
		return nil, fmt.Errorf("header row must be 0 (none) or a 1-based row number, got %d", opt.HeaderRow)
	}
	wb, err := openWorkbook(ra, size)
	if err != nil {
		return nil, err
	}
	sh, err := wb.selectSheet(opt.Sheet)
	if err != nil {
		return nil, err
	}
	st, err := wb.openSheet(sh)
	if err != nil {
		return nil, err
	}
	rd := &Reader{name: sh.name, sheet: st}
	if opt.HeaderRow > 0 {
		if rd.header, err = rd.readHeader(opt.HeaderRow); err != nil {
			_ = st.close()
			return nil, err
		}
	}
	return rd, nil
}

// readHeader skips the rows above the header row and returns the header
// row's trimmed texts.
func (r *Reader) readHeader(headerRow int) ([]string, error) {
	for {
		num, err := r.sheet.nextRow()
		if errors.Is(err, io.EOF) {
			msg := fmt.Sprintf("header row is beyond the end of sheet %q, which is empty", r.name)
			if r.sheet.lastRow > 0 {
				msg = fmt.Sprintf("header row is beyond the end of sheet %q (last row %d)", r.name, r.sheet.lastRow)
			}
			return nil, &Error{Row: headerRow, Msg: msg}
		}
		if err != nil {
			return nil, err
		}
		if num < headerRow {
			if err := r.sheet.skipRow(num); err != nil {
				return nil, err
			}
			continue
		}
		var cells []table.Cell
		if num == headerRow {
			if cells, err = r.sheet.readCells(num); err != nil {
				return nil, err
			}
		}
		header := make([]string, len(cells))
		blank := true
		for i, c := range cells {
			header[i] = strings.TrimSpace(c.Text)
			blank = blank && header[i] == ""
		}
		if blank {
			return nil, &Error{Row: headerRow, Msg: fmt.Sprintf("header row of sheet %q is empty", r.name)}
		}
		// A row after an empty header row is data nobody can name: the
		// Reader fails rather than guess, so it never has to give it back.
		return header, nil
	}
}

// Sheet returns the name of the sheet being read, as the workbook spells it.
func (r *Reader) Sheet() string { return r.name }

// Header returns the header row's texts, trimmed of white space and aligned
// to columns like Row.Cells (a blank header cell is ""); nil when
// Options.HeaderRow is 0.
func (r *Reader) Header() []string { return r.header }

// Next returns the next non-blank row below the header, or io.EOF after the
// last. Row.Num is the sheet row number and Row.Line is 0. Cells[i] is
// column i+1 (A is 0); a column with no value in this row is an empty Cell,
// and the slice ends at the row's last non-empty cell, so it may be shorter
// than Header. A row is blank when every cell is empty or white space.
// Each Row is newly allocated and the caller's to keep.
//
// Cell values:
//   - text (shared, inline or a formula's text result): Text as stored,
//     with OOXML's _xHHHH_ escapes decoded;
//   - number: Text is the stored number in plain decimal notation and
//     Numeric is true; a stored value with more than 15 significant digits
//     or an exponent is rounded to 15 significant digits, as Excel shows it
//     ("1234.5600000000002" reads "1234.56", "8.4713001E9" "8471300100");
//   - number with a date or time format (built-in formats 14–22, 45–47 and
//     the East Asian date formats 27–36 and 50–58; a custom format with d,
//     m, y, h or s outside quotes and brackets, or an elapsed [h], [m],
//     [s]): IsDate is true, Time is the UTC time in the workbook's date
//     system, rounded to the millisecond, Text is "2006-01-02", or RFC 3339
//     when the value has a time of day or the format shows one, and Numeric
//     is false. A number that cannot be a date (negative, beyond 9999, or
//     1900's phantom 29 February) stays a number;
//   - date cell stored as ISO 8601 text (t="d"): IsDate as above;
//   - boolean: "TRUE" or "FALSE"; error value: its text ("#N/A");
//   - formula: its cached result; "" when the file holds none (written by a
//     program that does not calculate).
//
// After an error other than io.EOF every call returns that error.
func (r *Reader) Next() (*table.Row, error) {
	if r.err != nil {
		return nil, r.err
	}
	for {
		num, err := r.sheet.nextRow()
		if err != nil {
			r.err = err
			return nil, err
		}
		cells, err := r.sheet.readCells(num)
		if err != nil {
			r.err = err
			return nil, err
		}
		row := &table.Row{Num: num, Cells: cells}
		if !row.Blank() {
			return row, nil
		}
	}
}

// Close releases the sheet stream and, for a Reader from OpenFile, the
// file. It is safe to call more than once.
func (r *Reader) Close() error {
	r.err = errClosed
	err := r.sheet.close()
	if r.file != nil {
		if cerr := r.file.Close(); cerr != nil && err == nil {
			err = cerr
		}
		r.file = nil
	}
	return err
}
