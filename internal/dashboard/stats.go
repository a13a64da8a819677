package dashboard

import (
	"math"
	"slices"
	"time"
)

// median is the middle value (the mean of the two middle ones for an even
// count), nil for no values.
func median(v []float64) any {
	if len(v) == 0 {
		return nil
	}
	s := slices.Sorted(slices.Values(v))
	n := len(s)
	if n%2 == 1 {
		return round1(s[n/2])
	}
	return round1((s[n/2-1] + s[n/2]) / 2)
}

// p90 is the 90th percentile by the nearest-rank method: the value at rank
// ⌈0.9·n⌉ of the sorted values (so with 10 values, the 9th), nil for none.
func p90(v []float64) any {
	if len(v) == 0 {
		return nil
	}
	s := slices.Sorted(slices.Values(v))
	rank := int(math.Ceil(0.9 * float64(len(s))))
	return round1(s[rank-1])
}

// maxOf is the largest value, nil for none.
func maxOf(v []float64) any {
	if len(v) == 0 {
		return nil
	}
	return round1(slices.Max(v))
}

// hours is d in hours.
func hours(d time.Duration) float64 { return d.Hours() }

// days is d in days.
func days(d time.Duration) float64 { return d.Hours() / 24 }

// pct is 100·n/of to one decimal, nil when of is 0.
func pct(n, of int) any {
	if of == 0 {
		return nil
	}
	return round1(100 * float64(n) / float64(of))
}

// per100 is n per 100 of, to one decimal, nil when of is 0.
func per100(n, of int) any { return pct(n, of) }

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// Number is a cell's numeric value, as charts and sorting read it (a
// string or nil is 0).
func Number(c any) float64 {
	switch v := c.(type) {
	case int:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

// inRange reports whether t lies in [from, to).
func inRange(t, from, to time.Time) bool {
	return !t.IsZero() && !t.Before(from) && t.Before(to)
}

// ids lists the ids of a set in ascending order.
func ids(set map[int64]bool) []int64 {
	out := make([]int64, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// partiesOf returns the partners of role among a shipment's parties.
func partiesOf(s *Shipment, roles map[string]string, role string) []Party {
	var out []Party
	for _, p := range s.Parties {
		if roles[p.Partner] == role {
			out = append(out, p)
		}
	}
	return out
}

// onlyOwn reports whether the query asks for a partner of role: then the
// rows about partners of that role are its own alone (the shipments are
// already limited to those it is party to).
func onlyOwn(q Query, in *Input, role string) bool {
	return q.Partner != "" && in.Roles[q.Partner] == role
}
