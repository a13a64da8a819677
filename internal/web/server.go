// Package web is the people's side of Clearway (PRODUCT.md §11): the web
// workspace (server-rendered pages) and the JSON API v1 over the same store
// and the same intake, behind one set of middleware — session or token
// authentication, cross-origin protection and request logging. Every read
// goes through the store's View of the request's user, so what a user may
// not see is never loaded, and answers 404.
package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/dashboard"
	"github.com/clearway/clearway/internal/defender"
	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/intake"
	"github.com/clearway/clearway/internal/metrics"
	"github.com/clearway/clearway/internal/sqlite"
)

// Partner is what the web needs to know of a configured partner: who it
// is and which mappings read its files (where an upload goes).
type Partner struct {
	ID, Name, Role string
	Mappings       []string
}

// Server serves the web workspace and the JSON API. Set the fields, then
// Open; Close stops it.
type Server struct {
	// Listen is the host:port to serve on ("127.0.0.1:0" in tests).
	Listen string
	DB     *sqlite.DB
	// Archive holds uploaded documents, decision attachments and the
	// bytes every download reads.
	Archive archive.Store
	// Intake journals uploads exactly like an SFTP upload (channel web).
	Intake *intake.Intake
	// Defender bans addresses that keep failing to log in; shared with
	// the SFTP server. Nil: no banning.
	Defender *defender.Defender
	// Folders holds the partners' /errors, where rejection reports are
	// read from; nil shows the report rebuilt from the journal.
	Folders folders.Store
	// Partners are the configured partners.
	Partners []Partner
	// Governance is the governance policy the governance dashboard judges
	// by (config block governance).
	Governance dashboard.Policy
	// Mappings is mapping change control and replays (pages /mappings and
	// the journal's re-run); nil: those pages answer 404.
	Mappings MappingDesk
	// ReasonCodes are the review reason codes of the config.
	ReasonCodes []string
	// SessionIdle ends a session unused this long (default 12h).
	SessionIdle time.Duration
	// MaxUpload bounds an uploaded file in bytes (default 100 MB).
	MaxUpload int64
	// IngestWait bounds how long an upload waits for the pipeline to say
	// what became of the file (default 10s).
	IngestWait time.Duration
	// TLSCertFile and TLSKeyFile, both set, serve HTTPS (and mark the
	// session cookie Secure).
	TLSCertFile, TLSKeyFile string
	// Metrics serves GET /metrics (the hub's Prometheus registry); nil
	// answers 404.
	Metrics http.Handler
	// MetricsToken, when set, opens /metrics to requests from any address
	// that send it as "Authorization: Bearer <token>"; loopback needs none.
	MetricsToken string
	// Counters are the collectors API status posts move (files received
	// and ingested over channel api); nil records nothing.
	Counters *metrics.Metrics
	Logger   *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	ln      net.Listener
	srv     *http.Server
	handler http.Handler
	cop     *http.CrossOriginProtection
	pages   *pages
	wg      sync.WaitGroup
}

// defaultMaxUpload is http.max_upload_mb's default.
const defaultMaxUpload = 100 << 20

// Open validates the fields, listens and serves in the background.
func (s *Server) Open() error {
	if err := s.init(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.Listen)
	if err != nil {
		return fmt.Errorf("http listen %s: %w", s.Listen, err)
	}
	s.srv = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn)}
	if s.tls() {
		cert, err := tls.LoadX509KeyPair(s.TLSCertFile, s.TLSKeyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("http tls: %w", err)
		}
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, s.srv.TLSConfig)
	}
	s.ln = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("http serve", "error", err)
		}
	}()
	s.Logger.Info("http listening", "addr", ln.Addr().String(), "tls", s.tls())
	return nil
}

