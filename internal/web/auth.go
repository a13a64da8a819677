package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/defender"
	"github.com/clearway/clearway/internal/sqlite"
)

// sessionCookie names the cookie that carries a session id.
const sessionCookie = "clearway_session"

// who is the person behind a request and the store as they see it.
type who struct {
	user *account.User
	view *sqlite.View
	// session is the hash of the session id ("" for a token).
	session string
}

type whoKey struct{}

// loginKey holds where logRequests wants the request's login.
type loginKey struct{}

// withWho is r carrying who, whose login the request log names.
func withWho(r *http.Request, w *who) *http.Request {
	if p, ok := r.Context().Value(loginKey{}).(*string); ok {
		*p = w.user.Login
	}
	return r.WithContext(context.WithValue(r.Context(), whoKey{}, w))
}

// userOf is the request's user (set by page and api).
func userOf(r *http.Request) *account.User { return r.Context().Value(whoKey{}).(*who).user }

// viewOf is the store as the request's user sees it: the only way a
// handler reads shipments, documents, files, questions and reviews.
func viewOf(r *http.Request) *sqlite.View { return r.Context().Value(whoKey{}).(*who).view }

// can reports whether the request's user may do a.
func can(r *http.Request, a account.Action) bool { return userOf(r).Can(a) }

// errUnauthorized is what a request without a valid session or token gets.
var errUnauthorized = clearway.Errorf(clearway.EUNAUTHORIZED, "log in, or send a valid token (Authorization: Bearer cwt_…)")

// authenticate finds the request's user from its bearer token or its
// session cookie. A request with neither returns (nil, false, nil); a bad
// token is errUnauthorized. byToken tells which it was: a token request is
// not a browser's, and skips the cross-origin check.
func (s *Server) authenticate(r *http.Request) (w *who, byToken bool, err error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !strings.HasPrefix(strings.TrimSpace(tok), account.TokenPrefix) {
			return nil, true, errUnauthorized
		}
		u, err := s.DB.UserByToken(ctx, account.HashSecret(strings.TrimSpace(tok)))
		if clearway.ErrorCode(err) == clearway.ENOTFOUND {
			return nil, true, errUnauthorized
		}
		if err != nil {
			return nil, true, err
		}
		return &who{user: u, view: s.DB.View(u.Scope())}, true, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, false, nil
	}
	hash := account.HashSecret(c.Value)
	u, err := s.DB.SessionUser(ctx, hash, s.SessionIdle)
	if clearway.ErrorCode(err) == clearway.ENOTFOUND {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return &who{user: u, view: s.DB.View(u.Scope()), session: hash}, false, nil
}

// checkOrigin refuses a cross-site unsafe request that a browser sent with
// the session cookie (CSRF); safe methods and token requests pass.
func (s *Server) checkOrigin(r *http.Request) error {
	if err := s.cop.Check(r); err != nil {
		return clearway.Errorf(clearway.EFORBIDDEN, "cross-site request refused")
	}
	return nil
}

// handlerFunc is a handler that returns its error; page and api turn it
// into the error page or the error JSON, in one place each.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// api wraps a JSON API handler: a session or a token is required (401
// JSON otherwise), and unsafe methods with a session pass the cross-origin
// check.
func (s *Server) api(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.banned(r) {
			s.writeError(w, r, errBanned)
			return
		}
		who, byToken, err := s.authenticate(r)
		if byToken && err == errUnauthorized && s.Defender != nil {
			// A wrong token is a failed login: guessing tokens is banned
			// like guessing passwords, on every door.
			s.Defender.Fail(defender.Addr(r.RemoteAddr))
		}
		if err == nil && who == nil {
			err = errUnauthorized
		}
		if err == nil && !byToken {
			err = s.checkOrigin(r)
		}
		if err == nil {
			err = h(w, withWho(r, who))
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

// page wraps a page handler: without a session it redirects (303) to
// /login keeping the wanted page in ?next=; unsafe methods pass the
// cross-origin check. Pages never take tokens.
func (s *Server) page(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Authorization")
		who, _, err := s.authenticate(r)
		if err == nil && who == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			} else {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
			}
			return
		}
		if err == nil {
			err = s.checkOrigin(r)
		}
		if err == nil {
			err = h(w, withWho(r, who))
		}
		if err != nil {
			s.pageError(w, r, err)
		}
	})
}

// localPath returns next when it is a path on this site ("/…", not "//…"
// nor a scheme), else "/": the login redirect never leaves the site.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

// statusRecorder remembers the status a handler wrote, for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logRequests logs each request once it is answered; /healthz and static
// files only at debug level.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		var login string
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), loginKey{}, &login)))
		level := slogLevel(r.URL.Path)
		s.Logger.Log(r.Context(), level, "http request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration", time.Since(start).Round(time.Microsecond), "remote", r.RemoteAddr, "login", login)
	})
}

// errNotFound is the answer for a path that names nothing.
var errNotFound = clearway.Errorf(clearway.ENOTFOUND, "not found")

// errBanned is what a banned address gets from the API.
var errBanned = clearway.Errorf(clearway.EFORBIDDEN, "too many failed logins from your address: try again later")

// banned reports whether the request's address is banned by the defender.
func (s *Server) banned(r *http.Request) bool {
	if s.Defender == nil {
		return false
	}
	b, _ := s.Defender.Banned(defender.Addr(r.RemoteAddr))
	return b
}
