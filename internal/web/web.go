// Package web is Clearway's small HTTP side: a health check for load
// balancers and systemd probes, and the intake journal as JSON.
package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/sqlite"
)

// Server serves the HTTP endpoints.
type Server struct {
	Listen string
	DB     *sqlite.DB
	Logger *slog.Logger

	ln  net.Listener
	srv *http.Server
}

// Open listens and serves in the background.
func (s *Server) Open() error {
	ln, err := net.Listen("tcp", s.Listen)
	if err != nil {
		return fmt.Errorf("http listen %s: %w", s.Listen, err)
	}
	s.ln = ln
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /api/files", s.files)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	s.Logger.Info("http listening", "addr", ln.Addr().String())
	return nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops the server.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	if err := s.srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if _, err := s.DB.FindFiles(r.Context(), clearway.FileFilter{Limit: 1}); err != nil {
		http.Error(w, "database: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok\n"))
}

func (s *Server) files(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	files, err := s.DB.FindFiles(r.Context(), clearway.FileFilter{Partner: q.Get("partner"), State: clearway.FileState(q.Get("state"))})
	if err != nil {
		s.Logger.Error("list files", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if files == nil {
		files = []*clearway.File{}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(files)
}