// init checks the fields, fills in defaults and builds the handler; Open
// calls it, and tests and benchmarks that use Handler without listening.
func (s *Server) init() error {
	if s.handler != nil {
		return nil
	}
	if s.DB == nil || s.Archive == nil {
		return errors.New("web: DB and Archive are required")
	}
	if (s.TLSCertFile == "") != (s.TLSKeyFile == "") {
		return errors.New("web: set both http.tls_cert_file and http.tls_key_file, or neither")
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.SessionIdle <= 0 {
		s.SessionIdle = 12 * time.Hour
	}
	if s.MaxUpload <= 0 {
		s.MaxUpload = defaultMaxUpload
	}
	if s.Governance == (dashboard.Policy{}) {
		s.Governance = dashboard.Policy{ThresholdPct: 2, Window: 7 * 24 * time.Hour, ReviewDue: 48 * time.Hour,
			ResolutionSLA: 24 * time.Hour, FinanceThreshold: 10000}
	}
	if s.IngestWait <= 0 {
		s.IngestWait = 10 * time.Second
	}
	p, err := loadPages()
	if err != nil {
		return err
	}
	s.pages = p
	s.cop = http.NewCrossOriginProtection()
	s.handler = s.logRequests(s.routes())
	return nil
}

// Handler is the server's whole HTTP handler (for tests and benchmarks
// that do not listen).
func (s *Server) Handler() (http.Handler, error) {
	if err := s.init(); err != nil {
		return nil, err
	}
	return s.handler, nil
}

// tls reports whether the server serves HTTPS.
func (s *Server) tls() bool { return s.TLSCertFile != "" && s.TLSKeyFile != "" }

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops the server, letting requests in flight finish for a few
// seconds.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, s.srv.Close())
	}
	s.wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// routes maps every path to its handler (PRODUCT.md §11.2, §11.3).
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /metrics", s.metrics)
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticFiles()))

	// Pages.
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.Handle("POST /logout", s.page(s.logout))
	mux.Handle("GET /{$}", s.page(s.portfolioPage))
	mux.Handle("GET /shipments/{ref}", s.page(s.workspacePage))
	mux.Handle("POST /shipments/{ref}/upload", s.page(s.uploadForm))
	mux.Handle("POST /shipments/{ref}/ask", s.page(s.askForm))
	mux.Handle("POST /shipments/{ref}/set-state", s.page(s.stateForm))
	mux.Handle("POST /shipments/{ref}/legal-hold", s.page(s.legalHoldForm))
	mux.Handle("GET /shipments/{ref}/documents/{id}", s.page(s.documentPage))
	mux.Handle("GET /shipments/{ref}/packet", s.page(s.packetPage))
	mux.Handle("POST /questions/{id}/answer", s.page(s.answerForm))
	mux.Handle("POST /questions/{id}/close", s.page(s.closeForm))
	mux.Handle("GET /reviews", s.page(s.reviewsPage))
	mux.Handle("POST /reviews/{id}/decide", s.page(s.decideForm))
	mux.Handle("GET /files", s.page(s.filesPage))
	mux.Handle("GET /files/{id}/report", s.page(s.reportPage))
	mux.Handle("POST /files/rerun", s.page(s.rerunForm))
	mux.Handle("GET /mappings", s.page(s.mappingsPage))
	mux.Handle("GET /mappings/{name}", s.page(s.mappingPage))
	mux.Handle("POST /mappings/{name}", s.page(s.mappingForm))
	mux.Handle("GET /mappings/proposals/{id}", s.page(s.proposalPage))
	mux.Handle("POST /mappings/proposals/{id}/decide", s.page(s.proposalForm))
	mux.Handle("GET /dashboards", s.page(s.dashboardsPage))
	mux.Handle("GET /notifications", s.page(s.notificationsPage))
	mux.Handle("POST /notifications/ack-all", s.page(s.ackAllForm))
	mux.Handle("POST /notifications/{id}/ack", s.page(s.ackForm))
	mux.Handle("GET /tokens", s.page(s.tokensPage))
	mux.Handle("POST /tokens", s.page(s.createTokenForm))
	mux.Handle("POST /tokens/{id}/revoke", s.page(s.revokeTokenForm))
	mux.Handle("/", s.page(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))

	// JSON API v1.
	const v1 = "/api/v1"
	mux.Handle("GET "+v1+"/shipments", s.api(s.apiShipments))
	mux.Handle("GET "+v1+"/shipments/{ref}", s.api(s.apiShipment))
	mux.Handle("GET "+v1+"/shipments/{ref}/documents/{id}", s.api(s.apiDocument))
	mux.Handle("POST "+v1+"/shipments/{ref}/documents", s.api(s.apiUpload))
	mux.Handle("GET "+v1+"/shipments/{ref}/packet", s.api(s.apiPacket))
	mux.Handle("GET "+v1+"/shipments/{ref}/questions", s.api(s.apiQuestions))
	mux.Handle("POST "+v1+"/shipments/{ref}/questions", s.api(s.apiAsk))
	mux.Handle("POST "+v1+"/questions/{id}/answers", s.api(s.apiAnswer))
	mux.Handle("POST "+v1+"/questions/{id}/close", s.api(s.apiClose))
	mux.Handle("POST "+v1+"/shipments/{ref}/state", s.api(s.apiSetState))
	mux.Handle("POST "+v1+"/shipments/{ref}/legal-hold", s.api(s.apiLegalHold))
	mux.Handle("POST "+v1+"/shipments/{ref}/events", s.api(s.apiPostEvent))
	mux.Handle("GET "+v1+"/reviews", s.api(s.apiReviews))
	mux.Handle("POST "+v1+"/reviews/{id}/decision", s.api(s.apiDecide))
	mux.Handle("GET "+v1+"/files", s.api(s.apiFiles))
	mux.Handle("GET "+v1+"/files/{id}/report", s.api(s.apiReport))
	mux.Handle("GET "+v1+"/notifications", s.api(s.apiNotifications))
	mux.Handle("POST "+v1+"/notifications/{id}/ack", s.api(s.apiAck))
	mux.Handle("GET "+v1+"/dashboards", s.api(s.apiDashboards))
	mux.Handle("GET "+v1+"/dashboards/{name}", s.api(s.apiDashboard))
	mux.Handle("GET "+v1+"/tokens", s.api(s.apiTokens))
	mux.Handle("POST "+v1+"/tokens", s.api(s.apiCreateToken))
	mux.Handle("DELETE "+v1+"/tokens/{id}", s.api(s.apiRevokeToken))
	mux.Handle(v1+"/", s.api(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
	return mux
}

// healthz answers 200 while the store answers; it needs no session.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	db, arc := "ok", "ok"
	// The answer needs no session, so why a part fails goes to the log.
	if err := s.DB.Ping(ctx); err != nil {
		db = "unavailable"
		s.Logger.Warn("healthz: the database does not answer", "error", err)
	}
	if s.Archive != nil {
		if err := s.Archive.Ping(ctx); err != nil {
			arc = "unavailable"
			s.Logger.Warn("healthz: the archive does not answer", "error", err)
		}
	}
	// A load balancer reads the status; people and scripts the lines.
	status := http.StatusOK
	if db != "ok" || arc != "ok" {
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "database: %s\narchive: %s\n", db, arc)
	if status == http.StatusOK {
		w.Write([]byte("ok\n"))
	}
}
