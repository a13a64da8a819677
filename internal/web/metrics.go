package web

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"

	"github.com/clearway/clearway/internal/defender"
)

// metrics serves GET /metrics (Prometheus text, PRODUCT.md §11.3): open to
// a request from a loopback address, and to any request with
// "Authorization: Bearer <http.metrics_token>" when the token is set;
// everything else gets 403. A wrong token counts as a failed login with
// the defender.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if s.Metrics == nil {
		http.NotFound(w, r)
		return
	}
	addr := defender.Addr(r.RemoteAddr)
	if s.Defender != nil {
		if banned, _ := s.Defender.Banned(addr); banned {
			http.Error(w, "forbidden: too many failed logins from your address", http.StatusForbidden)
			return
		}
	}
	tok, sent := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	tokenOK := sent && s.MetricsToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.MetricsToken)) == 1
	if !tokenOK && !fromLoopback(r) {
		if sent && s.Defender != nil && s.Defender.Fail(addr) {
			s.Logger.Warn("address banned after failed logins", "remote", r.RemoteAddr, "door", "metrics")
		}
		http.Error(w, "forbidden: /metrics is open to loopback only, or with the http.metrics_token as a Bearer token", http.StatusForbidden)
		return
	}
	s.Metrics.ServeHTTP(w, r)
}

// fromLoopback reports whether the request comes from this machine and not
// through a proxy on it (a proxied request names its client in a header).
func fromLoopback(r *http.Request) bool {
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
