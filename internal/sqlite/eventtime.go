package sqlite

import (
	"fmt"
	"time"

	"github.com/clearway/clearway/internal/clearway"
)

// readStatusTime reads a status event's `at`: RFC 3339, or a date without
// a time (an X12 350 mapped with type: date), which is the start of that
// day in the sending partner's zone. Anything else is an error at the
// record's position, never a zero time.
func readStatusTime(at string, loc *time.Location, src clearway.Position) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, at); err == nil {
		return t, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	if t, err := time.ParseInLocation("2006-01-02", at, loc); err == nil {
		return t, nil
	}
	if at == "" {
		return time.Time{}, &RecordError{Source: src, Msg: "status_event needs at (when the status was posted)"}
	}
	return time.Time{}, &RecordError{Source: src, Msg: fmt.Sprintf("status_event at %q is not a date or time (want RFC 3339 such as 2026-03-21T08:12:00Z, or a date 2026-03-21)", at)}
}

// statusTime is readStatusTime in the form the store keeps (RFC 3339, UTC).
func statusTime(at string, loc *time.Location, src clearway.Position) (string, error) {
	t, err := readStatusTime(at, loc, src)
	if err != nil {
		return "", err
	}
	return t.UTC().Format(time.RFC3339), nil
}

// normaliseStatusTime rewrites a status event's `at` in place to the
// stored form, dropping a pre-encoded row that no longer matches.
func (in *Ingest) normaliseStatusTime(r *recView) error {
	rules, err := in.db.rules()
	if err != nil {
		return err
	}
	for i, n := range r.names {
		if n != "at" {
			continue
		}
		at, err := statusTime(r.values[i], rules.Timezones[in.file.Partner], r.source)
		if err != nil {
			return err
		}
		if at != r.values[i] {
			values := append([]string(nil), r.values...)
			values[i] = at
			r.values, r.fields = values, ""
		}
		return nil
	}
	_, err = statusTime("", nil, r.source)
	return err
}
