package chart

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

const nasty = `A&B <C> "D" → 'E'`

func TestSVG_WellFormed(t *testing.T) {
	labels := []string{"CN → USLAX (ocean)", nasty, "bad \xff utf8 \x01"}
	two := []Series{{Name: "Open & late", Values: []float64{12, 3, 0}}, {Name: "<Closed>", Values: []float64{4, 5, 6}}}
	for name, svg := range map[string]string{
		"Bars":        Bars{Title: nasty, Unit: "shipments", Labels: labels, Series: two[:1]}.SVG(),
		"Grouped":     Bars{Title: "Grouped", Unit: "% of files", Labels: labels, Series: two}.SVG(),
		"Stacked":     Bars{Title: "Stacked", Labels: labels, Series: two, Stacked: true, Links: []string{`/l?a=1&b="2"`, "", "<x>"}}.SVG(),
		"Lines":       Lines{Title: "Lines", Unit: "hours", X: labels, Series: two}.SVG(),
		"EmptyBars":   Bars{Title: nasty}.SVG(),
		"EmptyLines":  Lines{Title: nasty, Series: two}.SVG(),
		"NoTitle":     Bars{Labels: labels, Series: two}.SVG(),
		"AllZero":     Bars{Labels: labels, Series: []Series{{Values: []float64{0, 0, 0}}}}.SVG(),
		"OneXPoint":   Lines{X: []string{"2026-11-07"}, Series: two}.SVG(),
		"NegativeNaN": Lines{X: labels, Series: []Series{{Values: []float64{-1, math.NaN(), math.Inf(1)}}}}.SVG(),
	} {
		t.Run(name, func(t *testing.T) {
			root := mustParse(t, svg)
			if got := root.attr["xmlns"]; got != "http://www.w3.org/2000/svg" {
				t.Errorf("xmlns: got %q", got)
			}
			if !strings.HasPrefix(root.attr["viewBox"], "0 0 720 ") || root.attr["width"] != "100%" ||
				root.attr["role"] != "img" || root.attr["class"] != "chart" {
				t.Errorf("svg attributes: got %v", root.attr)
			}
			ids := map[string]bool{}
			for _, n := range root.all("") {
				if id := n.attr["id"]; id != "" {
					if ids[id] {
						t.Errorf("duplicate id %q", id)
					}
					ids[id] = true
				}
			}
			for _, ref := range strings.Fields(root.attr["aria-labelledby"]) {
				if !ids[ref] {
					t.Errorf("aria-labelledby %q: no such id", ref)
				}
			}
			if len(root.children) < 2 || root.children[0].name != "title" || root.children[1].name != "desc" ||
				root.children[0].text == "" || root.children[1].text == "" {
				t.Errorf("svg must start with a non-empty <title> and <desc>")
			}
		})
	}
}

func TestSVG_EscapedTextRoundTrips(t *testing.T) {
	root := mustParse(t, Bars{Title: nasty, Labels: []string{nasty}, Series: []Series{{Name: nasty, Values: []float64{1}}}}.SVG())
	if got := root.children[0].text; got != nasty {
		t.Errorf("title: got %q, want %q", got, nasty)
	}
	if !root.hasText(nasty) {
		t.Errorf("label %q not drawn", nasty)
	}
}

func TestSVG_Empty(t *testing.T) {
	for name, svg := range map[string]string{
		"BarsNoLabels":  Bars{Series: []Series{{Values: []float64{1}}}}.SVG(),
		"BarsNoSeries":  Bars{Labels: []string{"a"}}.SVG(),
		"BarsNoValues":  Bars{Labels: []string{"a"}, Series: []Series{{Name: "x"}}}.SVG(),
		"LinesNoX":      Lines{Series: []Series{{Values: []float64{1}}}}.SVG(),
		"LinesNoValues": Lines{X: []string{"a"}, Series: []Series{{Name: "x"}}}.SVG(),
	} {
		t.Run(name, func(t *testing.T) {
			root := mustParse(t, svg)
			if !root.hasText("No data in this range") {
				t.Errorf("no 'No data' message in %s", svg)
			}
			if got := len(root.withClass("bar")) + len(root.all("polyline")); got != 0 {
				t.Errorf("got %d bars/lines, want 0", got)
			}
		})
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		max      float64
		integral bool
		want     []float64
	}{
		{7, false, []float64{0, 2, 4, 6, 8}},
		{7, true, []float64{0, 2, 4, 6, 8}},
		{0.3, false, []float64{0, 0.1, 0.2, 0.3}},
		{1234, false, []float64{0, 250, 500, 750, 1000, 1250}},
		{0, false, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{100, false, []float64{0, 20, 40, 60, 80, 100}},
		{12, false, []float64{0, 2.5, 5, 7.5, 10, 12.5}},
		{12, true, []float64{0, 5, 10, 15}},
		{3, true, []float64{0, 1, 2, 3}},
		{2, true, []float64{0, 1, 2}}, // fewer ticks rather than half shipments
		{1, true, []float64{0, 1}},
		{24, true, []float64{0, 5, 10, 15, 20, 25}},
	} {
		if got := niceTicks(tc.max, tc.integral); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("niceTicks(%v, %v): got %v, want %v", tc.max, tc.integral, got, tc.want)
		}
	}
	for _, max := range []float64{1e-4, 0.003, 0.07, 0.5, 0.99, 1, 1.01, 2, 3, 9.9, 12, 37, 99, 101, 480, 999, 1001, 4321, 77777, 2.5e6, 9.99e8, 1e300, math.MaxFloat64} {
		checkTicks(t, max, niceTicks(max, false))
		if max >= 3 { // counts below 3 get their whole ticks only (above)
			checkTicks(t, max, niceTicks(max, true))
		}
	}
}

