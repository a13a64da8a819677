package web

import (
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/packet"
	"github.com/clearway/clearway/internal/sqlite"
)

// shipmentFilter reads the portfolio filter from the query: state,
// partner, q, limit, cursor; open=1 leaves out finished shipments.
func shipmentFilter(r *http.Request, openByDefault bool) (sqlite.ShipmentFilter, error) {
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return sqlite.ShipmentFilter{}, err
	}
	open := openByDefault
	switch q.Get("open") {
	case "1", "true", "yes":
		open = true
	case "0", "false", "no":
		open = false
	}
	return sqlite.ShipmentFilter{State: q.Get("state"), Partner: q.Get("partner"), Q: q.Get("q"), Open: open,
		Limit: limit, Cursor: q.Get("cursor")}, nil
}

// shipmentPage is a page of the shipments list.
type shipmentPage struct {
	Items []sqlite.PortfolioRow `json:"items"`
	Next  string                `json:"next"`
}

// apiShipments is GET /api/v1/shipments.
func (s *Server) apiShipments(w http.ResponseWriter, r *http.Request) error {
	f, err := shipmentFilter(r, false)
	if err != nil {
		return err
	}
	rows, next, err := viewOf(r).Shipments(r.Context(), f)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []sqlite.PortfolioRow{}
	}
	return writeJSON(w, http.StatusOK, shipmentPage{Items: rows, Next: next})
}

// apiShipment is GET /api/v1/shipments/{ref}: `shipment show --json`.
func (s *Server) apiShipment(w http.ResponseWriter, r *http.Request) error {
	sh, err := viewOf(r).Shipment(r.Context(), r.PathValue("ref"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sh)
}

// apiDocument is GET /api/v1/shipments/{ref}/documents/{id}.
func (s *Server) apiDocument(w http.ResponseWriter, r *http.Request) error {
	return s.serveDocument(w, r)
}

// documentPage is the workspace's download link of a document.
func (s *Server) documentPage(w http.ResponseWriter, r *http.Request) error {
	return s.serveDocument(w, r)
}

// serveDocument sends a document version's bytes from the archive.
func (s *Server) serveDocument(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := viewOf(r).Document(r.Context(), r.PathValue("ref"), id)
	if err != nil {
		return err
	}
	if !can(r, account.Download) {
		return clearway.Errorf(clearway.EFORBIDDEN, "a %s user may not download documents", userOf(r).Role)
	}
	f, err := s.Archive.OpenFile(d.SHA256)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	name := path.Base(d.Name)
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", st.ModTime(), f)
	return nil
}

// apiPacket is GET /api/v1/shipments/{ref}/packet.
func (s *Server) apiPacket(w http.ResponseWriter, r *http.Request) error { return s.servePacket(w, r) }

// packetPage is the workspace's packet link.
func (s *Server) packetPage(w http.ResponseWriter, r *http.Request) error { return s.servePacket(w, r) }

// servePacket writes the audit packet zip of a shipment the user sees.
func (s *Server) servePacket(w http.ResponseWriter, r *http.Request) error {
	sh, err := viewOf(r).Shipment(r.Context(), r.PathValue("ref"))
	if err != nil {
		return err
	}
	if !can(r, account.ExportPacket) {
		return clearway.Errorf(clearway.EFORBIDDEN, "a %s user may not export packets", userOf(r).Role)
	}
	// The View said the user sees it: load the packet by its own ref.
	c, err := packet.Load(r.Context(), s.DB, sh.Ref)
	if err != nil {
		return err
	}
	c.Now = s.Now()
	c.OpenDocument = func(sum string) (io.ReadCloser, error) { return s.Archive.OpenFile(sum) }
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": safeFileName(sh.Ref) + "-packet.zip"}))
	if err := packet.Write(w, c); err != nil {
		// Headers are gone: log it; the client sees a broken zip.
		s.Logger.Error("write packet", "ref", sh.Ref, "error", err)
	}
	return nil
}

// safeFileName keeps letters, digits, dots, dashes and underscores.
func safeFileName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, name)
}
