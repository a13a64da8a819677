// Package chart renders bar and line charts as standalone inline SVG strings
// on the server, so the compliance dashboards need no JavaScript and no
// vendored chart library: a page handler puts the string in its template.
//
// Output is deterministic (the same input gives the same bytes), all text is
// XML-escaped, and colours follow the Okabe–Ito palette so that charts stay
// readable for colour-blind viewers; line charts also vary dash patterns so
// that they survive greyscale printing. Values are counts, durations or
// shares: negative and NaN values are drawn as 0.
package chart

import (
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Series is one named sequence of values, one per label or x position.
type Series struct {
	Name   string
	Values []float64
}

const (
	width       = 720 // viewBox width; the page scales the SVG to its container
	margin      = 8   // outer margin on every side
	charWidth   = 7   // estimated advance of one character at 12px
	textColour  = "#1f2933"
	mutedColour = "#64707d"
	gridColour  = "#e4e7eb"
	axisColour  = "#9aa5b1"
	linkColour  = "#005a8c"
	noData      = "No data in this range"
)

// palette is Okabe–Ito, in the order series take it.
var palette = [...]string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}

// colour is the colour of series i; more than eight series reuse colours.
func colour(i int) string { return palette[i%len(palette)] }

// doc accumulates one SVG document.
type doc struct {
	b strings.Builder
}

func (d *doc) printf(format string, args ...any) { fmt.Fprintf(&d.b, format, args...) }

// open starts an SVG document of the given height with its title and desc.
func open(id, title, desc string, height float64) *doc {
	d := &doc{}
	d.printf(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %s" width="100%%" role="img"`, width, num(height))
	d.printf(` aria-labelledby="%s-title %s-desc" font-family="system-ui, sans-serif" font-size="12" fill="%s">`, id, id, textColour)
	d.printf(`<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
	return d
}

func (d *doc) close() string {
	d.b.WriteString("</svg>")
	return d.b.String()
}

// empty is the small chart shown when there is nothing to draw.
func empty(id, title string) string {
	d := open(id, title, noData, 48)
	d.printf(`<text x="%d" y="24" dy="0.35em" text-anchor="middle" fill="%s">%s</text>`, width/2, mutedColour, noData)
	return d.close()
}

// label writes a single-line text element, truncated to maxChars with the
// full text kept in a <title> child for hover. Extra attributes go in attrs.
func (d *doc) label(x, y float64, s string, maxChars int, attrs string) {
	shown, cut := truncate(s, maxChars)
	d.printf(`<text x="%s" y="%s" dy="0.35em"%s>%s`, num(x), num(y), attrs, esc(shown))
	if cut {
		d.printf(`<title>%s</title>`, esc(s))
	}
	d.b.WriteString("</text>")
}

// chartID derives an element id prefix from what the chart shows, so that
// several charts on one page do not share ids unless they are identical.
func chartID(kind, title string, labels []string, series []Series) string {
	h := fnv.New32a()
	write := func(s string) {
		h.Write([]byte(s)) // hash writes never fail
		h.Write([]byte{0})
	}
	write(kind)
	write(title)
	for _, l := range labels {
		write(l)
	}
	for _, s := range series {
		write(s.Name)
	}
	return fmt.Sprintf("chart-%08x", h.Sum32())
}

func titleOr(title string) string {
	if strings.TrimSpace(title) == "" {
		return "Chart"
	}
	return title
}

// hasValues reports whether any series has at least one value.
func hasValues(series []Series) bool {
	for _, s := range series {
		if len(s.Values) > 0 {
			return true
		}
	}
	return false
}

// valueAt is series s's value at position i, 0 where missing; negative and
// NaN values are clamped to 0 and infinities to the largest float.
func valueAt(s Series, i int) float64 {
	if i >= len(s.Values) {
		return 0
	}
	v := s.Values[i]
	switch {
	case math.IsNaN(v) || v < 0:
		return 0
	case math.IsInf(v, 1):
		return math.MaxFloat64
	}
	return v
}

func seriesNames(series []Series) []string {
	names := make([]string, len(series))
	for i, s := range series {
		names[i] = s.Name
	}
	return names
}

// esc escapes s for XML text and attribute values; invalid UTF-8 and
// characters XML forbids become U+FFFD.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never returns an error
	return b.String()
}

// textWidth estimates the rendered width of s at 12px in a sans-serif
// face: capitals and wide letters take more room than lower case, and
// narrow ones less, so that "DOC_REQUIRED_MISSING" is not clipped.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case strings.ContainsRune("MWmw", r):
			w += 10
		case unicode.IsUpper(r) || r == '_' || r == '%':
			w += 8.5
		case strings.ContainsRune("iljtfI.,:;'|! ", r):
			w += 4
		default:
			w += charWidth
		}
	}
	return w
}

// truncate shortens s to at most maxChars runes, ending in "…" when cut.
func truncate(s string, maxChars int) (string, bool) {
	if maxChars < 2 || utf8.RuneCountInString(s) <= maxChars {
		return s, false
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:maxChars-1])) + "…", true
}

// round2 rounds to the two decimals that num prints.
func round2(f float64) float64 { return math.Round(f*100) / 100 }

// num formats an SVG coordinate with at most two decimals.
func num(f float64) string {
	r := round2(f)
	if r == 0 {
		r = 0 // no "-0"
	}
	return fmt.Sprint(r)
}
