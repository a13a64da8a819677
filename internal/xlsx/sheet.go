package xlsx

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/clearway/clearway/internal/table"
)

// Excel's sheet size limits.
const (
	maxRows    = 1 << 20 // 1,048,576
	maxColumns = 1 << 14 // 16,384, column XFD
)

// sheetStream tokenizes a worksheet part one row at a time.
type sheetStream struct {
	rc       io.ReadCloser
	dec      *xml.Decoder
	sst      *sharedStrings
	formats  []uint8 // fmtDate/fmtTime flags by cell style index
	date1904 bool

	inData  bool // inside <sheetData>
	done    bool // past </sheetData>
	lastRow int  // number of the last <row> started
	width   int  // widest row so far, to size the next row's cells

	vbuf []byte // <v> text of the current cell
	tbuf []byte // inline string text of the current cell
}

func newSheetStream(rc io.ReadCloser, sst *sharedStrings, formats []uint8, date1904 bool) *sheetStream {
	return &sheetStream{rc: rc, dec: newDecoder(rc), sst: sst, formats: formats, date1904: date1904}
}

// close releases the part's inflater; it is safe to call more than once.
func (s *sheetStream) close() error {
	if s.rc == nil {
		return nil
	}
	err := s.rc.Close()
	s.rc = nil
	return err
}

// fail wraps a read error as an *Error at row (0 when before any row).
func (s *sheetStream) fail(row int, col string, err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return &Error{Row: row, Column: col, Msg: "read sheet data: " + err.Error(), err: err}
}

// nextRow advances to the next <row> of the sheet data and returns its
// number, or io.EOF after the last. The caller must then consume the row
// with readCells or skipRow.
func (s *sheetStream) nextRow() (int, error) {
	if s.done {
		return 0, io.EOF
	}
	for {
		tok, err := s.dec.RawToken()
		if errors.Is(err, io.EOF) && !s.inData {
			// A worksheet without sheetData holds no rows.
			s.done = true
			return 0, io.EOF
		}
		if err != nil {
			return 0, s.fail(s.lastRow, "", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case !s.inData && t.Name.Local == "sheetData":
				s.inData = true
			case s.inData && t.Name.Local == "row":
				return s.startRow(t)
			case s.inData:
				if err := s.skip(); err != nil {
					return 0, s.fail(s.lastRow, "", err)
				}
			}
		case xml.EndElement:
			if !s.inData {
				continue
			}
			if t.Name.Local != "sheetData" {
				return 0, s.fail(s.lastRow, "", unexpectedEnd(t, "sheetData"))
			}
			s.done = true
			return 0, s.finish()
		}
	}
}

// unexpectedEnd reports an end tag that does not close the open element.
func unexpectedEnd(t xml.EndElement, open string) error {
	return fmt.Errorf("malformed XML: </%s> closes <%s>", t.Name.Local, open)
}

// finish reads the rest of the part after the sheet data, so that the ZIP
// reader verifies the part's checksum, and returns io.EOF or the error.
func (s *sheetStream) finish() error {
	for {
		_, err := s.dec.RawToken()
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		if err != nil {
			return s.fail(s.lastRow, "", err)
		}
	}
}

// startRow reads a <row> element's number: its r attribute, or the row
// after the previous one.
func (s *sheetStream) startRow(t xml.StartElement) (int, error) {
	num := s.lastRow + 1
	for _, a := range t.Attr {
		if a.Name.Local != "r" {
			continue
		}
		n, err := strconv.Atoi(a.Value)
		if err != nil || n < 1 {
			return 0, &Error{Row: num, Msg: fmt.Sprintf("bad row number %q", a.Value)}
		}
		num = n
	}
	if num > maxRows {
		return 0, &Error{Row: num, Msg: fmt.Sprintf("row number beyond Excel's last row (%d)", maxRows)}
	}
	if num <= s.lastRow {
		return 0, &Error{Row: num, Msg: fmt.Sprintf("rows out of order: row %d comes after row %d", num, s.lastRow)}
	}
	s.lastRow = num
	return num, nil
}

// skipRow consumes the current row without reading its cells.
func (s *sheetStream) skipRow(num int) error {
	if err := s.skip(); err != nil {
		return s.fail(num, "", err)
	}
	return nil
}

