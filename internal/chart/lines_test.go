package chart

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestLines_PointsAndDashes(t *testing.T) {
	l := demoLines()
	root := mustParse(t, l.SVG())
	lines := root.all("polyline")
	if len(lines) != len(l.Series) {
		t.Fatalf("got %d lines, want %d", len(lines), len(l.Series))
	}
	dashes := map[string]bool{}
	for s, pl := range lines {
		pts := strings.Fields(pl.attr["points"])
		if len(pts) != len(l.X) {
			t.Errorf("series %d: got %d points, want %d", s, len(pts), len(l.X))
		}
		if got := pl.attr["stroke"]; got != okabeIto[s] {
			t.Errorf("series %d: got stroke %s, want %s", s, got, okabeIto[s])
		}
		dashes[pl.attr["stroke-dasharray"]] = true
	}
	if len(dashes) != len(lines) {
		t.Errorf("got %d distinct dash patterns for %d lines", len(dashes), len(lines))
	}
	if got, want := len(root.withClass("marker")), len(l.X)*len(l.Series); got != want {
		t.Errorf("got %d markers, want %d", got, want)
	}
}

func TestLines_XLabelsThinned(t *testing.T) {
	l := demoLines()
	labels := mustParse(t, l.SVG()).withClass("x-label")
	if len(labels) < 2 || len(labels) >= len(l.X) {
		t.Fatalf("got %d x labels for %d dates, want thinned", len(labels), len(l.X))
	}
	if first, last := labels[0].text, labels[len(labels)-1].text; first != "11-07" || last != "12-06" {
		t.Errorf("got first %q last %q, want 11-07 and 12-06", first, last)
	}
	for i := 1; i < len(labels); i++ {
		gap := labels[i].float(t, "x") - labels[i-1].float(t, "x")
		if gap < textWidth("11-07") {
			t.Errorf("labels %q and %q only %vpx apart", labels[i-1].text, labels[i].text, gap)
		}
	}
}

func TestThinLabels(t *testing.T) {
	for n := 1; n <= 60; n++ {
		for _, step := range []float64{3, 10, 19.5, 40, 200} {
			idx := thinLabels(n, step, 50)
			if idx[0] != 0 || idx[len(idx)-1] != n-1 {
				t.Fatalf("thinLabels(%d, %v): got %v, want first 0 and last %d", n, step, idx, n-1)
			}
			for i := 1; i < len(idx) && len(idx) > 2; i++ {
				if float64(idx[i]-idx[i-1])*step < 50 {
					t.Errorf("thinLabels(%d, %v): %v overlap at %d", n, step, idx, idx[i])
				}
			}
		}
	}
}

// demoLines is 30 days of five series.
func demoLines() Lines {
	l := Lines{Title: "Dwell by mode", Unit: "hours"}
	for d := range 30 {
		day := 7 + d
		month := 11
		if day > 30 {
			day, month = day-30, 12
		}
		l.X = append(l.X, fmt.Sprintf("2026-%02d-%02d", month, day))
	}
	for s, name := range []string{"Ocean", "Air", "Rail", "Truck", "Courier"} {
		ser := Series{Name: name}
		for d := range 30 {
			ser.Values = append(ser.Values, float64(10+5*s)+6*math.Sin(float64(d+3*s)/4))
		}
		l.Series = append(l.Series, ser)
	}
	return l
}