// checkTicks asserts the properties of nice ticks for max.
func checkTicks(t *testing.T, max float64, ticks []float64) {
	t.Helper()
	if n := len(ticks); n < 4 || n > 6 {
		t.Fatalf("niceTicks(%v): got %d ticks %v, want 4–6", max, n, ticks)
	}
	step := ticks[1]
	mant := step / math.Pow10(int(math.Floor(math.Log10(step))))
	if !near(mant, 1) && !near(mant, 2) && !near(mant, 2.5) && !near(mant, 5) {
		t.Errorf("niceTicks(%v): step %v is not 1, 2, 2.5 or 5 × 10^n", max, step)
	}
	for i, v := range ticks {
		if !near(v, float64(i)*step) {
			t.Errorf("niceTicks(%v): tick %d is %v, want %v", max, i, v, float64(i)*step)
		}
	}
	last := ticks[len(ticks)-1]
	if max <= 1e300 && (last < max || ticks[len(ticks)-2] >= max) {
		t.Errorf("niceTicks(%v): got %v, want the last tick the first at or above max", max, ticks)
	}
	if math.IsInf(last, 0) || math.IsNaN(last) {
		t.Errorf("niceTicks(%v): got %v", max, ticks)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestCompact(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {0.5, "0.5"}, {0.30000000000000004, "0.3"}, {0.025, "0.025"}, {1, "1"}, {12, "12"},
		{12.345, "12.3"}, {97.5, "97.5"}, {999, "999"}, {1000, "1k"}, {1200, "1.2k"}, {1250, "1.25k"},
		{12345, "12.3k"}, {999999, "1M"}, {2.5e6, "2.5M"}, {3e9, "3B"}, {-1200, "-1.2k"},
	} {
		if got := compact(tc.v); got != tc.want {
			t.Errorf("compact(%v): got %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestPlain(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {1240, "1240"}, {123456789, "123456789"}, {35.9676, "35.97"}, {2.5, "2.5"}, {0.012345, "0.0123"},
	} {
		if got := plain(tc.v); got != tc.want {
			t.Errorf("plain(%v): got %q, want %q", tc.v, got, tc.want)
		}
	}
}

// okabeIto is the palette in the order series must take it.
var okabeIto = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}

func TestLegend(t *testing.T) {
	series := func(n int) []Series {
		out := make([]Series, n)
		for i := range out {
			out[i] = Series{Name: "s" + strconv.Itoa(i), Values: []float64{float64(i + 1), 2}}
		}
		return out
	}
	x := []string{"a", "b"}
	for _, n := range []int{1, 2, 3, 9} {
		for kind, svg := range map[string]string{
			"Bars":    Bars{Labels: x, Series: series(n)}.SVG(),
			"Stacked": Bars{Labels: x, Series: series(n), Stacked: true}.SVG(),
			"Lines":   Lines{X: x, Series: series(n)}.SVG(),
		} {
			keys := mustParse(t, svg).withClass("legend-key")
			want := n
			if n == 1 {
				want = 0
			}
			if len(keys) != want {
				t.Errorf("%s with %d series: got %d legend keys, want %d", kind, n, len(keys), want)
			}
			for i, k := range keys {
				if got := k.attr["fill"] + k.attr["stroke"]; got != okabeIto[i%8] {
					t.Errorf("%s legend key %d: got colour %s, want %s", kind, i, got, okabeIto[i%8])
				}
			}
		}
	}
}
func TestSVG_Deterministic(t *testing.T) {
	l := demoLines()
	if a, b := l.SVG(), l.SVG(); a != b {
		t.Errorf("two renderings differ")
	}
	other := l
	other.Title = "Other"
	a, b := mustParse(t, l.SVG()).children[0].attr["id"], mustParse(t, other.SVG()).children[0].attr["id"]
	if a == b {
		t.Errorf("charts with different titles share id %q", a)
	}
}
