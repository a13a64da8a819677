package fixed

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// maxHashErrors bounds how many unreadable hash values are listed one by one.
const maxHashErrors = 10

// tally accumulates what the trailer is checked against while the file is
// read.
type tally struct {
	lay     *layout // its counts hold the running counts
	records int
	trailer *Line // the first trailer record
	after   *Line // the first record after it
	afterN  int

	hashSum      int64
	hashOverflow bool
	hashBad      []error
	hashBadN     int
}

// add counts one record. Records after the trailer are reported as such and
// left out of the counts, which describe what precedes the trailer, so that
// two files run together give one clear error rather than a cascade.
func (t *tally) add(l *Line) {
	if t.trailer != nil {
		if t.after == nil {
			t.after = l
		}
		t.afterN++
		return
	}
	if l.ID == t.lay.trailer {
		t.trailer = l
	}
	t.records++
	for i := range t.lay.counts {
		if t.lay.counts[i].id == l.ID {
			t.lay.counts[i].n++
		}
	}
	if h := t.lay.hash; h != nil && l.ID == h.record {
		t.addHash(l, h)
	}
}

// addHash adds one record's hash field to the sum.
func (t *tally) addHash(l *Line, h *hashCheck) {
	raw := l.Field(h.field.start, h.field.end)
	v, ok := parseSigned(raw)
	if !ok {
		t.hashBadN++
		if len(t.hashBad) < maxHashErrors {
			t.hashBad = append(t.hashBad, fieldError(l, h.field, "hash field",
				fmt.Sprintf("%q is not a whole number, so the %s hash total cannot be checked", strings.TrimSpace(raw), t.lay.trailer)))
		}
		return
	}
	if (v > 0 && t.hashSum > math.MaxInt64-v) || (v < 0 && t.hashSum < math.MinInt64-v) {
		t.hashOverflow = true
	}
	t.hashSum += v
}

// check compares the trailer with the file once it has been read; last is
// the line number of the last record (0 for an empty file).
func (t *tally) check(last int) error {
	id := t.lay.trailer
	tr := t.trailer
	if tr == nil {
		if last == 0 {
			return &Error{Msg: fmt.Sprintf("the file is empty: it has no %s trailer record", id)}
		}
		return &Error{Line: last, Msg: fmt.Sprintf("the file ends without a %s trailer record (was it cut short?)", id)}
	}
	var errs []error
	if t.after != nil {
		msg := fmt.Sprintf("record after the %s trailer on line %d; the trailer must be the last record", id, tr.Num)
		if t.afterN > 1 {
			msg += fmt.Sprintf(" (%d records follow it)", t.afterN)
		}
		errs = append(errs, &Error{Line: t.after.Num, Record: t.after.ID, Msg: msg})
	}
	if s := t.lay.total; s.start > 0 {
		errs = append(errs, compareCount(tr, s, "total records", "total record count", t.records, "records in the file"))
	}
	for _, c := range t.lay.counts {
		what := c.id + " count"
		errs = append(errs, compareCount(tr, c.pos, what, what, c.n, c.id+" records in the file"))
	}
	if h := t.lay.hash; h != nil {
		errs = append(errs, t.checkHash(tr, h)...)
	}
	errs = slices.DeleteFunc(errs, func(err error) bool { return err == nil })
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}

// compareCount checks a count in the trailer against the tally, returning
// nil when they agree.
func compareCount(tr *Line, s span, field, what string, got int, of string) error {
	raw := tr.Field(s.start, s.end)
	want, ok := parseCount(raw)
	if !ok {
		return fieldError(tr, s, field, fmt.Sprintf("%s %q is not a number", what, strings.TrimSpace(raw)))
	}
	if want != int64(got) {
		return fieldError(tr, s, field, fmt.Sprintf("%s %d does not match %d %s", what, want, got, of))
	}
	return nil
}

// checkHash checks the hash total: it cannot be checked when a value is
// unreadable or the sum overflows, which is reported instead.
func (t *tally) checkHash(tr *Line, h *hashCheck) []error {
	if t.hashBadN > 0 {
		errs := t.hashBad
		if more := t.hashBadN - len(t.hashBad); more > 0 {
			errs = append(errs, fieldError(tr, h.total, "hash total",
				fmt.Sprintf("%d more %s records have a hash field that is not a whole number", more, h.record)))
		}
		return errs
	}
	of := fmt.Sprintf("the sum of %s %s", h.record, h.field)
	if t.hashOverflow {
		return []error{fieldError(tr, h.total, "hash total", fmt.Sprintf("hash total cannot be checked: %s is too large", of))}
	}
	raw := tr.Field(h.total.start, h.total.end)
	want, ok := parseSigned(raw)
	if !ok || strings.TrimSpace(raw) == "" {
		return []error{fieldError(tr, h.total, "hash total", fmt.Sprintf("hash total %q is not a whole number", strings.TrimSpace(raw)))}
	}
	if want != t.hashSum {
		return []error{fieldError(tr, h.total, "hash total", fmt.Sprintf("hash total %d does not match %d, %s", want, t.hashSum, of))}
	}
	return nil
}

// parseCount reads a count: digits, with leading zeros or spaces.
func parseCount(s string) (int64, bool) {
	s = strings.Trim(s, " ")
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// parseSigned reads a hash value: digits with leading zeros or spaces and
// an optional leading sign; all blank is 0.
func parseSigned(s string) (int64, bool) {
	s = strings.Trim(s, " ")
	if s == "" {
		return 0, true
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}
