package chart

import (
	"fmt"
	"math"
	"strings"
)

// Bars is a horizontal bar chart: one row per label, one bar per series in
// each row, or the series stacked into one bar per row when Stacked is set.
type Bars struct {
	Title   string   // names the chart for <title> and screen readers; not drawn (the page has a heading)
	Unit    string   // value axis title, e.g. "shipments", "hours", "% of files"
	Labels  []string // one row each, top to bottom; long labels are truncated with the full text on hover
	Series  []Series // Values[i] belongs to Labels[i]; missing, negative and NaN values count as 0
	Stacked bool
	Links   []string // optional href per label: nil, or one per label ("" for none); the label becomes a link
}

const (
	maxLabelWidth = 260                       // label column cap in px
	labelChars    = maxLabelWidth / charWidth // longest label shown before truncating
)

// barLayout is where the parts of a bar chart go.
type barLayout struct {
	x0, plotW  float64 // plot area left edge and width
	legend     []legendItem
	top        float64 // y of the first row
	rowH       float64
	barH, gap  float64 // one bar's thickness, and the gap between grouped bars
	ticks      []float64
	axisY      float64 // y of the bottom of the plot area
	height     float64
	perRow     int // bars drawn in a row: 1 when stacked or a single series
	valueSize  int // font size of the value at each bar's end
	legendKeyW float64
}

// SVG renders the chart as a standalone <svg> element for inline HTML.
func (b Bars) SVG() string {
	title := titleOr(b.Title)
	id := chartID("bars", title, b.Labels, b.Series)
	if len(b.Labels) == 0 || !hasValues(b.Series) {
		return empty(id, title)
	}
	l := b.layout()
	d := open(id, title, b.describe(), l.height)
	d.legend(seriesNames(b.Series), l.legend, margin, l.legendKeyW, func(i int, x, y float64) {
		d.printf(`<rect class="legend-key" x="%s" y="%s" width="10" height="10" fill="%s"/>`, num(x), num(y-5), colour(i))
	})
	l.grid(d, b.Unit)
	for i := range b.Labels {
		cy := l.top + (float64(i)+0.5)*l.rowH
		b.rowLabel(d, l, i, cy)
		if b.Stacked {
			b.stack(d, l, i, cy)
		} else {
			b.group(d, l, i, cy)
		}
	}
	return d.close()
}

func (b Bars) layout() barLayout {
	l := barLayout{perRow: 1, barH: 16, rowH: 26, valueSize: 12, legendKeyW: 10}
	if !b.Stacked && len(b.Series) > 1 {
		l.perRow, l.barH, l.gap, l.valueSize = len(b.Series), 12, 2, 11
		l.rowH = float64(l.perRow)*(l.barH+l.gap) - l.gap + 14
	}
	labelW := 3.0 * charWidth
	maxV, valueW, integral := 0.0, 0.0, true
	for i, s := range b.Labels {
		labelW = max(labelW, textWidth(s))
		for _, v := range b.ends(i) {
			maxV, valueW = max(maxV, v), max(valueW, textWidth(compact(v)))
			integral = integral && v == math.Trunc(v)
		}
	}
	l.x0 = margin + min(labelW, maxLabelWidth) + 8
	l.ticks = niceTicks(maxV, integral)
	rightPad := max(valueW+6, textWidth(compact(l.ticks[len(l.ticks)-1]))/2) + margin
	l.plotW = width - l.x0 - rightPad
	var legendH float64
	l.legend, legendH = layoutLegend(seriesNames(b.Series), l.legendKeyW, margin, width-margin)
	l.top = margin
	if legendH > 0 {
		l.top += legendH + 8
	}
	l.axisY = l.top + float64(len(b.Labels))*l.rowH
	l.height = l.axisY + 22 + margin
	if strings.TrimSpace(b.Unit) != "" {
		l.height += 16
	}
	return l
}

// ends are the values written at the ends of row i's bars: the total when
// stacked, else one per series.
func (b Bars) ends(i int) []float64 {
	if !b.Stacked {
		ends := make([]float64, len(b.Series))
		for s, ser := range b.Series {
			ends[s] = valueAt(ser, i)
		}
		return ends
	}
	total := 0.0
	for _, ser := range b.Series {
		total += valueAt(ser, i)
	}
	return []float64{total}
}

// x is the horizontal position of value v, rounded to what num prints so
// that adjacent stacked segments meet exactly.
func (l barLayout) x(v float64) float64 {
	return round2(l.x0 + v/l.ticks[len(l.ticks)-1]*l.plotW)
}

