package fixed

import (
	"cmp"
	"fmt"
	"slices"
)

// MaxRecordLength bounds Options.RecordLength; real layouts are 80 to a few
// hundred characters.
const MaxRecordLength = 1 << 16

// Options are a mapping's `fixed:` settings, plus the trailer checks of the
// layout.
type Options struct {
	// RecordLength is the length every record is padded to, e.g. 80.
	// Required.
	RecordLength int
	// RecordID holds the 1-based inclusive positions of the record id; the
	// zero value means [1, 2].
	RecordID [2]int
	// Trailer, when set, is checked once the whole file has been read.
	Trailer *Trailer
}

// Trailer describes the record that closes a file and the counts it carries,
// which must agree with the file (a mismatch rejects the file).
type Trailer struct {
	// Record is the trailer's record id, e.g. "T9".
	Record string
	// TotalRecords holds the positions of the count of every record in the
	// file, header and trailer included; the zero value means not checked.
	// This and the other checks cover the records up to the trailer;
	// records after it are an error of their own.
	TotalRecords [2]int
	// Counts maps a record id to the positions of that record type's count,
	// e.g. {"S1": {19, 25}, "L1": {26, 32}}.
	Counts map[string][2]int
	// Hash, when set, is a hash total to check.
	Hash *HashTotal
}

// HashTotal is a control sum: the integers at Field over all Record lines
// must add up to the integer at Total in the trailer. Values may have leading
// zeros or spaces and a leading sign; an all-blank value counts as 0.
type HashTotal struct {
	// Record is the id of the records summed, e.g. "L1".
	Record string
	// Field holds the positions of the value summed in each such record.
	Field [2]int
	// Total holds the positions of the expected sum in the trailer.
	Total [2]int
}

// span is a validated 1-based inclusive position range.
type span struct{ start, end int }

func (s span) String() string {
	if s.start == s.end {
		return fmt.Sprintf("column %d", s.start)
	}
	return fmt.Sprintf("columns %d-%d", s.start, s.end)
}

// countCheck is one record type's count in the trailer and its tally.
type countCheck struct {
	id  string
	pos span
	n   int
}

// layout is Options checked and resolved.
type layout struct {
	length  int
	id      span
	trailer string // "" when there are no trailer checks
	total   span   // zero when not checked
	counts  []countCheck
	hash    *hashCheck
}

// hashCheck is HashTotal resolved.
type hashCheck struct {
	record string
	field  span
	total  span
}

// resolve validates opt and fills in defaults.
func resolve(opt Options) (layout, error) {
	l := layout{length: opt.RecordLength}
	if opt.RecordLength <= 0 || opt.RecordLength > MaxRecordLength {
		return l, fmt.Errorf("fixed record_length %d: use a length from 1 to %d, e.g. 80", opt.RecordLength, MaxRecordLength)
	}
	idPos := opt.RecordID
	if idPos == ([2]int{}) {
		idPos = [2]int{1, 2}
	}
	var err error
	if l.id, err = l.span("record_id", idPos); err != nil {
		return l, err
	}
	t := opt.Trailer
	if t == nil {
		return l, nil
	}
	if err := l.checkID("trailer record", t.Record); err != nil {
		return l, err
	}
	l.trailer = t.Record
	if t.TotalRecords != ([2]int{}) {
		if l.total, err = l.span("trailer total records", t.TotalRecords); err != nil {
			return l, err
		}
	}
	for id, pos := range t.Counts {
		if err := l.checkID("trailer count", id); err != nil {
			return l, err
		}
		s, err := l.span(fmt.Sprintf("trailer count of %s", id), pos)
		if err != nil {
			return l, err
		}
		l.counts = append(l.counts, countCheck{id: id, pos: s})
	}
	// Report mismatches in the order the trailer holds the counts.
	slices.SortFunc(l.counts, func(a, b countCheck) int {
		return cmp.Or(cmp.Compare(a.pos.start, b.pos.start), cmp.Compare(a.id, b.id))
	})
	if h := t.Hash; h != nil {
		if err := l.checkID("hash total record", h.Record); err != nil {
			return l, err
		}
		hc := &hashCheck{record: h.Record}
		if hc.field, err = l.span("hash total field", h.Field); err != nil {
			return l, err
		}
		if hc.total, err = l.span("hash total", h.Total); err != nil {
			return l, err
		}
		l.hash = hc
	}
	return l, nil
}

// span checks that pos lies inside the record.
func (l layout) span(what string, pos [2]int) (span, error) {
	s := span{pos[0], pos[1]}
	if s.start < 1 || s.end < s.start || s.end > l.length {
		return s, fmt.Errorf("fixed %s positions [%d, %d]: want 1 ≤ start ≤ end ≤ the record length %d", what, pos[0], pos[1], l.length)
	}
	return s, nil
}

// checkID checks that id can match a record id, which Line.ID holds without
// surrounding spaces.
func (l layout) checkID(what, id string) error {
	width := l.id.end - l.id.start + 1
	switch {
	case id == "":
		return fmt.Errorf("fixed %s: record id is empty", what)
	case len(id) > width:
		return fmt.Errorf("fixed %s %q: longer than the record id's %d characters", what, id, width)
	case id[0] == ' ' || id[len(id)-1] == ' ':
		return fmt.Errorf("fixed %s %q: record ids are compared without surrounding spaces", what, id)
	}
	return nil
}
