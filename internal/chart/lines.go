package chart

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Lines is a line chart over ordered x positions (for example one per day),
// one line per series, with small markers at the points.
type Lines struct {
	Title  string   // names the chart for <title> and screen readers; not drawn (the page has a heading)
	Unit   string   // value axis title, e.g. "hours"
	X      []string // x positions in order; dates "2006-01-02" of one year are shown as "01-02"
	Series []Series // Values[i] belongs to X[i]; a shorter series stops early, negative and NaN values count as 0
}

// dashes vary per series so that lines stay apart in greyscale.
var dashes = [...]string{"", "7 4", "2 3", "10 3 2 3", "4 2", "12 4", "2 2 6 2", "1 4"}

const (
	plotHeight  = 220
	legendLineW = 24 // width of a line swatch in the legend
	minMarkerPx = 6  // markers are drawn only when points are at least this far apart
)

// lineLayout is where the parts of a line chart go.
type lineLayout struct {
	x0, plotW    float64 // plot area left edge and width
	plotTop      float64
	axisY        float64 // y of the x axis
	height       float64
	legend       []legendItem
	ticks        []float64
	shown        []string // x labels as drawn (dates possibly shortened)
	labelIndexes []int    // which x labels are drawn
}

// SVG renders the chart as a standalone <svg> element for inline HTML.
func (c Lines) SVG() string {
	title := titleOr(c.Title)
	id := chartID("lines", title, c.X, c.Series)
	if len(c.X) == 0 || !hasValues(c.Series) {
		return empty(id, title)
	}
	l := c.layout()
	d := open(id, title, c.describe(), l.height)
	d.legend(seriesNames(c.Series), l.legend, margin, legendLineW, func(i int, x, y float64) {
		d.printf(`<line class="legend-key" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"%s/>`,
			num(x), num(y), num(x+legendLineW), num(y), colour(i), dashAttr(i))
	})
	l.grid(d, c.Unit)
	for s := range c.Series {
		c.line(d, l, s)
	}
	return d.close()
}

func (c Lines) layout() lineLayout {
	var l lineLayout
	var legendH float64
	l.legend, legendH = layoutLegend(seriesNames(c.Series), legendLineW, margin, width-margin)
	l.plotTop = margin + 6
	if legendH > 0 {
		l.plotTop += legendH + 8
	}
	if strings.TrimSpace(c.Unit) != "" {
		l.plotTop += 18
	}
	maxV, integral := 0.0, true
	for _, s := range c.Series {
		for i := range min(len(s.Values), len(c.X)) {
			v := valueAt(s, i)
			maxV, integral = max(maxV, v), integral && v == math.Trunc(v)
		}
	}
	l.ticks = niceTicks(maxV, integral)
	tickW := 0.0
	for _, t := range l.ticks {
		tickW = max(tickW, textWidth(compact(t)))
	}
	l.shown = shortDates(c.X)
	labelW := 0.0
	for _, s := range l.shown {
		labelW = max(labelW, textWidth(s)+12)
	}
	l.x0 = max(margin+tickW+8, margin+labelW/2)
	l.plotW = width - margin - labelW/2 - l.x0
	l.axisY = l.plotTop + plotHeight
	l.height = l.axisY + 22 + margin
	l.labelIndexes = thinLabels(len(c.X), l.step(len(c.X)), labelW)
	return l
}

// step is the distance between neighbouring x positions.
func (l lineLayout) step(n int) float64 {
	if n < 2 {
		return l.plotW
	}
	return l.plotW / float64(n-1)
}

func (l lineLayout) x(i int) float64 {
	if len(l.shown) == 1 {
		return l.x0 + l.plotW/2
	}
	return l.x0 + float64(i)*l.step(len(l.shown))
}

func (l lineLayout) y(v float64) float64 {
	return l.axisY - v/l.ticks[len(l.ticks)-1]*plotHeight
}