// grid writes the vertical gridlines, tick labels and the unit.
func (l barLayout) grid(d *doc, unit string) {
	d.printf(`<g class="axis" fill="%s" text-anchor="middle">`, mutedColour)
	for i, t := range l.ticks {
		stroke := gridColour
		if i == 0 {
			stroke = axisColour
		}
		x := num(l.x(t))
		d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, x, num(l.top-4), x, num(l.axisY), stroke)
		d.printf(`<text x="%s" y="%s">%s</text>`, x, num(l.axisY+16), compact(t))
	}
	if unit = strings.TrimSpace(unit); unit != "" {
		d.printf(`<text class="unit" x="%s" y="%s">%s</text>`, num(l.x0+l.plotW/2), num(l.axisY+34), esc(unit))
	}
	d.printf(`</g>`)
}

// rowLabel writes label i right-aligned before the plot, as a link when it has one.
func (b Bars) rowLabel(d *doc, l barLayout, i int, cy float64) {
	href := ""
	if i < len(b.Links) {
		href = strings.TrimSpace(b.Links[i])
	}
	if href == "" {
		d.label(l.x0-8, cy, b.Labels[i], labelChars, ` text-anchor="end"`)
		return
	}
	d.printf(`<a href="%s">`, esc(href))
	d.label(l.x0-8, cy, b.Labels[i], labelChars, fmt.Sprintf(` text-anchor="end" fill="%s" text-decoration="underline"`, linkColour))
	d.printf(`</a>`)
}

// stack writes row i as one bar of adjacent segments, one per series.
func (b Bars) stack(d *doc, l barLayout, i int, cy float64) {
	total := 0.0
	for s, ser := range b.Series {
		v := valueAt(ser, i)
		x1, x2 := l.x(total), l.x(total+v)
		total += v
		b.rect(d, l, i, s, x1, x2-x1, cy-l.barH/2, v)
	}
	l.value(d, l.x(total)+4, cy, total)
}

// group writes row i as one bar per series, stacked vertically in the row.
func (b Bars) group(d *doc, l barLayout, i int, cy float64) {
	y := cy - (float64(l.perRow)*(l.barH+l.gap)-l.gap)/2
	for s, ser := range b.Series {
		v := valueAt(ser, i)
		b.rect(d, l, i, s, l.x0, l.x(v)-l.x0, y, v)
		l.value(d, l.x(v)+4, y+l.barH/2, v)
		y += l.barH + l.gap
	}
}

// rect writes one bar (or segment) of series s in row i, with its exact
// value as a hover title.
func (b Bars) rect(d *doc, l barLayout, i, s int, x, w, y, v float64) {
	what := b.Labels[i]
	if len(b.Series) > 1 {
		what += " — " + b.Series[s].Name
	}
	d.printf(`<rect class="bar" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s: %s</title></rect>`,
		num(x), num(y), num(w), num(l.barH), colour(s), esc(what), esc(withUnit(v, b.Unit)))
}

// value writes the compact number at a bar's end.
func (l barLayout) value(d *doc, x, cy, v float64) {
	d.printf(`<text class="value" x="%s" y="%s" dy="0.35em" font-size="%d">%s</text>`, num(x), num(cy), l.valueSize, compact(v))
}

// describe summarises the chart in words for <desc>.
func (b Bars) describe() string {
	var sb strings.Builder
	sb.WriteString(plural(len(b.Labels), "row"))
	if len(b.Series) > 1 {
		mode := ""
		if b.Stacked {
			mode = " stacked"
		}
		fmt.Fprintf(&sb, ", %s%s (%s)", plural(len(b.Series), "series"), mode, strings.Join(seriesNames(b.Series), ", "))
	}
	bestRow, bestSeries, best := 0, 0, -1.0
	for i := range b.Labels {
		for s, v := range b.ends(i) {
			if v > best {
				bestRow, bestSeries, best = i, s, v
			}
		}
	}
	switch {
	case best == 0:
		sb.WriteString("; all values are 0")
	case b.Stacked && len(b.Series) > 1:
		fmt.Fprintf(&sb, "; largest total: %s %s", b.Labels[bestRow], withUnit(best, b.Unit))
	case len(b.Series) > 1:
		fmt.Fprintf(&sb, "; largest: %s %s (%s)", b.Labels[bestRow], withUnit(best, b.Unit), b.Series[bestSeries].Name)
	default:
		fmt.Fprintf(&sb, "; largest: %s %s", b.Labels[bestRow], withUnit(best, b.Unit))
	}
	return sb.String()
}

// plural is "1 row", "3 rows"; "series" is its own plural.
func plural(n int, word string) string {
	if n != 1 && !strings.HasSuffix(word, "s") {
		word += "s"
	}
	return fmt.Sprintf("%d %s", n, word)
}
