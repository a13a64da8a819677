package dashboard

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ReviewPartnerErrorRate is the kind of review a breach opens.
const ReviewPartnerErrorRate = "partner_error_rate"

// governanceBoard shows the partners' error rates over the trailing window
// ending at the end of the range, the aging of reviews against their due
// times, and the value at risk of the entries held now.
func governanceBoard(q Query, in *Input) []Section {
	held := heldNow(in)
	return []Section{errorRates(q, in), reviewAging(q, in), valueAtRisk(in, held), riskSplit(in, held), delayCost(q, in, held)}
}

func errorRates(q Query, in *Input) Section {
	open := map[string]Review{}
	for _, r := range in.Reviews {
		if r.Kind == ReviewPartnerErrorRate && r.Status == "open" {
			open[r.Owner] = r
		}
	}
	sec := Section{Key: "error-rates", Title: "Partner error rates",
		Note: fmt.Sprintf("Files received in the %s to %s (duplicates left out): rejected, or done with facts on a shipment with an error finding now. "+
			"Above %g %% a %s review opens, due within %s.", durationText(in.Policy.Window), q.To.UTC().Format("2006-01-02 15:04 UTC"),
			in.Policy.ThresholdPct, ReviewPartnerErrorRate, durationText(in.Policy.ReviewDue)),
		Columns: []Column{{"partner", "Partner", ""}, {"received", "Files", "count"}, {"rejected", "Rejected", "count"},
			{"with_errors", "With error findings", "count"}, {"error_rate_pct", "Error rate", "percent"}, {"threshold_pct", "Threshold", "percent"},
			{"breach", "Above threshold", ""}, {"open_review", "Open review", ""}, {"review_due", "Review due", ""}},
		Chart: Chart{Kind: "bars", Unit: "% of files"}}
	rate := Series{Name: "Error rate (%)"}
	for _, f := range in.Window {
		errs := f.Rejected + f.WithErrors
		r := pct(errs, f.Received)
		breach := "no"
		if f.Received > 0 && 100*float64(errs)/float64(f.Received) > in.Policy.ThresholdPct {
			breach = "yes"
		}
		review, due := "", ""
		if rv, ok := open[f.Partner]; ok {
			review, due = fmt.Sprintf("#%d", rv.ID), rv.Due.UTC().Format("2006-01-02 15:04 UTC")
		}
		sec.Rows = append(sec.Rows, Row{Key: f.Partner, Cells: []any{f.Partner, f.Received, f.Rejected, f.WithErrors, r, in.Policy.ThresholdPct, breach, review, due}})
		sec.Chart.Labels, sec.Chart.Keys = append(sec.Chart.Labels, f.Partner), append(sec.Chart.Keys, f.Partner)
		rate.Values = append(rate.Values, Number(r))
	}
	sec.Chart.Series = []Series{rate}
	return sec
}

// due is when a review should be decided: its own due time, else its
// creation plus the resolution SLA.
func due(r Review, p Policy) time.Time {
	if !r.Due.IsZero() {
		return r.Due
	}
	return r.Created.Add(p.ResolutionSLA)
}

// agingRow gathers the reviews of one kind and owner.
type agingRow struct {
	kind, owner          string
	shipments            map[int64]bool
	open, overdue        int
	escalated            int       // open ones that climbed the escalation ladder
	ages                 []float64 // hours open, of the open ones
	decided, decidedLate int
}

func reviewAging(q Query, in *Input) Section {
	rows := map[string]*agingRow{}
	for _, r := range in.Reviews {
		owner := r.Owner
		if owner == "" {
			owner = "clearway"
		}
		k := r.Kind + " / " + owner
		a := rows[k]
		if a == nil {
			a = &agingRow{kind: r.Kind, owner: owner, shipments: map[int64]bool{}}
			rows[k] = a
		}
		switch {
		case r.Status == "open":
			a.open++
			a.ages = append(a.ages, hours(in.Now.Sub(r.Created)))
			if in.Now.After(due(r, in.Policy)) {
				a.overdue++
			}
			if r.Escalated > 0 {
				a.escalated++
			}
		case inRange(r.Decided, q.From, q.To):
			a.decided++
			if r.Decided.After(due(r, in.Policy)) {
				a.decidedLate++
			}
		default:
			continue
		}
		if r.Shipment != 0 {
			a.shipments[r.Shipment] = true
		}
	}
	sec := Section{Key: "review-aging", Title: "Review aging against the SLA",
		Note: fmt.Sprintf("Open reviews now, and reviews decided in the range, by kind and owner (the partner whose file or message raised it; clearway for its own checks). "+
			"Due: %s reviews within %s, others within the %s resolution SLA.", ReviewPartnerErrorRate, durationText(in.Policy.ReviewDue), durationText(in.Policy.ResolutionSLA)),
		Columns: []Column{{"kind", "Kind", ""}, {"owner", "Owner", ""}, {"open", "Open", "count"}, {"overdue", "Overdue", "count"},
			{"escalated", "Escalated", "count"},
			{"oldest_hours", "Oldest open", "hours"}, {"median_age_hours", "Median age", "hours"},
			{"decided", "Decided in range", "count"}, {"decided_late", "Decided late", "count"}},
		Chart: Chart{Kind: "bars", Unit: "reviews", Stacked: true}}
	onTime, late := Series{Name: "Open, within due time"}, Series{Name: "Open, overdue"}
	for _, k := range sortedKeys(rows) {
		a := rows[k]
		if a.open == 0 && a.decided == 0 {
			continue
		}
		sec.Rows = append(sec.Rows, Row{Key: k, Cells: []any{a.kind, a.owner, a.open, a.overdue, a.escalated, maxOf(a.ages), median(a.ages), a.decided, a.decidedLate},
			Shipments: ids(a.shipments)})
		sec.Chart.Labels, sec.Chart.Keys = append(sec.Chart.Labels, k), append(sec.Chart.Keys, k)
		onTime.Values, late.Values = append(onTime.Values, float64(a.open-a.overdue)), append(late.Values, float64(a.overdue))
	}
	sec.Chart.Series = []Series{onTime, late}
	return sec
}

// heldEntry is a shipment held now: its value and days on hold or exam.
type heldEntry struct {
	s    *Shipment
	days float64 // since its earliest active hold or exam
}

// risk is value × days held.
func (h heldEntry) risk() float64 { return h.s.Profile.Value * h.days }

// heldNow lists the shipments with an active hold or exam, by ref.
func heldNow(in *Input) []heldEntry {
	since := map[int64]time.Time{}
	for _, h := range in.Holds {
		if h.Until.IsZero() && (since[h.Shipment].IsZero() || h.Since.Before(since[h.Shipment])) {
			since[h.Shipment] = h.Since
		}
	}
	var out []heldEntry
	for i := range in.Shipments {
		s := &in.Shipments[i]
		if t, ok := since[s.ID]; ok {
			out = append(out, heldEntry{s: s, days: days(in.Now.Sub(t))})
		}
	}
	slices.SortFunc(out, func(a, b heldEntry) int { return strings.Compare(a.s.Ref, b.s.Ref) })
	return out
}

// handler says who handles a value at risk: finance under the threshold,
// operations at or over it.
func handler(risk, threshold float64) string {
	if risk < threshold {
		return "finance"
	}
	return "operations"
}

// durationText says a duration as people do: "7 days", "48 hours".
func durationText(d time.Duration) string {
	if d > 48*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return fmt.Sprintf("%g hours", d.Hours())
}
