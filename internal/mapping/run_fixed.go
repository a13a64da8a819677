package mapping

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/fixed"
)

// fixedWidth maps a fixed-width file: one record per line whose record id
// is a spec's for_each; `from:` fields read the nearest preceding line of
// another record type.
func (r *run) fixedWidth() error {
	opts := fixed.Options{RecordLength: r.m.Fixed.RecordLength, RecordID: r.m.Fixed.RecordID}
	if t := r.m.Fixed.Trailer; t != nil {
		opts.Trailer = &fixed.Trailer{Record: t.Record, TotalRecords: t.TotalRecords, Counts: t.Counts}
		if t.Hash != nil {
			opts.Trailer.Hash = &fixed.HashTotal{Record: t.Hash.Record, Field: t.Hash.Field, Total: t.Hash.Total}
		}
	}
	fr, err := fixed.NewReader(r.in.R, opts)
	if err != nil {
		r.readError(err)
		return nil
	}
	plans := r.plan()
	last := map[string]string{} // record id → text of its latest line
	var errs []*InputError
	for {
		line, err := fr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			r.fixedError(err)
			return nil
		}
		for _, p := range plans {
			if p.spec.forEach.id != line.ID {
				continue
			}
			if sw := p.spec.SkipWhen; sw != nil && sw.skip(fixedText(line.Text, sw.src, last)) {
				r.res.Skipped++
				continue
			}
			errs = errs[:0]
			for i := range p.fields {
				fp := &p.fields[i]
				v := cellValue{text: fp.text}
				pos := clearway.Position{Line: line.Num}
				if !fp.constant {
					v.text = fixedText(line.Text, fp.spec.src, last)
					pos.Column = spanText(fp.spec.src)
				}
				errs = r.fill(p, i, v, pos, errs)
			}
			if len(errs) > 0 {
				r.rowErrors(errs)
				continue
			}
			p.rec.Source = clearway.Position{Line: line.Num}
			if err := r.send(&p.rec); err != nil {
				return err
			}
		}
		last[line.ID] = line.Text
	}
}

// fixedText reads a pos source from the line, or from the latest line of
// the `from` record type.
func fixedText(text string, src source, last map[string]string) string {
	if src.kind == srcValue {
		return src.value
	}
	if src.from != "" {
		text = last[src.from]
	}
	if len(src.pos) == 1 {
		return cut(text, src.pos[0])
	}
	parts := make([]string, len(src.pos))
	for i, p := range src.pos {
		parts[i] = strings.TrimSpace(cut(text, p))
	}
	return strings.Join(parts, src.join)
}

func cut(text string, p [2]int) string {
	start, end := p[0]-1, p[1]
	if start >= len(text) {
		return ""
	}
	if end > len(text) {
		end = len(text)
	}
	return text[start:end]
}

func spanText(src source) string {
	var parts []string
	for _, p := range src.pos {
		parts = append(parts, fmt.Sprintf("%d-%d", p[0], p[1]))
	}
	s := "columns " + strings.Join(parts, ", ")
	if src.from != "" {
		s += " of the preceding " + src.from + " record"
	}
	return s
}

func (r *run) fixedError(err error) {
	var fe *fixed.Error
	if !errors.As(err, &fe) {
		r.fileError(clearway.Position{}, err.Error(), "")
		return
	}
	// Several trailer mismatches come joined; report each.
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		for _, e := range joined.Unwrap() {
			r.fixedError(e)
		}
		return
	}
	pos := clearway.Position{Line: fe.Line}
	switch {
	case fe.Column > 0 && fe.EndColumn > fe.Column:
		pos.Column = fmt.Sprintf("columns %d-%d", fe.Column, fe.EndColumn)
	case fe.Column > 0:
		pos.Column = fmt.Sprintf("character %d", fe.Column)
	}
	hint := "each line must be one record of the layout"
	if strings.Contains(fe.Msg, "count") || strings.Contains(fe.Msg, "total") || strings.Contains(fe.Msg, "trailer") {
		hint = "the trailer record's counts and totals must match the records in the file; the file may be incomplete"
	}
	r.fileError(pos, fe.Msg, hint)
}
