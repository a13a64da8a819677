// Package dashboard computes the dashboards of PRODUCT.md §11.4 (docs/
// dashboards.md defines every figure): portfolio, readiness by supplier,
// broker response, exceptions by lane, holds by route and governance. It
// is pure: the store loads the rows (Input), this counts them, and the web
// layer draws the result. Every row names the shipments behind it so a
// figure links to them.
package dashboard

import (
	"fmt"
	"slices"
	"time"
)

// Names lists the dashboards in page order.
var Names = []string{"portfolio", "readiness-by-supplier", "broker-response", "exceptions-by-lane", "holds-by-route", "governance"}

// Titles are the dashboards' headings.
var Titles = map[string]string{
	"portfolio":             "Portfolio: entries in progress",
	"readiness-by-supplier": "Document readiness by supplier",
	"broker-response":       "Broker response times",
	"exceptions-by-lane":    "Exceptions by lane",
	"holds-by-route":        "Holds and exams by route and product family",
	"governance":            "Governance: error rates, review aging, value at risk",
}

// Query is what a dashboard is asked for.
type Query struct {
	Name     string
	From, To time.Time // the date range, [From, To)
	Partner  string    // only shipments this partner is party to, "" for all
	Mode     string    // only shipments of this mode, "" for all
	Chapter  string    // holds-by-route: the HS chapter to show by heading
	// AsOf is the instant the "now" figures (age in state, days held, age
	// of open reviews) are computed at; zero for the current time. A CSV
	// asked with the JSON's computed_at matches that JSON.
	AsOf time.Time
}

// Days is the default range: the 30 days up to now.
const Days = 30

// Dashboard is one computed dashboard.
type Dashboard struct {
	Name     string    `json:"name"`
	Title    string    `json:"title"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Partner  string    `json:"partner,omitempty"`
	Mode     string    `json:"mode,omitempty"`
	Computed time.Time `json:"computed_at"`
	Sections []Section `json:"sections"`
}

// Section is one chart and table of a dashboard.
type Section struct {
	Key     string   `json:"key"`
	Title   string   `json:"title"`
	Note    string   `json:"note,omitempty"` // how to read it, or the formula and its inputs
	Columns []Column `json:"columns"`
	Rows    []Row    `json:"rows"`
	Chart   Chart    `json:"-"`
}

// Column is one column of a section's table.
type Column struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Unit  string `json:"unit,omitempty"` // count, hours, days, percent, per_100, value, or "" for text
}

// Row is one line of a section's table: a cell per column, each a string,
// an int, a float64 or nil (no data: a median of nothing).
type Row struct {
	Key       string
	Cells     []any
	Shipments []int64 // the shipments behind the row, for its link
}

// Chart is what a section draws: bars per row (Labels) or lines over days
// (X), one series each.
type Chart struct {
	Kind    string // "bars" or "lines"; "" draws nothing
	Unit    string
	Labels  []string // bars: a row each; lines: the days
	Keys    []string // bars: the row keys, for links
	Series  []Series
	Stacked bool
}

// Series is one named sequence of chart values.
type Series struct {
	Name   string
	Values []float64
}

// Find returns the section with key k, or nil.
func (d *Dashboard) Find(k string) *Section {
	for i := range d.Sections {
		if d.Sections[i].Key == k {
			return &d.Sections[i]
		}
	}
	return nil
}

// RowShipments returns the shipments behind row key in section sec.
func (d *Dashboard) RowShipments(sec, key string) ([]int64, bool) {
	s := d.Find(sec)
	if s == nil {
		return nil, false
	}
	for _, r := range s.Rows {
		if r.Key == key {
			return r.Shipments, true
		}
	}
	return nil, false
}

// Build computes dashboard q.Name from in.
func Build(q Query, in *Input) (*Dashboard, error) {
	build, ok := builders[q.Name]
	if !ok {
		return nil, fmt.Errorf("unknown dashboard %q (one of %v)", q.Name, Names)
	}
	d := &Dashboard{Name: q.Name, Title: Titles[q.Name], From: q.From, To: q.To, Partner: q.Partner, Mode: q.Mode, Computed: in.Now}
	d.Sections = build(q, in)
	return d, nil
}

var builders = map[string]func(Query, *Input) []Section{
	"portfolio":             portfolio,
	"readiness-by-supplier": readinessBySupplier,
	"broker-response":       brokerResponse,
	"exceptions-by-lane":    exceptionsByLane,
	"holds-by-route":        holdsByRoute,
	"governance":            governanceBoard,
}

// Valid reports whether name is a dashboard.
func Valid(name string) bool { return slices.Contains(Names, name) }
