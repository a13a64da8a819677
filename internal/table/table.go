// Package table holds the row types that the tabular readers (csvx, xlsx)
// produce and the mapping engine consumes, so neither depends on the other.
package table

import "time"

// Row is one data row of a table, after the header row.
type Row struct {
	// Num is the 1-based row number as a person sees it: the sheet row in a
	// workbook, the record number in a CSV (header and rows above it counted).
	Num int
	// Line is the 1-based physical line where a CSV record starts (a quoted
	// field may span lines); 0 for workbooks.
	Line  int
	Cells []Cell
}

// Cell is one cell's value. Text is what the file holds (for a workbook: the
// raw value, not the display format); Numeric marks a spreadsheet number
// cell, whose text may have lost leading zeros; IsDate marks a cell that is
// a real spreadsheet date, with its value in Time.
type Cell struct {
	Text    string
	Numeric bool
	IsDate  bool
	Time    time.Time
}

// Reader is what the mapping engine reads a table through.
type Reader interface {
	// Header returns the header row's texts (nil when the table has none).
	Header() []string
	// Next returns the next non-empty data row, or io.EOF.
	Next() (*Row, error)
}

// Blank reports whether every cell of the row is empty or white space.
func (r *Row) Blank() bool {
	for _, c := range r.Cells {
		for _, ch := range c.Text {
			if ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n' && ch != '\u00a0' {
				return false
			}
		}
	}
	return true
}
