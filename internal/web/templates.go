package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/lifecycle"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// staticFiles serves the embedded CSS.
func staticFiles() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	fsrv := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

// pages are the parsed templates, one set per page (the page and the
// shared layout).
type pages struct {
	sets map[string]*template.Template
}

// pageNames are the page templates under templates/.
var pageNames = []string{"login", "error", "portfolio", "workspace", "reviews", "files", "report", "tokens", "dashboards", "notifications",
	"mappings", "mapping", "proposal", "rerun"}

// loadPages parses every page with the layout.
func loadPages() (*pages, error) {
	p := &pages{sets: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/replay_table.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		p.sets[name] = t
	}
	return p, nil
}

// layout is what every page gets: the page's own data is Data.
type layout struct {
	Title  string
	Page   string
	User   *account.User
	Notice string
	// Problem is an error of the last form, shown above the page.
	Problem string
	// Unread is how many notifications wait for the user's acknowledgement.
	Unread int
	Data   any
}

// render writes a page with the layout.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	l := layout{Title: title, Page: name, Data: data, Notice: r.URL.Query().Get("notice"), Problem: r.URL.Query().Get("problem")}
	if who, ok := r.Context().Value(whoKey{}).(*who); ok && who != nil {
		l.User = who.user
		l.Unread, _ = who.view.UnreadCount(r.Context()) // the count is a courtesy: a page never fails for it
	}
	var buf bytes.Buffer
	if err := s.pages.sets[name].Execute(&buf, l); err != nil {
		s.Logger.Error("render page", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; script-src 'none'; frame-ancestors 'none'; form-action 'self'")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorData is the error page's.
type errorData struct {
	Status  int
	Heading string
	Message string
}

// pageError answers err as a page. What the user may not see, and what
// does not exist, get the same plain "Not found" page.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := s.userError(r, err)
	status := statusOf(code)
	d := errorData{Status: status, Heading: http.StatusText(status), Message: msg}
	if status == http.StatusNotFound {
		d.Heading, d.Message = "Not found", "There is nothing here, or nothing you have access to."
	}
	s.render(w, r, status, "error", d.Heading, d)
}

// formDone ends a form post: back to the page (a local path) with a
// notice, or with the problem for what the user can fix (invalid,
// conflict, too large); forbidden, not found and internal errors get the
// error page.
func (s *Server) formDone(w http.ResponseWriter, r *http.Request, back, notice string, err error) error {
	back = localPath(back)
	if err != nil {
		switch code := clearway.ErrorCode(err); code {
		case clearway.EINVALID, clearway.ECONFLICT, clearway.ETOOLARGE:
			_, msg := s.userError(r, err)
			http.Redirect(w, r, withParam(back, "problem", msg), http.StatusSeeOther)
			return nil
		}
		return err
	}
	http.Redirect(w, r, withParam(back, "notice", notice), http.StatusSeeOther)
	return nil
}

// withParam sets one query parameter of a local URL.
func withParam(u, key, val string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "/"
	}
	q := p.Query()
	q.Del("notice")
	q.Del("problem")
	if val != "" {
		q.Set(key, val)
	}
	p.RawQuery = q.Encode()
	return p.String()
}

// states are the entry states, in lifecycle order, for filters and forms.
var states = []lifecycle.State{lifecycle.Planned, lifecycle.PreAlerted, lifecycle.DocsIncomplete, lifecycle.FileReady,
	lifecycle.Submitted, lifecycle.Rejected, lifecycle.Accepted, lifecycle.OnHold, lifecycle.UnderExam, lifecycle.Released,
	lifecycle.SummaryFiled, lifecycle.Finalized, lifecycle.Refused, lifecycle.Seized, lifecycle.GeneralOrder,
	lifecycle.Cancelled, lifecycle.Closed}

// funcs are the template helpers.
var funcs = template.FuncMap{
	"badge":       badgeClass,
	"human":       human,
	"age":         age,
	"when":        when,
	"trimSubject": func(s string) string { return strings.TrimPrefix(s, "[Clearway] ") },
	"shortHash":   clearway.ShortHash,
	"join":        strings.Join,
	"severity":    func(s string) string { return "sev-" + s },
	"fileClass":   func(s clearway.FileState) string { return "file-" + string(s) },
	"basename":    func(s string) string { return s[strings.LastIndex(s, "/")+1:] },
	"bytes":       humanBytes,
	"identLabel":  identLabel,
	"pathEscape":  url.PathEscape,
	"decision":    decision,
	"outcomeClass": func(o any) string {
		switch fmt.Sprint(o) {
		case "newly accepted":
			return "badge-ready"
		case "changed":
			return "badge-customs"
		case "now rejected", "still rejected", "failed":
			return "badge-alert"
		}
		return "badge-plan"
	},
	"proposalClass": func(s string) string {
		return map[string]string{"submitted": "badge-warn", "approved": "badge-done", "rejected": "badge-alert", "withdrawn": "badge-plan"}[s]
	},
}

// badgeClass groups states into a few calm colours: waiting on documents,
// ready, with customs, a problem, done.
func badgeClass(state any) string {
	switch fmt.Sprint(state) {
	case "PLANNED", "PRE_ALERTED":
		return "badge badge-plan"
	case "DOCS_INCOMPLETE":
		return "badge badge-warn"
	case "FILE_READY":
		return "badge badge-ready"
	case "SUBMITTED", "ACCEPTED":
		return "badge badge-customs"
	case "ON_HOLD", "EXAM", "REJECTED", "REFUSED", "SEIZED", "GENERAL_ORDER":
		return "badge badge-alert"
	case "RELEASED", "SUMMARY_FILED", "FINALIZED", "CLOSED":
		return "badge badge-done"
	}
	return "badge"
}

// human turns SNAKE_CASE or snake_case into words.
func human(s any) string {
	t := strings.ToLower(strings.ReplaceAll(fmt.Sprint(s), "_", " "))
	if t == "" {
		return ""
	}
	return strings.ToUpper(t[:1]) + t[1:]
}

// identLabel is the short label of an identifier kind.
func identLabel(kind string) string {
	switch kind {
	case "bill_of_lading":
		return "B/L"
	case "house_bill":
		return "HBL"
	case "entry_number":
		return "Entry"
	case "container_number":
		return "Container"
	case "po_number":
		return "PO"
	case "invoice_number":
		return "Invoice"
	case "booking_number":
		return "Booking"
	case "air_waybill":
		return "AWB"
	}
	return human(kind)
}

// age is how long ago t was, shortly ("3d 4h", "25m").
func age(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// when formats a time for people (UTC, minutes).
func when(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.UTC().Format("2006-01-02 15:04 UTC")
	case *time.Time:
		if v == nil {
			return ""
		}
		return v.UTC().Format("2006-01-02 15:04 UTC")
	case string:
		if tt, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return tt.UTC().Format("2006-01-02 15:04 UTC")
		}
		return v
	}
	return fmt.Sprint(t)
}

// humanBytes formats a size.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// decideArgs is what the shared decide form needs.
type decideArgs struct {
	ID      int64
	Kind    string
	Reasons []string
	Back    string
}

// decision builds the decide form's arguments in a template.
func decision(id int64, kind string, reasons []string, back string) decideArgs {
	return decideArgs{ID: id, Kind: kind, Reasons: reasons, Back: back}
}
