package chart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoPage writes an HTML page with sample charts to the path in
// CHART_DEMO, for looking at them in a browser:
//
//	CHART_DEMO=/tmp/chart-demo.html go test -run DemoPage ./internal/chart
func TestDemoPage(t *testing.T) {
	path := os.Getenv("CHART_DEMO")
	if path == "" {
		t.Skip("set CHART_DEMO=/path/page.html to write the demo page")
	}
	lanes := []string{"CN → USLAX (ocean)", "DE → USNYC (air)", "VN → USLGB (ocean)", "MX → USDAL (truck)",
		"NL → USORD (air) via Schiphol & Frankfurt consolidation hub", "KR → USSEA (ocean)"}
	charts := []struct{ heading, svg string }{
		{"Grouped bars", Bars{Title: "Shipments by lane and status", Unit: "shipments", Labels: lanes,
			Links: []string{"/lanes/cn-uslax", "/lanes/de-usnyc", "", "/lanes/mx-usdal?a=1&b=2", "", ""},
			Series: []Series{
				{Name: "On time", Values: []float64{1240, 310, 560, 98, 42, 730}},
				{Name: "Late", Values: []float64{180, 45, 120, 12, 3, 66}},
				{Name: "Held by customs", Values: []float64{32, 4, 18, 0, 1, 9}},
			}}.SVG()},
		{"Stacked bars", Bars{Title: "Files by outcome", Unit: "% of files", Labels: []string{"ACME", "FastClear", "ERP export", "TMS", "Compliance feed"}, Stacked: true,
			Series: []Series{
				{Name: "Accepted", Values: []float64{91.5, 80, 99, 70.2, 60}},
				{Name: "Warnings", Values: []float64{6, 12.5, 1, 20, 25}},
				{Name: "Rejected", Values: []float64{2.5, 7.5, 0, 9.8, 15}},
			}}.SVG()},
		{"Single series", Bars{Title: "Late shipments", Unit: "shipments", Labels: lanes[:3],
			Series: []Series{{Name: "Late", Values: []float64{12, 3, 7}}}}.SVG()},
		{"Lines, 30 days", demoLines().SVG()},
		{"Lines, one point", Lines{Title: "One day", Unit: "files", X: []string{"2026-11-07"},
			Series: []Series{{Name: "In", Values: []float64{3}}, {Name: "Out", Values: []float64{2}}}}.SVG()},
		{"Lines, a year of hours", yearLines().SVG()},
		{"Empty", Lines{Title: "Nothing"}.SVG()},
	}
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><meta charset="utf-8"><title>chart demo</title><style>
body{font-family:system-ui,sans-serif;margin:24px;color:#1f2933}
section{max-width:760px;margin-bottom:16px;border:1px solid #e4e7eb;padding:8px 12px}
h2{font-size:15px;margin:4px 0}</style></head><body>`)
	for _, c := range charts {
		b.WriteString("<section><h2>" + c.heading + "</h2>" + c.svg + "</section>\n")
	}
	b.WriteString("</body></html>\n")
	if err := os.WriteFile(filepath.Clean(path), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// yearLines is one series over 365 days spanning two years, so the dates
// keep their year and most labels are thinned out.
func yearLines() Lines {
	l := Lines{Title: "Median clearance time", Unit: "hours", Series: []Series{{Name: "Median"}}}
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 365 {
		l.X = append(l.X, day.AddDate(0, 0, i).Format(time.DateOnly))
		l.Series[0].Values = append(l.Series[0].Values, 0.8+0.5*float64(i%7)/7+float64(i)/400)
	}
	return l
}
