package web

import (
	"bytes"
	"cmp"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/chart"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/dashboard"
)

// modes are the transport modes a dashboard may be filtered by.
var modes = []string{"ocean", "air", "truck", "rail"}

// dashboardQuery reads a dashboard's range and filters from the request:
// from and to as dates (YYYY-MM-DD, to inclusive) or RFC 3339 times,
// default the last 30 days; partner; mode; chapter. A partner-bound user
// always gets its own partner.
func (s *Server) dashboardQuery(r *http.Request, name string) (dashboard.Query, error) {
	v := r.URL.Query()
	now := s.Now().UTC()
	q := dashboard.Query{Name: name, To: now, From: now.AddDate(0, 0, -dashboard.Days),
		Partner: v.Get("partner"), Mode: strings.ToLower(v.Get("mode")), Chapter: v.Get("chapter")}
	var err error
	if t := v.Get("to"); t != "" {
		if q.To, err = rangeTime(t, true); err != nil {
			return q, clearway.Errorf(clearway.EINVALID, "to: %s", err.Error())
		}
		if v.Get("from") == "" {
			q.From = q.To.AddDate(0, 0, -dashboard.Days)
		}
	}
	if f := v.Get("from"); f != "" {
		if q.From, err = rangeTime(f, false); err != nil {
			return q, clearway.Errorf(clearway.EINVALID, "from: %s", err.Error())
		}
	}
	switch {
	case !q.From.Before(q.To):
		return q, clearway.Errorf(clearway.EINVALID, "from (%s) must be before to (%s)", q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	case q.To.Sub(q.From) > 366*24*time.Hour:
		return q, clearway.Errorf(clearway.EINVALID, "the range from %s to %s is longer than a year", q.From.Format(time.DateOnly), q.To.Format(time.DateOnly))
	case q.Mode != "" && !slices.Contains(modes, q.Mode):
		return q, clearway.Errorf(clearway.EINVALID, "mode %q: one of %s", q.Mode, strings.Join(modes, ", "))
	}
	if a := v.Get("as_of"); a != "" {
		if q.AsOf, err = time.Parse(time.RFC3339Nano, a); err != nil || q.AsOf.After(now) || now.Sub(q.AsOf) > 24*time.Hour {
			return q, clearway.Errorf(clearway.EINVALID, "as_of %q: a time (RFC 3339) within the last 24 hours, such as a dashboard's computed_at", a)
		}
	}
	if p := userOf(r).Partner; p != "" {
		q.Partner = p
	}
	return q, nil
}

// rangeTime reads a date (the start of that UTC day; with end, of the
// next, so a "to" date includes its day) or an RFC 3339 time.
func rangeTime(s string, end bool) (time.Time, error) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, clearway.Errorf(clearway.EINVALID, "%q is neither a date (2026-12-01) nor a time (2026-12-01T08:00:00Z)", s)
	}
	return t.UTC(), nil
}

// visible reports whether the request's user may see dashboard name: a
// broker's or supplier's user sees those about its own shipments, not the
// governance of every partner.
func visible(r *http.Request, name string) bool {
	return dashboard.Valid(name) && (name != "governance" || userOf(r).Partner == "")
}

// buildDashboard computes dashboard name for the request.
func (s *Server) buildDashboard(r *http.Request, name string) (*dashboard.Dashboard, error) {
	if !visible(r, name) {
		return nil, errNotFound
	}
	q, err := s.dashboardQuery(r, name)
	if err != nil {
		return nil, err
	}
	in, err := viewOf(r).DashboardInput(r.Context(), q, s.partnerRoles(), s.Governance)
	if err != nil {
		return nil, err
	}
	return dashboard.Build(q, in)
}

// partnerRoles maps each configured partner to its role.
func (s *Server) partnerRoles() map[string]string {
	roles := make(map[string]string, len(s.Partners))
	for _, p := range s.Partners {
		roles[p.ID] = p.Role
	}
	return roles
}

// apiDashboards is GET /api/v1/dashboards: the dashboards the user sees.
func (s *Server) apiDashboards(w http.ResponseWriter, r *http.Request) error {
	type item struct {
		Name  string `json:"name"`
		Title string `json:"title"`
		URL   string `json:"url"`
	}
	var out []item
	for _, n := range dashboard.Names {
		if visible(r, n) {
			out = append(out, item{n, dashboard.Titles[n], "/api/v1/dashboards/" + n})
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// apiDashboard is GET /api/v1/dashboards/{name}: JSON, or with format=csv
// one section's table (section=KEY, default the first).
func (s *Server) apiDashboard(w http.ResponseWriter, r *http.Request) error {
	d, err := s.buildDashboard(r, r.PathValue("name"))
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		return writeJSON(w, http.StatusOK, d)
	case "csv":
		key := cmp.Or(r.URL.Query().Get("section"), d.Sections[0].Key)
		sec := d.Find(key)
		if sec == nil {
			var keys []string
			for _, s := range d.Sections {
				keys = append(keys, s.Key)
			}
			return clearway.Errorf(clearway.EINVALID, "section %q: dashboard %s has %s", key, d.Name, strings.Join(keys, ", "))
		}
		var buf bytes.Buffer
		if err := sec.WriteCSV(&buf); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+d.Name+"-"+sec.Key+`.csv"`)
		_, err := w.Write(buf.Bytes())
		return err
	}
	return clearway.Errorf(clearway.EINVALID, "format %q: json or csv", r.URL.Query().Get("format"))
}

// dashParams keeps the parameters that choose a dashboard's figures (its
// range and filters), for links that must show the same ones.
func dashParams(v url.Values) url.Values {
	out := url.Values{}
	for _, k := range []string{"from", "to", "partner", "mode", "chapter"} {
		if v.Get(k) != "" {
			out.Set(k, v.Get(k))
		}
	}
	return out
}

// rowLink is where a row's figures lead: the portfolio filtered to the
// shipments behind the row, or for a partner's error rate its files.
func rowLink(d *dashboard.Dashboard, sec *dashboard.Section, key string, base url.Values) string {
	if sec.Key == "error-rates" {
		return "/files?partner=" + url.QueryEscape(key)
	}
	if sec.Key == "delay-cost" {
		return ""
	}
	v := dashParams(base)
	v.Set("as_of", d.Computed.Format(time.RFC3339Nano))
	v.Set("dash", d.Name)
	v.Set("section", sec.Key)
	v.Set("row", key)
	return "/?" + v.Encode()
}

// chartSVG draws a section's chart, the row labels linking like the rows.
func chartSVG(d *dashboard.Dashboard, sec *dashboard.Section, base url.Values) template.HTML {
	c := sec.Chart
	series := make([]chart.Series, len(c.Series))
	for i, s := range c.Series {
		series[i] = chart.Series{Name: s.Name, Values: s.Values}
	}
	title := d.Title + ": " + sec.Title
	switch c.Kind {
	case "bars":
		links := make([]string, len(c.Keys))
		for i, k := range c.Keys {
			links[i] = rowLink(d, sec, k, base)
		}
		return template.HTML(chart.Bars{Title: title, Unit: c.Unit, Labels: c.Labels, Series: series, Stacked: c.Stacked, Links: links}.SVG())
	case "lines":
		return template.HTML(chart.Lines{Title: title, Unit: c.Unit, X: c.Labels, Series: series}.SVG())
	}
	return ""
}
