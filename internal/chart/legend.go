package chart

// legendChars is the longest series name a legend shows before truncating.
const legendChars = 40

// legendItem is the position of one legend entry: its left edge and the
// centre line of its row, relative to the top of the legend.
type legendItem struct{ x, y float64 }

// layoutLegend places one entry per series left to right from x0, wrapping
// before maxX, and returns the legend height. Fewer than two series need no
// legend: the chart's title names the only one.
func layoutLegend(names []string, swatchW, x0, maxX float64) ([]legendItem, float64) {
	if len(names) < 2 {
		return nil, 0
	}
	const rowH = 18
	items := make([]legendItem, len(names))
	x, y := x0, rowH/2.0
	for i, name := range names {
		shown, _ := truncate(name, legendChars)
		w := swatchW + 6 + textWidth(shown)
		if x > x0 && x+w > maxX {
			x, y = x0, y+rowH
		}
		items[i] = legendItem{x, y}
		x += w + 18
	}
	return items, y + rowH/2
}

// legend writes the entries laid out by layoutLegend with their top at top;
// swatch draws series i's key with its left edge at x, centred on y.
func (d *doc) legend(names []string, items []legendItem, top, swatchW float64, swatch func(i int, x, y float64)) {
	if len(items) == 0 {
		return
	}
	d.printf(`<g class="legend">`)
	for i, it := range items {
		y := top + it.y
		swatch(i, it.x, y)
		d.label(it.x+swatchW+6, y, names[i], legendChars, "")
	}
	d.printf(`</g>`)
}
