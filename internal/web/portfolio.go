package web

import (
	"net/http"
	"net/url"

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
	rows, next, err := viewOf(r).Shipments(r.Context(), f)
	if err != nil {
		return err
	}
	d := portfolioData{State: f.State, Partner: f.Partner, Q: f.Q, All: all, States: states, Partners: s.Partners,
		ShowPartnerFilter: viewOf(r).Scope().All(), FirstPage: f.Cursor == "",
		Filtered: f.State != "" || f.Partner != "" || f.Q != "" || all}
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
	d.FirstURL = "/?" + q.Encode()
	if next != "" {
		q.Set("cursor", next)
		d.NextURL = "/?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "portfolio", "Shipments", d)
	return nil
}
