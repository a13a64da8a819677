package dashboard

import (
	"fmt"
	"strings"
)

func valueAtRisk(in *Input, held []heldEntry) Section {
	sec := Section{Key: "value-at-risk", Title: "Value at risk: entries held now",
		Note: fmt.Sprintf("Each entry with an active hold or exam: its invoice value × the days since its earliest active hold or exam. "+
			"Under %s per cycle finance handles the overrun, from it on operations. Values are as invoiced, not converted.", Money(in.Policy.FinanceThreshold)),
		Columns: []Column{{"shipment", "Shipment", ""}, {"state", "State", ""}, {"value", "Invoice value", "value"}, {"currency", "Currency", ""},
			{"days_held", "Days held", "days"}, {"value_at_risk", "Value at risk", "value"}, {"handled_by", "Handled by", ""}},
		Chart: Chart{Kind: "bars", Unit: "value × days"}}
	s := Series{Name: "Value at risk"}
	for _, h := range held {
		risk := h.risk()
		sec.Rows = append(sec.Rows, Row{Key: h.s.Ref, Cells: []any{h.s.Ref, h.s.State, round2(h.s.Profile.Value), h.s.Profile.Currency,
			round2(h.days), round2(risk), handler(risk, in.Policy.FinanceThreshold)}, Shipments: []int64{h.s.ID}})
		sec.Chart.Labels, sec.Chart.Keys = append(sec.Chart.Labels, h.s.Ref), append(sec.Chart.Keys, h.s.Ref)
		s.Values = append(s.Values, round2(risk))
	}
	sec.Chart.Series = []Series{s}
	return sec
}

func riskSplit(in *Input, held []heldEntry) Section {
	sec := Section{Key: "risk-split", Title: "Value at risk by who handles it",
		Columns: []Column{{"handled_by", "Handled by", ""}, {"entries", "Entries", "count"}, {"value_at_risk", "Value at risk", "value"}},
		Chart:   Chart{Kind: "bars", Unit: "value × days"}}
	s := Series{Name: "Value at risk"}
	for _, who := range []string{"finance", "operations"} {
		set, total := map[int64]bool{}, 0.0
		for _, h := range held {
			if handler(h.risk(), in.Policy.FinanceThreshold) == who {
				set[h.s.ID] = true
				total += h.risk()
			}
		}
		sec.Rows = append(sec.Rows, Row{Key: who, Cells: []any{who, len(set), round2(total)}, Shipments: ids(set)})
		sec.Chart.Labels, sec.Chart.Keys = append(sec.Chart.Labels, who), append(sec.Chart.Keys, who)
		s.Values = append(s.Values, round2(total))
	}
	sec.Chart.Series = []Series{s}
	return sec
}

// delayCost applies seed 001's formula: (daily shipment volume × average
// shipment value) × days of delay.
func delayCost(q Query, in *Input, held []heldEntry) Section {
	n, total, valued := 0, 0.0, 0
	for i := range in.Shipments {
		s := &in.Shipments[i]
		if !inRange(s.Created, q.From, q.To) {
			continue
		}
		n++
		if s.Profile.Value > 0 {
			valued++
			total += s.Profile.Value
		}
	}
	rangeDays := days(q.To.Sub(q.From))
	volume, average, delay := 0.0, 0.0, 0.0
	if rangeDays > 0 {
		volume = float64(n) / rangeDays
	}
	if valued > 0 {
		average = total / float64(valued)
	}
	for _, h := range held {
		delay += h.days
	}
	if len(held) > 0 {
		delay /= float64(len(held))
	}
	cost := volume * average * delay
	sec := Section{Key: "delay-cost", Title: "Delay cost (seed formula)",
		Note: fmt.Sprintf("Delay cost = daily shipment volume × average shipment value × days of delay = %.2f/day × %s × %.2f days = %s. "+
			"Volume: shipments created in the range over its days; average value: of those with an invoice value; days of delay: the mean days held of the entries held now.",
			volume, Money(average), delay, Money(cost)),
		Columns: []Column{{"input", "Input", ""}, {"value", "Value", "value"}, {"how", "From", ""}},
		Rows: []Row{
			{Key: "daily_volume", Cells: []any{"daily shipment volume", round2(volume), fmt.Sprintf("%d shipments over %.2f days", n, rangeDays)}},
			{Key: "average_value", Cells: []any{"average shipment value", round2(average), fmt.Sprintf("%d shipments with an invoice value", valued)}},
			{Key: "days_of_delay", Cells: []any{"days of delay", round2(delay), fmt.Sprintf("mean over %d entries held now", len(held))}},
			{Key: "delay_cost", Cells: []any{"delay cost", round2(cost), "volume × value × days"}},
		}}
	return sec
}

// Money writes an amount with thousands separators: 12,500.00.
func Money(x float64) string {
	s := fmt.Sprintf("%.2f", x)
	whole, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String() + "." + frac
	if neg {
		out = "-" + out
	}
	return out
}
