package chart_test

import (
	"fmt"
	"strings"

	"github.com/clearway/clearway/internal/chart"
)

// A page handler renders a chart once and puts the string in its template
// (as template.HTML: the package escapes every text it draws).
func ExampleBars() {
	svg := chart.Bars{
		Title:  "Late shipments by lane",
		Unit:   "shipments",
		Labels: []string{"CN → USLAX (ocean)", "DE → USNYC (air)"},
		Series: []chart.Series{{Name: "Late", Values: []float64{12, 3}}},
		Links:  []string{"/lanes/cn-uslax", "/lanes/de-usnyc"},
	}.SVG()
	fmt.Println(strings.HasPrefix(svg, `<svg xmlns="http://www.w3.org/2000/svg" class="chart"`))
	fmt.Println(strings.Count(svg, `<rect class="bar"`), "bars,", strings.Count(svg, "<a href="), "links")
	// Output:
	// true
	// 2 bars, 2 links
}
