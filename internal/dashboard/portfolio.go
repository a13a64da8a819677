package dashboard

import (
	"slices"
	"time"
)

// StateOrder is the lifecycle order states are listed in (DOMAIN.md §4.6).
var StateOrder = []string{"PLANNED", "PRE_ALERTED", "DOCS_INCOMPLETE", "FILE_READY", "SUBMITTED", "REJECTED", "ACCEPTED",
	"ON_HOLD", "EXAM", "RELEASED", "SUMMARY_FILED", "FINALIZED", "REFUSED", "SEIZED", "GENERAL_ORDER", "CANCELLED", "CLOSED"}

// inProgress reports whether an entry in state is still in progress: any
// state but CLOSED and CANCELLED.
func inProgress(state string) bool { return state != "CLOSED" && state != "CANCELLED" }

// portfolio counts the entries in progress now by state, with their age in
// state, and the count per state at the end of each day of the range.
func portfolio(q Query, in *Input) []Section {
	return []Section{portfolioNow(in), portfolioTrend(q, in)}
}

func portfolioNow(in *Input) Section {
	ages := map[string][]float64{}
	who := map[string]map[int64]bool{}
	for i := range in.Shipments {
		s := &in.Shipments[i]
		if !inProgress(s.State) {
			continue
		}
		ages[s.State] = append(ages[s.State], days(in.Now.Sub(s.StateSince)))
		if who[s.State] == nil {
			who[s.State] = map[int64]bool{}
		}
		who[s.State][s.ID] = true
	}
	sec := Section{Key: "by-state", Title: "Entries in progress by state, now",
		Note: "Every shipment not CLOSED or CANCELLED, by its state now; age is the time since it entered that state.",
		Columns: []Column{{"state", "State", ""}, {"count", "Entries", "count"}, {"median_age_days", "Median age in state", "days"},
			{"oldest_age_days", "Oldest", "days"}},
		Chart: Chart{Kind: "bars", Unit: "entries"}}
	counts := Series{Name: "Entries"}
	for _, st := range StateOrder {
		if len(ages[st]) == 0 {
			continue
		}
		sec.Rows = append(sec.Rows, Row{Key: st, Cells: []any{st, len(ages[st]), median(ages[st]), maxOf(ages[st])}, Shipments: ids(who[st])})
		sec.Chart.Labels, sec.Chart.Keys = append(sec.Chart.Labels, st), append(sec.Chart.Keys, st)
		counts.Values = append(counts.Values, float64(len(ages[st])))
	}
	sec.Chart.Series = []Series{counts}
	return sec
}

// portfolioTrend counts, for each UTC day of the range, the entries in
// progress per state at the end of that day (or at the end of the range,
// if sooner), from the state history.
func portfolioTrend(q Query, in *Input) Section {
	days := dayList(q.From, q.To)
	ends := make([]time.Time, len(days))
	for i, d := range days {
		ends[i] = d.AddDate(0, 0, 1)
		if q.To.Before(ends[i]) {
			ends[i] = q.To
		}
	}
	counts := make([]map[string]int, len(days))
	who := make([][]int64, len(days)) // a shipment is in one span at any instant: no duplicates
	for i := range days {
		counts[i] = map[string]int{}
	}
	present := map[string]bool{}
	for _, sp := range in.Spans {
		if !inProgress(sp.State) {
			continue
		}
		// The days whose end the span covers: Since < end ≤ Until.
		first, _ := slices.BinarySearchFunc(ends, sp.Since, func(e, t time.Time) int {
			if e.After(t) {
				return 1
			}
			return -1
		})
		for i := first; i < len(ends) && (sp.Until.IsZero() || sp.Until.After(ends[i])); i++ {
			counts[i][sp.State]++
			who[i] = append(who[i], sp.Shipment)
			present[sp.State] = true
		}
	}
	return trendSection(days, counts, who, present)
}

func trendSection(days []time.Time, counts []map[string]int, who [][]int64, present map[string]bool) Section {
	var states []string
	for _, st := range StateOrder {
		if present[st] {
			states = append(states, st)
		}
	}
	sec := Section{Key: "trend", Title: "Entries in progress per state, day by day",
		Note:    "For each day (UTC), the entries in each state at the end of the day, as Clearway showed them then.",
		Columns: []Column{{"day", "Day", ""}}, Chart: Chart{Kind: "lines", Unit: "entries"}}
	for _, st := range states {
		sec.Columns = append(sec.Columns, Column{st, st, "count"})
		sec.Chart.Series = append(sec.Chart.Series, Series{Name: st, Values: make([]float64, len(days))})
	}
	for i, d := range days {
		day := d.Format(time.DateOnly)
		cells := []any{day}
		for j, st := range states {
			cells = append(cells, counts[i][st])
			sec.Chart.Series[j].Values[i] = float64(counts[i][st])
		}
		slices.Sort(who[i])
		sec.Rows = append(sec.Rows, Row{Key: day, Cells: cells, Shipments: who[i]})
		sec.Chart.Labels = append(sec.Chart.Labels, day)
	}
	return sec
}

// dayList returns the UTC days that [from, to) touches.
func dayList(from, to time.Time) []time.Time {
	var out []time.Time
	from = from.UTC()
	d := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	for d.Before(to) && len(out) < 400 {
		out = append(out, d)
		d = d.AddDate(0, 0, 1)
	}
	return slices.Clip(out)
}
