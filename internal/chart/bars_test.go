package chart

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestBars_WidthProportional(t *testing.T) {
	root := mustParse(t, Bars{Labels: []string{"a", "b"}, Series: []Series{{Values: []float64{10, 5}}}}.SVG())
	bars := root.withClass("bar")
	if len(bars) != 2 {
		t.Fatalf("got %d bars, want 2", len(bars))
	}
	w0, w1 := bars[0].float(t, "width"), bars[1].float(t, "width")
	if math.Abs(w0/w1-2) > 0.01 {
		t.Errorf("widths %v and %v: got ratio %v, want 2", w0, w1, w0/w1)
	}
	if bars[0].attr["x"] != bars[1].attr["x"] {
		t.Errorf("bars start at %s and %s, want the same x", bars[0].attr["x"], bars[1].attr["x"])
	}
	if !root.hasText("10") || !root.hasText("5") {
		t.Errorf("value labels 10 and 5 not drawn")
	}
}

func TestBars_StackedSegments(t *testing.T) {
	values := [][]float64{{4, 3, 3}, {1, 0, 4}} // per row, per series; totals 10 and 5
	b := Bars{Labels: []string{"a", "b"}, Stacked: true}
	for s := range 3 {
		b.Series = append(b.Series, Series{Name: strconv.Itoa(s), Values: []float64{values[0][s], values[1][s]}})
	}
	bars := mustParse(t, b.SVG()).withClass("bar")
	if len(bars) != 6 {
		t.Fatalf("got %d segments, want 6", len(bars))
	}
	var totals [2]float64
	for row := range 2 {
		segs := bars[row*3 : row*3+3] // rows in order, series in order within a row
		for i, seg := range segs {
			if seg.attr["y"] != segs[0].attr["y"] {
				t.Errorf("row %d: segment %d at y %s, want %s", row, i, seg.attr["y"], segs[0].attr["y"])
			}
			if i > 0 {
				end := segs[i-1].float(t, "x") + segs[i-1].float(t, "width")
				if math.Abs(seg.float(t, "x")-end) > 0.011 {
					t.Errorf("row %d: segment %d starts at %v, want %v", row, i, seg.float(t, "x"), end)
				}
			}
			if fill := seg.attr["fill"]; fill != okabeIto[i] {
				t.Errorf("row %d segment %d: got fill %s, want %s", row, i, fill, okabeIto[i])
			}
			totals[row] += seg.float(t, "width")
		}
		span := segs[2].float(t, "x") + segs[2].float(t, "width") - segs[0].float(t, "x")
		if math.Abs(span-totals[row]) > 0.03 {
			t.Errorf("row %d: segments span %v but sum to %v", row, span, totals[row])
		}
	}
	if math.Abs(totals[0]/totals[1]-2) > 0.01 {
		t.Errorf("row widths %v: got ratio %v, want 2 (totals 10 and 5)", totals, totals[0]/totals[1])
	}
	if w := bars[0].float(t, "width"); math.Abs(w/totals[0]-0.4) > 0.001 {
		t.Errorf("first segment: got %v of the row, want 0.4", w/totals[0])
	}
}

func TestBars_Links(t *testing.T) {
	href := `/lanes?from=CN&to=US"LAX"<x>`
	svg := Bars{Labels: []string{"CN → USLAX", "plain"}, Links: []string{href, ""}, Series: []Series{{Values: []float64{1, 2}}}}.SVG()
	if !strings.Contains(svg, `href="/lanes?from=CN&amp;to=US&#34;LAX&#34;&lt;x&gt;"`) {
		t.Errorf("escaped href not found in %s", svg)
	}
	links := mustParse(t, svg).all("a")
	if len(links) != 1 {
		t.Fatalf("got %d links, want 1", len(links))
	}
	if got := links[0].attr["href"]; got != href {
		t.Errorf("href: got %q, want %q", got, href)
	}
	if !links[0].hasText("CN → USLAX") {
		t.Errorf("link does not wrap the label text")
	}
}
func TestBars_DescribeAndTruncate(t *testing.T) {
	long := strings.Repeat("Ü", 80)
	b := Bars{Title: "Late", Unit: "shipments", Labels: []string{"CN → USLAX", "DE → USNYC", long}, Series: []Series{{Values: []float64{12, 3, 1}}}}
	root := mustParse(t, b.SVG())
	if got, want := root.children[1].text, "3 rows; largest: CN → USLAX 12 shipments"; got != want {
		t.Errorf("desc: got %q, want %q", got, want)
	}
	var cut *node
	for _, n := range root.all("text") {
		if strings.HasSuffix(n.text, "…") {
			cut = n
		}
	}
	if cut == nil {
		t.Fatalf("long label not truncated")
	}
	if got := len([]rune(cut.text)); got != labelChars {
		t.Errorf("truncated label: got %d runes, want %d", got, labelChars)
	}
	if len(cut.children) != 1 || cut.children[0].text != long {
		t.Errorf("truncated label keeps no <title> with the full text")
	}
}

func TestBars_HeightGrowsPerRow(t *testing.T) {
	height := func(rows, series int) float64 {
		b := Bars{Labels: make([]string, rows)}
		for range series {
			b.Series = append(b.Series, Series{Values: []float64{1}})
		}
		f, err := strconv.ParseFloat(strings.Fields(mustParse(t, b.SVG()).attr["viewBox"])[3], 64)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if per := (height(12, 1) - height(2, 1)) / 10; per < 22 || per > 28 {
		t.Errorf("got %vpx per row for one series, want 22–28", per)
	}
	if per := (height(12, 3) - height(2, 3)) / 10; per <= 28 {
		t.Errorf("got %vpx per row for three grouped series, want more than one series gets", per)
	}
}
func TestBars_NegativeClamped(t *testing.T) {
	bars := mustParse(t, Bars{Labels: []string{"a", "b"}, Series: []Series{{Values: []float64{-5, math.NaN()}}}}.SVG()).withClass("bar")
	for i, b := range bars {
		if w := b.float(t, "width"); w != 0 {
			t.Errorf("bar %d: got width %v, want 0", i, w)
		}
	}
}