// grid writes the horizontal gridlines, value ticks, unit and x labels.
func (l lineLayout) grid(d *doc, unit string) {
	right := num(l.x0 + l.plotW)
	d.printf(`<g class="axis" fill="%s">`, mutedColour)
	for i, t := range l.ticks {
		stroke := gridColour
		if i == 0 {
			stroke = axisColour
		}
		y := l.y(t)
		d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, num(l.x0), num(y), right, num(y), stroke)
		d.printf(`<text x="%s" y="%s" dy="0.35em" text-anchor="end">%s</text>`, num(l.x0-6), num(y), compact(t))
	}
	if unit = strings.TrimSpace(unit); unit != "" {
		d.printf(`<text class="unit" x="%d" y="%s">%s</text>`, margin, num(l.plotTop-14), esc(unit))
	}
	for _, i := range l.labelIndexes {
		d.printf(`<text class="x-label" x="%s" y="%s" text-anchor="middle">%s</text>`, num(l.x(i)), num(l.axisY+16), esc(l.shown[i]))
	}
	d.printf(`</g>`)
}

// line writes series s as a polyline with a marker per point, each marker
// titled with its exact value for hover.
func (c Lines) line(d *doc, l lineLayout, s int) {
	ser := c.Series[s]
	n := min(len(ser.Values), len(c.X))
	if n == 0 {
		return
	}
	pts := make([]string, n)
	for i := range n {
		pts[i] = num(l.x(i)) + "," + num(l.y(valueAt(ser, i)))
	}
	d.printf(`<g class="series"><polyline class="line" points="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"%s/>`,
		strings.Join(pts, " "), colour(s), dashAttr(s))
	if n == 1 || l.step(len(c.X)) >= minMarkerPx {
		for i := range n {
			v := valueAt(ser, i)
			what := c.X[i]
			if len(c.Series) > 1 {
				what += " — " + ser.Name
			}
			d.printf(`<circle class="marker" cx="%s" cy="%s" r="2.5" fill="%s"><title>%s: %s</title></circle>`,
				num(l.x(i)), num(l.y(v)), colour(s), esc(what), esc(withUnit(v, c.Unit)))
		}
	}
	d.printf(`</g>`)
}

func dashAttr(s int) string {
	if p := dashes[s%len(dashes)]; p != "" {
		return fmt.Sprintf(` stroke-dasharray="%s"`, p)
	}
	return ""
}

// thinLabels picks which of n x labels to draw, step px apart and each
// labelW px wide: every k-th so that none overlap, always the first and the
// last (dropping the one before the last if they would overlap).
func thinLabels(n int, step, labelW float64) []int {
	if n == 0 {
		return nil
	}
	k := 1
	if step > 0 && labelW > step {
		k = int(math.Ceil(labelW / step))
	}
	var idx []int
	for i := 0; i < n; i += k {
		idx = append(idx, i)
	}
	last := idx[len(idx)-1]
	if last != n-1 {
		if len(idx) > 1 && float64(n-1-last)*step < labelW {
			idx = idx[:len(idx)-1]
		}
		idx = append(idx, n-1)
	}
	return idx
}

// shortDates drops the year from x labels when all are dates of one year.
func shortDates(xs []string) []string {
	short := make([]string, len(xs))
	for i, x := range xs {
		if _, err := time.Parse(time.DateOnly, x); err != nil || x[:4] != xs[0][:4] {
			return xs
		}
		short[i] = x[5:]
	}
	return short
}

// describe summarises the chart in words for <desc>.
func (c Lines) describe() string {
	var sb strings.Builder
	if len(c.Series) > 1 {
		fmt.Fprintf(&sb, "%s (%s) over ", plural(len(c.Series), "series"), strings.Join(seriesNames(c.Series), ", "))
	}
	sb.WriteString(plural(len(c.X), "point"))
	if n := len(c.X); n > 1 {
		fmt.Fprintf(&sb, " from %s to %s", c.X[0], c.X[n-1])
	} else {
		fmt.Fprintf(&sb, " (%s)", c.X[0])
	}
	bestSeries, bestX, best := 0, 0, -1.0
	for s, ser := range c.Series {
		for i := range min(len(ser.Values), len(c.X)) {
			if v := valueAt(ser, i); v > best {
				bestSeries, bestX, best = s, i, v
			}
		}
	}
	switch {
	case best <= 0:
		sb.WriteString("; all values are 0")
	case len(c.Series) > 1:
		fmt.Fprintf(&sb, "; highest: %s %s at %s", c.Series[bestSeries].Name, withUnit(best, c.Unit), c.X[bestX])
	default:
		fmt.Fprintf(&sb, "; highest: %s at %s", withUnit(best, c.Unit), c.X[bestX])
	}
	return sb.String()
}
