package xlsx

import (
	"math"
	"strconv"
	"time"
)

// maxSignificant is how many significant digits Excel keeps and shows.
const maxSignificant = 15

// numberText returns the text of a number cell's stored value and whether
// it is a number. A plain decimal with at most 15 significant digits, which
// is what Excel writes, is returned as stored; anything else that parses
// (an exponent, floating-point noise such as 1234.5600000000002) is rounded
// to 15 significant digits and written in plain decimal notation.
func numberText(v string) (string, bool) {
	if plainDecimal(v) {
		return v, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v, false
	}
	f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', maxSignificant, 64), 64)
	if f == 0 {
		return "0", true // also for -0
	}
	return strconv.FormatFloat(f, 'f', -1, 64), true
}

// plainDecimal reports whether v is -?(0|[1-9][0-9]*)(\.[0-9]*[1-9])? with
// at most 15 significant digits: a number already in canonical form.
func plainDecimal(v string) bool {
	i := 0
	if i < len(v) && v[i] == '-' {
		i++
	}
	if i == len(v) {
		return false
	}
	digits := 0
	leading := true // no significant digit yet
	if v[i] == '0' {
		i++
	} else {
		for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
			digits++
			leading = false
		}
		if digits == 0 {
			return false
		}
	}
	if i < len(v) {
		if v[i] != '.' || i+1 == len(v) || v[len(v)-1] == '0' {
			return false
		}
		for i++; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' {
				return false
			}
			if v[i] != '0' || !leading {
				digits++
				leading = false
			}
		}
	}
	if v == "-0" {
		return false
	}
	return digits <= maxSignificant
}

// Date serial limits: 9999-12-31 in each date system.
const (
	maxSerial1900 = 2958465
	maxSerial1904 = 2957003
)

var (
	epoch1900 = time.Date(1899, time.December, 30, 0, 0, 0, 0, time.UTC) // serial 0 for serials ≥ 61
	epoch1904 = time.Date(1904, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// serialTime converts a date serial to a time in UTC, rounded to the
// millisecond. In the 1900 system serial 1 is 1900-01-01 and 60 is the 29
// February 1900 that Excel counts (after Lotus 1-2-3) but that never
// existed, so serials from 61 on are one day ahead of a plain count; serial
// 0 (a time of day alone) is 1899-12-31. In the 1904 system serial 0 is
// 1904-01-01. ok is false for a serial that is no date: negative, after
// 9999-12-31, or 1900's serial 60.
func serialTime(serial float64, date1904 bool) (t time.Time, ok bool) {
	maxSerial := float64(maxSerial1900)
	if date1904 {
		maxSerial = maxSerial1904
	}
	if math.IsNaN(serial) || serial < 0 || serial >= maxSerial+1 {
		return time.Time{}, false
	}
	days := math.Floor(serial)
	ms := int64(math.Round((serial - days) * 86_400_000))
	d := int(days)
	if ms >= 86_400_000 {
		d, ms = d+1, 0
	}
	base := epoch1904
	if !date1904 {
		switch {
		case d == 60:
			return time.Time{}, false
		case d < 60:
			base = epoch1900.AddDate(0, 0, 1)
		default:
			base = epoch1900
		}
	}
	if !date1904 && d > maxSerial1900 || date1904 && d > maxSerial1904 {
		return time.Time{}, false
	}
	return base.AddDate(0, 0, d).Add(time.Duration(ms) * time.Millisecond), true
}

// dateText renders a date cell's Text: the ISO date, or RFC 3339 with
// milliseconds when present if the value has a time of day or the format
// shows one.
func dateText(t time.Time, showTime bool) string {
	if !showTime && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.Format("2006-01-02T15:04:05.999Z07:00")
}

// isoLayouts are the forms a t="d" cell's ISO 8601 value takes, with
// whether each has a time.
var isoLayouts = []struct {
	layout   string
	showTime bool
}{
	{"2006-01-02T15:04:05.999999999Z07:00", true},
	{"2006-01-02T15:04:05.999999999", true},
	{"2006-01-02T15:04", true},
	{time.DateOnly, false},
}

// isoDate parses the value of a t="d" cell.
func isoDate(v string) (time.Time, bool, bool) {
	for _, l := range isoLayouts {
		if t, err := time.Parse(l.layout, v); err == nil {
			return t, l.showTime, true
		}
	}
	return time.Time{}, false, false
}
