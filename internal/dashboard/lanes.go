package dashboard

import (
	"cmp"
	"slices"
)

// laneRow gathers one lane's exceptions.
type laneRow struct {
	shipments                map[int64]bool
	findings, reviews, holds int
	rules                    map[string]int
}

// exceptionsByLane compares lanes by the exceptions of the shipments
// created in the range: their findings now, the reviews and the holds or
// exams they ever had, each also per 100 shipments of the lane.
func exceptionsByLane(q Query, in *Input) []Section {
	lanes := map[string]*laneRow{}
	laneOf := map[int64]string{}
	rules := map[string]map[int64]bool{}
	kinds := map[string]map[int64]bool{}
	kindCount := map[string]int{}
	cohort := 0
	for i := range in.Shipments {
		s := &in.Shipments[i]
		if !inRange(s.Created, q.From, q.To) {
			continue
		}
		cohort++
		l := s.Profile.Lane()
		laneOf[s.ID] = l
		r := lanes[l]
		if r == nil {
			r = &laneRow{shipments: map[int64]bool{}, rules: map[string]int{}}
			lanes[l] = r
		}
		r.shipments[s.ID] = true
		r.findings += len(s.Rules)
		for _, rule := range s.Rules {
			r.rules[rule]++
			if rules[rule] == nil {
				rules[rule] = map[int64]bool{}
			}
			rules[rule][s.ID] = true
		}
	}
	for _, rv := range in.Reviews {
		if l, ok := laneOf[rv.Shipment]; ok {
			lanes[l].reviews++
			kindCount[rv.Kind]++
			if kinds[rv.Kind] == nil {
				kinds[rv.Kind] = map[int64]bool{}
			}
			kinds[rv.Kind][rv.Shipment] = true
		}
	}
	for _, h := range in.Holds {
		if l, ok := laneOf[h.Shipment]; ok {
			lanes[l].holds++
		}
	}
	return []Section{laneSection(lanes), ruleSection(rules, cohort), kindSection(kinds, kindCount, cohort)}
}

func laneSection(lanes map[string]*laneRow) Section {
	sec := Section{Key: "lanes", Title: "Exceptions per lane",
		Note: "Lane = origin country → port (or country) of entry, by mode, for the shipments created in the range: " +
			"their findings now (each rule once per shipment), the reviews and the holds or exams they ever had; per 100 shipments of the lane.",
		Columns: []Column{{"lane", "Lane", ""}, {"shipments", "Shipments", "count"},
			{"findings", "Findings", "count"}, {"findings_per_100", "Findings / 100", "per_100"},
			{"reviews", "Reviews", "count"}, {"reviews_per_100", "Reviews / 100", "per_100"},
			{"holds", "Holds and exams", "count"}, {"holds_per_100", "Holds / 100", "per_100"}, {"top_rule", "Most frequent rule", ""}},
		Chart: Chart{Kind: "bars", Unit: "per 100 shipments"}}
	f, r, h := Series{Name: "Findings / 100"}, Series{Name: "Reviews / 100"}, Series{Name: "Holds and exams / 100"}
	for _, l := range sortedKeys(lanes) {
		x := lanes[l]
		n := len(x.shipments)
		cells := []any{l, n, x.findings, per100(x.findings, n), x.reviews, per100(x.reviews, n), x.holds, per100(x.holds, n), topKey(x.rules)}
		sec.Rows = append(sec.Rows, Row{Key: l, Cells: cells, Shipments: ids(x.shipments)})
		sec.Chart.Labels, sec.Chart.Keys = append(sec.Chart.Labels, l), append(sec.Chart.Keys, l)
		f.Values, r.Values, h.Values = append(f.Values, Number(cells[3])), append(r.Values, Number(cells[5])), append(h.Values, Number(cells[7]))
	}
	sec.Chart.Series = []Series{f, r, h}
	return sec
}

func ruleSection(rules map[string]map[int64]bool, cohort int) Section {
	sec := Section{Key: "rules", Title: "Findings by rule id",
		Note:    "Shipments created in the range with each finding now, per 100 of them all.",
		Columns: []Column{{"rule", "Rule", ""}, {"shipments", "Shipments", "count"}, {"per_100", "Per 100 shipments", "per_100"}},
		Chart:   Chart{Kind: "bars", Unit: "shipments"}}
	sec.Rows, sec.Chart = countRows(rules, cohort, sec.Chart)
	return sec
}

func kindSection(kinds map[string]map[int64]bool, counts map[string]int, cohort int) Section {
	sec := Section{Key: "review-kinds", Title: "Reviews by kind",
		Note: "Reviews ever opened on the shipments created in the range.",
		Columns: []Column{{"kind", "Kind", ""}, {"reviews", "Reviews", "count"}, {"shipments", "Shipments", "count"},
			{"per_100", "Reviews per 100 shipments", "per_100"}},
		Chart: Chart{Kind: "bars", Unit: "reviews"}}
	s := Series{Name: "Reviews"}
	for _, k := range sortedKeys(kinds) {
		sec.Rows = append(sec.Rows, Row{Key: k, Cells: []any{k, counts[k], len(kinds[k]), per100(counts[k], cohort)}, Shipments: ids(kinds[k])})
		sec.Chart.Labels, sec.Chart.Keys = append(sec.Chart.Labels, k), append(sec.Chart.Keys, k)
		s.Values = append(s.Values, float64(counts[k]))
	}
	sec.Chart.Series = []Series{s}
	return sec
}

// countRows lists sets by size (largest first, then key) with their share
// per 100 of cohort, and the chart of their sizes.
func countRows(sets map[string]map[int64]bool, cohort int, c Chart) ([]Row, Chart) {
	keys := sortedKeys(sets)
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(len(sets[b]), len(sets[a])) })
	var rows []Row
	s := Series{Name: "Shipments"}
	for _, k := range keys {
		rows = append(rows, Row{Key: k, Cells: []any{k, len(sets[k]), per100(len(sets[k]), cohort)}, Shipments: ids(sets[k])})
		c.Labels, c.Keys = append(c.Labels, k), append(c.Keys, k)
		s.Values = append(s.Values, float64(len(sets[k])))
	}
	c.Series = []Series{s}
	return rows, c
}

// topKey is the key of the largest count (first by name of equals).
func topKey(m map[string]int) string {
	best := ""
	for _, k := range sortedKeys(m) {
		if best == "" || m[k] > m[best] {
			best = k
		}
	}
	return best
}
