package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/clearway/clearway/internal/lifecycle"
	"github.com/clearway/clearway/internal/sqlite"
)

// ident is one identifier as the portfolio shows it.
type ident struct{ Label, Value string }

// portfolioRow is a portfolio row with its identifiers in reading order.
type portfolioRow struct {
	sqlite.PortfolioRow
	Idents []ident
}

// portfolioData is what the portfolio page shows.
type portfolioData struct {
	Rows                []portfolioRow
	State, Partner, Q   string
	All                 bool
	States              []lifecycle.State
	Partners            []Partner
	ShowPartnerFilter   bool
	NextURL, FirstURL   string
	Filtered, FirstPage bool
	// Behind names the dashboard figure whose shipments are listed, and
	// BackURL leads back to it.
	Behind, BackURL string
}

// portfolioIdents are the identifier kinds the portfolio shows, in order.
var portfolioIdents = []string{"bill_of_lading", "house_bill", "air_waybill", "entry_number", "container_number", "po_number", "invoice_number"}

// portfolioPage is GET /: the shipments in progress the user sees.
func (s *Server) portfolioPage(w http.ResponseWriter, r *http.Request) error {
	f, err := shipmentFilter(r, true)
	if err != nil {
		return err
	}
	all := r.URL.Query().Get("all") == "1"
	if all {
		f.Open = false
	}
	behind, back, err := s.behindFigure(r, &f)
	if err != nil {
		return err
	}
	rows, next, err := viewOf(r).Shipments(r.Context(), f)
	if err != nil {
		return err
	}
	d := portfolioData{State: f.State, Partner: f.Partner, Q: f.Q, All: all, States: states, Partners: s.Partners,
		ShowPartnerFilter: viewOf(r).Scope().All(), FirstPage: f.Cursor == "",
		Filtered: f.State != "" || f.Partner != "" || f.Q != "" || all || behind != "", Behind: behind, BackURL: back}
	for _, row := range rows {
		pr := portfolioRow{PortfolioRow: row}
		for _, k := range portfolioIdents {
			for _, v := range row.Identifiers[k] {
				pr.Idents = append(pr.Idents, ident{identLabel(k), v})
			}
		}
		d.Rows = append(d.Rows, pr)
	}
	q := url.Values{}
	for k, v := range map[string]string{"state": f.State, "partner": f.Partner, "q": f.Q} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if all {
		q.Set("all", "1")
	}
	for _, k := range []string{"dash", "section", "row", "from", "to", "mode", "chapter"} {
		if v := r.URL.Query().Get(k); v != "" && behind != "" {
			q.Set(k, v)
		}
	}
	d.FirstURL = "/?" + q.Encode()
	if next != "" {
		q.Set("cursor", next)
		d.NextURL = "/?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "portfolio", "Shipments", d)
	return nil
}

// behindFigure limits f to the shipments behind a dashboard figure when
// the request names one (dash, section, row, and the dashboard's range and
// filters), and says which, with the way back.
func (s *Server) behindFigure(r *http.Request, f *sqlite.ShipmentFilter) (behind, back string, err error) {
	v := r.URL.Query()
	if v.Get("dash") == "" {
		return "", "", nil
	}
	d, err := s.buildDashboard(r, v.Get("dash"))
	if err != nil {
		return "", "", err
	}
	ids, ok := d.RowShipments(v.Get("section"), v.Get("row"))
	if !ok {
		return "", "", errNotFound
	}
	f.IDs, f.Open = append(make([]int64, 0, len(ids)), ids...), false
	sec := d.Find(v.Get("section"))
	back = "/dashboards?" + dashParams(v).Encode() + "#" + d.Name + "-" + sec.Key
	return fmt.Sprintf("%s › %s › %s (%s to %s)", d.Title, sec.Title, v.Get("row"),
		d.From.Format(time.DateOnly), d.To.Add(-time.Nanosecond).Format(time.DateOnly)), back, nil
}
