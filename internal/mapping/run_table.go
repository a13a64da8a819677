package mapping

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/csvx"
	"github.com/clearway/clearway/internal/table"
	"github.com/clearway/clearway/internal/xlsx"
)

// table maps a CSV file or a workbook sheet: one record per data row and
// record spec.
func (r *run) table() error {
	var tr table.Reader
	switch r.m.Format {
	case FormatCSV:
		c, err := csvx.NewReader(r.in.R, csvx.Options{Delimiter: r.m.CSV.Delimiter, HeaderRow: r.m.CSV.HeaderRow, Encoding: r.m.CSV.Encoding})
		if err != nil {
			r.readError(err)
			return nil
		}
		tr = c
	case FormatXLSX:
		x, err := xlsx.NewReader(r.in.R, xlsx.Options{Sheet: r.m.XLSX.Sheet, HeaderRow: r.m.XLSX.HeaderRow})
		if err != nil {
			r.readError(err)
			return nil
		}
		defer x.Close()
		tr = x
	}
	plans := r.plan()
	headerRow := r.m.CSV.HeaderRow
	if r.m.Format == FormatXLSX {
		headerRow = r.m.XLSX.HeaderRow
	}
	if !r.resolveColumns(plans, tr.Header(), headerRow) {
		return nil
	}
	header := tr.Header()
	var errs []*InputError
	for {
		row, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			r.readError(err)
			return nil
		}
		for _, p := range plans {
			if sw := p.spec.SkipWhen; sw != nil && sw.skip(cellText(row, sw.src, header)) {
				r.res.Skipped++
				continue
			}
			errs = errs[:0]
			for i := range p.fields {
				fp := &p.fields[i]
				errs = r.fillAt(p, i, tableValue(fp, row), func() clearway.Position {
					return clearway.Position{Row: row.Num, Line: row.Line, Column: fp.colName}
				}, errs)
			}
			if len(errs) > 0 {
				r.rowErrors(errs)
				continue
			}
			p.rec.Source = clearway.Position{Row: row.Num, Line: row.Line}
			if err := r.send(&p.rec); err != nil {
				return err
			}
		}
	}
}

// tableValue reads one field's raw value from a row.
func tableValue(fp *fieldPlan, row *table.Row) cellValue {
	if fp.constant {
		return cellValue{text: fp.text}
	}
	if len(fp.cols) == 1 {
		idx := fp.cols[0]
		if idx >= len(row.Cells) {
			return cellValue{}
		}
		c := &row.Cells[idx]
		return cellValue{text: c.Text, numeric: c.Numeric, isDate: c.IsDate, date: c.Time}
	}
	parts := make([]string, 0, len(fp.cols))
	for _, idx := range fp.cols {
		if idx < len(row.Cells) {
			parts = append(parts, strings.TrimSpace(row.Cells[idx].Text))
		}
	}
	return cellValue{text: strings.Join(parts, fp.spec.src.join)}
}

// resolveColumns finds each column a field names in the header. A missing
// column rejects the file: every row would fail the same way.
func (r *run) resolveColumns(plans []*recordPlan, header []string, headerRow int) bool {
	index := map[string]int{}
	for i, h := range header {
		key := normHeader(h)
		if _, dup := index[key]; !dup {
			index[key] = i
		}
	}
	ok := true
	resolve := func(src source) ([]int, bool) {
		switch src.kind {
		case srcCol:
			return []int{src.col - 1}, true
		case srcColumn:
			var cols []int
			for _, name := range src.columns {
				i, found := index[normHeader(name)]
				if !found {
					hint := "the mapping expects this header text"
					if header == nil {
						hint = "the mapping has header_row: 0, so name columns by number (col: N)"
					} else {
						hint = fmt.Sprintf("the header row (row %d) has: %s", headerRow, quoteList(header))
					}
					r.fileError(clearway.Position{Row: headerRow}, fmt.Sprintf("column %q not found in the header", name), hint)
					return nil, false
				}
				cols = append(cols, i)
			}
			return cols, true
		}
		return nil, true
	}
	for _, p := range plans {
		for i := range p.fields {
			cols, good := resolve(p.fields[i].spec.src)
			p.fields[i].cols, ok = cols, ok && good
			if len(cols) > 0 {
				p.fields[i].colName = columnName(cols[0], header)
			}
		}
		if sw := p.spec.SkipWhen; sw != nil {
			if cols, good := resolve(sw.src); good && len(cols) > 0 {
				sw := *sw
				sw.src.col = cols[0] + 1
				sw.src.kind = srcCol
				p.spec = withSkip(p.spec, &sw)
			} else if !good {
				ok = false
			}
		}
	}
	return ok
}

// withSkip returns a copy of spec with a file-specific skip rule, so the
// shared spec is never changed by one file's header.
func withSkip(spec *RecordSpec, sw *SkipWhen) *RecordSpec {
	c := *spec
	c.SkipWhen = sw
	return &c
}

// cellText reads a skip_when source (resolved to a column index) from a row.
func cellText(row *table.Row, src source, header []string) string {
	switch src.kind {
	case srcCol:
		if src.col-1 < len(row.Cells) {
			return row.Cells[src.col-1].Text
		}
	case srcValue:
		return src.value
	}
	return ""
}

func normHeader(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

func columnName(idx int, header []string) string {
	if idx < len(header) && strings.TrimSpace(header[idx]) != "" {
		return strings.TrimSpace(header[idx])
	}
	return fmt.Sprintf("#%d", idx+1)
}

func quoteList(items []string) string {
	q := make([]string, 0, len(items))
	for _, it := range items {
		if strings.TrimSpace(it) != "" {
			q = append(q, fmt.Sprintf("%q", strings.TrimSpace(it)))
		}
	}
	return strings.Join(q, ", ")
}

// readError turns a reader's error into a positioned file-level problem.
func (r *run) readError(err error) {
	var ce *csvx.Error
	var xe *xlsx.Error
	switch {
	case errors.As(err, &ce):
		hint := "fix the quoting on that line: a field with a quote, delimiter or line break must be wrapped in double quotes, and quotes inside doubled"
		switch {
		case strings.Contains(ce.Msg, "UTF-8") || strings.Contains(ce.Msg, "encoding"):
			hint = "save the file as UTF-8, or set csv.encoding (windows-1252, iso-8859-1) in the mapping"
		case !strings.Contains(ce.Msg, "quote"):
			hint = ""
		}
		r.fileError(clearway.Position{Line: ce.Line, Column: columnPos(ce.Column)}, ce.Msg, hint)
	case errors.As(err, &xe):
		r.fileError(clearway.Position{Row: xe.Row, Column: xe.Column}, xe.Msg, "")
	default:
		r.fileError(clearway.Position{}, err.Error(), fmt.Sprintf("this mapping (%s) reads %s files", r.m.Name, r.m.Format))
	}
}

func columnPos(c int) string {
	if c <= 0 {
		return ""
	}
	return fmt.Sprintf("character %d", c)
}
