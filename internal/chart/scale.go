package chart

import (
	"math"
	"strconv"
	"strings"
)

// niceTicks returns axis ticks from 0 to at least max in equal steps of 1, 2,
// 2.5 or 5 × 10^n, 4 to 6 of them. When integral (counts), a fractional step
// is passed over for the next whole one, so that an axis of shipments reads
// 0, 5, 10, 15 rather than 0, 2.5, …, 12.5, and 0, 1, 2 rather than 0, 0.5,
// …, 2 (fewer ticks, but no half shipments). A max
// of 0 or less gives the ticks for 1; a max beyond 1e300 is treated as 1e300
// so that ticks stay finite.
func niceTicks(max float64, integral bool) []float64 {
	switch {
	case !(max > 0):
		max = 1
	case max > 1e300:
		max = 1e300
	}
	var first []float64
	for exp := int(math.Floor(math.Log10(max))) - 2; ; exp++ {
		for _, mult := range []float64{1, 2, 2.5, 5} {
			intervals := math.Ceil(max/(mult*math.Pow10(exp)) - 1e-9)
			if intervals > 5 {
				continue
			}
			ticks := ticksOf(int(intervals), mult, exp)
			if first == nil {
				first = ticks
			}
			switch {
			case integral && ticks[1] == math.Trunc(ticks[1]):
				return ticks
			case !integral:
				return first
			}
		}
	}
}

// ticksOf builds 0, mult×10^exp, … with intervals steps, dividing by a power
// of ten for small steps so that 3 × 0.1 is 0.3, not 0.30000000000000004.
func ticksOf(intervals int, mult float64, exp int) []float64 {
	if intervals < 1 {
		intervals = 1
	}
	ticks := make([]float64, intervals+1)
	for i := range ticks {
		if exp < 0 {
			ticks[i] = float64(i) * mult / math.Pow10(-exp)
		} else {
			ticks[i] = float64(i) * mult * math.Pow10(exp)
		}
	}
	return ticks
}

// compact formats a value for a tick or a bar end: three significant digits
// at most, integers without decimals, thousands as k, M, B, T (1200 → "1.2k").
func compact(v float64) string {
	if v < 0 {
		return "-" + compact(-v)
	}
	r := roundSig(v, 3)
	for _, u := range []struct {
		div    float64
		suffix string
	}{{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "k"}} {
		if r >= u.div {
			return strconv.FormatFloat(roundSig(r/u.div, 3), 'f', -1, 64) + u.suffix
		}
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// plain formats a value in full for descriptions and hover titles, where
// screen readers read it aloud: whole numbers exactly, others to two
// decimals (three significant digits below 1).
func plain(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) < 1:
		return strconv.FormatFloat(roundSig(v, 3), 'f', -1, 64)
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// withUnit is "12 shipments", or "12% of files" when the unit starts with %.
func withUnit(v float64, unit string) string {
	unit = strings.TrimSpace(unit)
	switch {
	case unit == "":
		return plain(v)
	case strings.HasPrefix(unit, "%"):
		return plain(v) + unit
	}
	return plain(v) + " " + unit
}

// roundSig rounds v to n significant digits.
func roundSig(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', n, 64), 64)
	if err != nil { // FormatFloat output always parses
		return v
	}
	return r
}
