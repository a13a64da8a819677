package web

import (
	"cmp"
	"errors"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/clearway/clearway/internal/dashboard"
)

// dashboardsData is what the dashboards page shows.
type dashboardsData struct {
	From, To, Partner, Mode, Chapter string
	Partners                         []Partner
	Modes                            []string
	ShowPartnerFilter                bool
	Boards                           []boardView
}

// boardView is one dashboard on the page.
type boardView struct {
	Name, Title, JSONURL string
	Computed             time.Time
	Sections             []sectionView
}

// sectionView is one section: its chart and its sortable table.
type sectionView struct {
	Anchor, Title, Note, CSVURL string
	Fold                        bool // a long table shown folded under its chart
	Chart                       template.HTML
	Columns                     []columnView
	Rows                        []rowView
}

type columnView struct {
	Label, Unit, SortURL string
	Num, Sorted, Desc    bool
}

type rowView struct {
	Link  string // the shipments behind the row
	Drill string // holds by product family: the chapter by heading
	Cells []cellView
}

type cellView struct {
	Text string
	Num  bool
}

// dashboardsPage is GET /dashboards: every dashboard the user may see, for
// one range and filter, each section a chart and a table.
func (s *Server) dashboardsPage(w http.ResponseWriter, r *http.Request) error {
	base := r.URL.Query()
	d := dashboardsData{Partner: base.Get("partner"), Mode: base.Get("mode"), Chapter: base.Get("chapter"),
		Partners: s.Partners, Modes: modes, ShowPartnerFilter: userOf(r).Partner == ""}
	boards, err := s.buildVisible(r)
	if err != nil {
		return err
	}
	for _, b := range boards {
		d.From, d.To = b.From.Format(time.DateOnly), b.To.Add(-time.Nanosecond).Format(time.DateOnly)
		d.Boards = append(d.Boards, boardOf(b, base))
	}
	s.render(w, r, http.StatusOK, "dashboards", "Dashboards", d)
	return nil
}

// buildVisible computes every dashboard the user may see, side by side
// (each reads the store on its own connection), in page order.
func (s *Server) buildVisible(r *http.Request) ([]*dashboard.Dashboard, error) {
	var names []string
	for _, n := range dashboard.Names {
		if visible(r, n) {
			names = append(names, n)
		}
	}
	boards := make([]*dashboard.Dashboard, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() { boards[i], errs[i] = s.buildDashboard(r, n) })
	}
	wg.Wait()
	return boards, errors.Join(errs...)
}

// boardOf lays a dashboard out for the page.
func boardOf(b *dashboard.Dashboard, base url.Values) boardView {
	v := boardView{Name: b.Name, Title: b.Title, Computed: b.Computed, JSONURL: apiURL(b, "", base)}
	for i := range b.Sections {
		sec := &b.Sections[i]
		sortRows(b.Name, sec, base)
		sv := sectionView{Anchor: b.Name + "-" + sec.Key, Title: sec.Title, Note: sec.Note, Fold: len(sec.Rows) > foldRows && sec.Chart.Kind != "",
			CSVURL: apiURL(b, sec.Key, base), Chart: chartSVG(b, sec, base)}
		sortKey, desc := base.Get("sort"), base.Get("dir") == "desc"
		if strings.HasPrefix(sortKey, b.Name+"."+sec.Key+".") {
			sv.Fold = false // the table the reader is sorting stays open
		}
		for _, c := range sec.Columns {
			id := b.Name + "." + sec.Key + "." + c.Key
			next := maps.Clone(base)
			next.Set("sort", id)
			next.Set("dir", nextDir(sortKey == id, desc, c.Unit != ""))
			sv.Columns = append(sv.Columns, columnView{Label: c.Label, Unit: unitText(c.Unit), Num: c.Unit != "",
				SortURL: "/dashboards?" + next.Encode() + "#" + sv.Anchor, Sorted: sortKey == id, Desc: desc})
		}
		for _, row := range sec.Rows {
			rv := rowView{}
			if len(row.Shipments) > 0 || sec.Key == "error-rates" {
				rv.Link = rowLink(b, sec, row.Key, base)
			}
			if b.Name == "holds-by-route" && sec.Key == "families" && base.Get("chapter") == "" && row.Key != "?" {
				drill := maps.Clone(base)
				drill.Set("chapter", row.Key)
				rv.Drill = "/dashboards?" + drill.Encode() + "#" + sv.Anchor
			}
			for j, c := range row.Cells {
				rv.Cells = append(rv.Cells, cellView{Text: cellText(c, sec.Columns[j].Unit), Num: sec.Columns[j].Unit != ""})
			}
			sv.Rows = append(sv.Rows, rv)
		}
		v.Sections = append(v.Sections, sv)
	}
	return v
}

// nextDir is the order a column header's link asks for: the other one
// when the table is sorted by that column, else largest first for figures
// and A to Z for text.
func nextDir(sorted, desc, figures bool) string {
	if (sorted && !desc) || (!sorted && figures) {
		return "desc"
	}
	return "asc"
}

// foldRows is how many rows a table under a chart shows unfolded.
const foldRows = 15

// sortRows orders a section's rows by the column the request names
// (sort=<dashboard>.<section>.<column>, dir=asc|desc); no data sorts last.
func sortRows(name string, sec *dashboard.Section, base url.Values) {
	prefix := name + "." + sec.Key + "."
	col, ok := strings.CutPrefix(base.Get("sort"), prefix)
	if !ok {
		return
	}
	j := slices.IndexFunc(sec.Columns, func(c dashboard.Column) bool { return c.Key == col })
	if j < 0 {
		return
	}
	desc := base.Get("dir") == "desc"
	slices.SortStableFunc(sec.Rows, func(a, b dashboard.Row) int {
		x, y := a.Cells[j], b.Cells[j]
		switch {
		case x == nil && y == nil:
			return 0
		case x == nil:
			return 1
		case y == nil:
			return -1
		}
		c := compareCells(x, y)
		if desc {
			c = -c
		}
		return c
	})
}

func compareCells(x, y any) int {
	xs, xok := x.(string)
	ys, yok := y.(string)
	if xok && yok {
		return strings.Compare(xs, ys)
	}
	return cmp.Compare(dashboard.Number(x), dashboard.Number(y))
}

// apiURL is the API address of a dashboard (JSON) or of one section
// (CSV), as of the instant the page computed it, so the download shows
// what the page showed.
func apiURL(b *dashboard.Dashboard, section string, base url.Values) string {
	v := dashParams(base)
	v.Set("as_of", b.Computed.Format(time.RFC3339Nano))
	if section != "" {
		v.Set("format", "csv")
		v.Set("section", section)
	}
	return "/api/v1/dashboards/" + b.Name + "?" + v.Encode()
}

// cellText writes a cell for the page: amounts with thousands separators
// and cents, no data as a dash.
func cellText(c any, unit string) string {
	if f, ok := c.(float64); ok && unit == "value" {
		return dashboard.Money(f)
	}
	return cmp.Or(dashboard.Text(c), "–")
}

// unitText is how a column's unit reads in its header.
func unitText(u string) string {
	switch u {
	case "hours":
		return "h"
	case "days":
		return "days"
	case "percent":
		return "%"
	case "per_100":
		return "per 100"
	}
	return ""
}