// skip consumes the rest of the element whose start was just read. The
// decoder's RawToken, used for speed, does not match end tags to start tags;
// skip counts depth, and the elements the stream reads are checked where
// they close.
func (s *sheetStream) skip() error {
	for depth := 1; depth > 0; {
		tok, err := s.dec.RawToken()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// readCells consumes the current row and returns its cells aligned to
// columns, up to the last non-empty one.
func (s *sheetStream) readCells(num int) ([]table.Cell, error) {
	cells := make([]table.Cell, 0, s.width)
	col := 0 // 1-based column of the previous cell
	for {
		tok, err := s.dec.RawToken()
		if err != nil {
			return nil, s.fail(num, "", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				if err := s.skip(); err != nil {
					return nil, s.fail(num, "", err)
				}
				continue
			}
			cell, c, err := s.readCell(num, col, t)
			if err != nil {
				return nil, err
			}
			col = c
			if cell.Text == "" && !cell.IsDate {
				continue
			}
			if col > len(cells) {
				// Cells past len were never written, so they are empty.
				cells = slices.Grow(cells, col-len(cells))[:col]
			}
			cells[col-1] = cell
		case xml.EndElement:
			if t.Name.Local != "row" {
				return nil, s.fail(num, "", unexpectedEnd(t, "row"))
			}
			s.width = max(s.width, len(cells))
			return cells, nil
		}
	}
}

// readCell reads one <c> element: its column (from r, or the one after
// prev) and its value.
func (s *sheetStream) readCell(num, prev int, start xml.StartElement) (table.Cell, int, error) {
	var ref, typ string
	style := 0
	for _, a := range start.Attr {
		switch a.Name.Local {
		case "r":
			ref = a.Value
		case "s":
			if n, err := strconv.Atoi(a.Value); err == nil {
				style = n
			}
		case "t":
			typ = a.Value
		}
	}
	col := prev + 1
	if ref != "" {
		c, ok := columnOf(ref)
		if !ok {
			return table.Cell{}, 0, &Error{Row: num, Msg: fmt.Sprintf("bad cell reference %q", ref)}
		}
		col = c
	}
	if col > maxColumns {
		return table.Cell{}, 0, &Error{Row: num, Msg: fmt.Sprintf("cell beyond Excel's last column (%s)", columnName(maxColumns))}
	}
	if err := s.readCellContent(); err != nil {
		return table.Cell{}, 0, s.fail(num, columnName(col), err)
	}
	cell, err := s.cellValue(typ, style)
	if err != nil {
		return table.Cell{}, 0, &Error{Row: num, Column: columnName(col), Msg: err.Error()}
	}
	return cell, col, nil
}

// readCellContent collects the text of the current cell's <v> into vbuf and
// of its inline string <is> into tbuf, up to </c>. Formulas, phonetic
// guides and extensions are skipped.
func (s *sheetStream) readCellContent() error {
	s.vbuf, s.tbuf = s.vbuf[:0], s.tbuf[:0]
	var inV, inIS, inT bool
	for {
		tok, err := s.dec.RawToken()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				inV = true
			case "is":
				inIS = true
			case "t":
				inT = inIS
			case "r": // a rich-text run inside <is>: its <t> is read
			default: // f, rPh, rPr, extLst, …
				if err := s.skip(); err != nil {
					return err
				}
			}
		case xml.CharData:
			switch {
			case inV:
				s.vbuf = append(s.vbuf, t...)
			case inT:
				s.tbuf = append(s.tbuf, t...)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "c":
				switch {
				case inV:
					return unexpectedEnd(t, "v")
				case inIS:
					return unexpectedEnd(t, "is")
				}
				return nil
			case "v":
				inV = false
			case "is":
				inIS = false
			case "t":
				inT = false
			case "r":
			default:
				return unexpectedEnd(t, "c")
			}
		}
	}
}

// cellValue turns the collected content of a cell of type typ and style
// index style into a Cell.
func (s *sheetStream) cellValue(typ string, style int) (table.Cell, error) {
	switch typ {
	case "s":
		v := bytes.TrimSpace(s.vbuf)
		if len(v) == 0 {
			return table.Cell{}, nil
		}
		i, ok := atoi(v)
		if !ok || i >= s.sst.len() {
			return table.Cell{}, fmt.Errorf("shared string index %q out of range (the table has %d)", v, s.sst.len())
		}
		return table.Cell{Text: s.sst.get(i)}, nil
	case "inlineStr":
		if len(s.tbuf) == 0 {
			return table.Cell{Text: decodeEscapes(string(s.vbuf))}, nil
		}
		return table.Cell{Text: decodeEscapes(string(s.tbuf))}, nil
	case "str":
		return table.Cell{Text: decodeEscapes(string(s.vbuf))}, nil
	case "b":
		switch string(bytes.TrimSpace(s.vbuf)) {
		case "1", "true":
			return table.Cell{Text: "TRUE"}, nil
		case "0", "false":
			return table.Cell{Text: "FALSE"}, nil
		}
		return table.Cell{Text: string(s.vbuf)}, nil
	case "e":
		return table.Cell{Text: string(s.vbuf)}, nil
	case "d":
		v := strings.TrimSpace(string(s.vbuf))
		if t, showTime, ok := isoDate(v); ok {
			return table.Cell{Text: dateText(t, showTime), IsDate: true, Time: t}, nil
		}
		return table.Cell{Text: v}, nil
	}
	// "n" or absent: a number.
	v := bytes.TrimSpace(s.vbuf)
	if len(v) == 0 {
		return table.Cell{}, nil
	}
	text, numeric := numberText(string(v))
	if !numeric {
		return table.Cell{Text: text}, nil
	}
	if style >= 0 && style < len(s.formats) && s.formats[style]&fmtDate != 0 {
		f, err := strconv.ParseFloat(text, 64)
		if err == nil {
			if t, ok := serialTime(f, s.date1904); ok {
				return table.Cell{Text: dateText(t, s.formats[style]&fmtTime != 0), IsDate: true, Time: t}, nil
			}
		}
	}
	return table.Cell{Text: text, Numeric: true}, nil
}

// atoi parses a non-negative decimal index without allocating.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// columnOf returns the 1-based column of a cell reference such as "C12"
// (letters, then an optional row number).
func columnOf(ref string) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref) && i < 4; i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
	}
	if i == 0 || col > maxColumns {
		return 0, false
	}
	for _, c := range []byte(ref[i:]) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	return col, true
}

// columnName returns the letters of a 1-based column: 1 is "A", 27 "AA".
func columnName(col int) string {
	var b [4]byte
	i := len(b)
	for col > 0 {
		col--
		i--
		b[i] = byte('A' + col%26)
		col /= 26
	}
	return string(b[i:])
}
