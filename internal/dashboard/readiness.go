package dashboard

import (
	"fmt"
	"slices"
	"strings"
)

// supplierRow gathers one supplier's figures.
type supplierRow struct {
	shipments, ready map[int64]bool
	toReady          []float64      // hours from its first file to FILE_READY
	missing          map[string]int // document type → shipments missing it now
}

// readinessBySupplier shows, per supplier, the shipments it first sent a
// file for in the range, how many reached FILE_READY and how fast, the
// documents they still lack, and the share of its files rejected.
func readinessBySupplier(q Query, in *Input) []Section {
	rows := map[string]*supplierRow{}
	get := func(p string) *supplierRow {
		if rows[p] == nil {
			rows[p] = &supplierRow{shipments: map[int64]bool{}, ready: map[int64]bool{}, missing: map[string]int{}}
		}
		return rows[p]
	}
	for i := range in.Shipments {
		s := &in.Shipments[i]
		for _, p := range partiesOf(s, in.Roles, "supplier") {
			if !inRange(p.Since, q.From, q.To) || (onlyOwn(q, in, "supplier") && p.Partner != q.Partner) {
				continue
			}
			r := get(p.Partner)
			r.shipments[s.ID] = true
			if !s.ReadyAt.IsZero() {
				r.ready[s.ID] = true
				if !s.ReadyAt.Before(p.Since) {
					r.toReady = append(r.toReady, hours(s.ReadyAt.Sub(p.Since)))
				}
			}
			for _, doc := range s.Missing {
				r.missing[doc]++
			}
		}
	}
	files := map[string]Files{}
	for _, f := range in.Files {
		if in.Roles[f.Partner] == "supplier" && (!onlyOwn(q, in, "supplier") || f.Partner == q.Partner) {
			files[f.Partner] = f
			get(f.Partner)
		}
	}
	sec := Section{Key: "suppliers", Title: "Readiness by supplier",
		Note: "Shipments a supplier sent its first file for in the range; FILE_READY counts those that were ever ready; " +
			"time to ready runs from that first file; missing documents are those asked for now; rejected files are over the range.",
		Columns: []Column{{"supplier", "Supplier", ""}, {"shipments", "Shipments", "count"}, {"reached_ready", "Reached FILE_READY", "count"},
			{"reached_ready_pct", "Reached FILE_READY", "percent"}, {"median_hours_to_ready", "Median time to ready", "hours"},
			{"missing_documents", "Documents missing now", "count"}, {"missing_by_type", "Missing by type", ""},
			{"files", "Files received", "count"}, {"files_rejected", "Files rejected", "count"}, {"files_rejected_pct", "Files rejected", "percent"}},
		Chart: Chart{Kind: "bars", Unit: "%"}}
	readyPct, rejectedPct := Series{Name: "Reached FILE_READY (%)"}, Series{Name: "Files rejected (%)"}
	for _, p := range sortedKeys(rows) {
		r, f := rows[p], files[p]
		missing := 0
		for _, n := range r.missing {
			missing += n
		}
		cells := []any{p, len(r.shipments), len(r.ready), pct(len(r.ready), len(r.shipments)), median(r.toReady),
			missing, countsText(r.missing), f.Received, f.Rejected, pct(f.Rejected, f.Received)}
		sec.Rows = append(sec.Rows, Row{Key: p, Cells: cells, Shipments: ids(r.shipments)})
		sec.Chart.Labels, sec.Chart.Keys = append(sec.Chart.Labels, p), append(sec.Chart.Keys, p)
		readyPct.Values = append(readyPct.Values, Number(cells[3]))
		rejectedPct.Values = append(rejectedPct.Values, Number(cells[9]))
	}
	sec.Chart.Series = []Series{readyPct, rejectedPct}
	return []Section{sec}
}

// countsText writes counts as "certificate_of_origin 2, packing_list 1".
func countsText(m map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
