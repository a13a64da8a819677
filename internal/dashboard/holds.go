package dashboard

import "fmt"

// holdGroup gathers the holds and exams of one route or product family.
type holdGroup struct {
	shipments    map[int64]bool
	holds, exams int
	active       int
	durations    []float64 // hours, of the periods that ended
	agencies     map[string]int
}

// holdsByRoute groups the holds and exams placed in the range by route and
// by product family (HS chapter, or the headings of q.Chapter).
func holdsByRoute(q Query, in *Input) []Section {
	profile := map[int64]*Profile{}
	for i := range in.Shipments {
		profile[in.Shipments[i].ID] = &in.Shipments[i].Profile
	}
	routes, families := map[string]*holdGroup{}, map[string]*holdGroup{}
	for _, h := range in.Holds {
		p, ok := profile[h.Shipment]
		if !ok || !inRange(h.Since, q.From, q.To) {
			continue
		}
		addHold(routes, p.Route(), h)
		switch {
		case q.Chapter == "":
			addHold(families, orUnknown(p.HSChapter), h)
		case p.HSChapter == q.Chapter:
			addHold(families, orUnknown(p.HSHeading), h)
		}
	}
	route := holdSection("routes", "By route", "route", "Route", routes,
		"Route = port of lading → port of entry, or origin → destination when a port is unknown.")
	title, note := "By product family (HS chapter)", "The HS chapter of each shipment's highest-value line; follow a chapter to its headings."
	if q.Chapter != "" {
		title, note = fmt.Sprintf("HS chapter %s by heading", q.Chapter), "The HS heading of each shipment's highest-value line, within the chapter."
	}
	family := holdSection("families", title, "family", "HS", families, note)
	return []Section{route, family}
}

func addHold(groups map[string]*holdGroup, key string, h Hold) {
	g := groups[key]
	if g == nil {
		g = &holdGroup{shipments: map[int64]bool{}, agencies: map[string]int{}}
		groups[key] = g
	}
	g.shipments[h.Shipment] = true
	if h.Kind == "exam" {
		g.exams++
	} else {
		g.holds++
	}
	g.agencies[orUnknown(h.Agency)]++
	if h.Until.IsZero() {
		g.active++
	} else {
		g.durations = append(g.durations, hours(h.Until.Sub(h.Since)))
	}
}

func holdSection(key, title, col, label string, groups map[string]*holdGroup, note string) Section {
	sec := Section{Key: key, Title: title,
		Note: note + " Holds and exams placed in the range; durations (hours) of those lifted, median and p90 (nearest rank); active ones are counted apart.",
		Columns: []Column{{col, label, ""}, {"holds", "Holds", "count"}, {"exams", "Exams", "count"}, {"active", "Still active", "count"},
			{"median_hours", "Median duration", "hours"}, {"p90_hours", "p90 duration", "hours"}, {"agencies", "Agencies", ""}},
		Chart: Chart{Kind: "bars", Unit: "holds and exams", Stacked: true}}
	hs, ex := Series{Name: "Holds"}, Series{Name: "Exams"}
	for _, k := range sortedKeys(groups) {
		g := groups[k]
		cells := []any{k, g.holds, g.exams, g.active, median(g.durations), p90(g.durations), countsText(g.agencies)}
		sec.Rows = append(sec.Rows, Row{Key: k, Cells: cells, Shipments: ids(g.shipments)})
		sec.Chart.Labels, sec.Chart.Keys = append(sec.Chart.Labels, k), append(sec.Chart.Keys, k)
		hs.Values, ex.Values = append(hs.Values, float64(g.holds)), append(ex.Values, float64(g.exams))
	}
	sec.Chart.Series = []Series{hs, ex}
	return sec
}
