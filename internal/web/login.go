package web

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/defender"
)

// dummyHash is compared against when the login does not exist, so a wrong
// login takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no such user, no such password"), bcrypt.DefaultCost)
	return h
})

// loginData is what the login page shows.
type loginData struct {
	Next, Login, Error string
}

// loginPage shows the login form (or goes on when already logged in).
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if who, _, err := s.authenticate(r); err == nil && who != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", "Log in", loginData{Next: next})
}

// login checks a login and password. A failure feeds the defender (the
// same one as SFTP's); a banned address is refused before any check.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	addr := defender.Addr(r.RemoteAddr)
	if err := s.checkOrigin(r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if s.Defender != nil {
		if banned, until := s.Defender.Banned(addr); banned {
			w.Header().Set("Retry-After", retryAfter(until, s.Now()))
			s.render(w, r, http.StatusTooManyRequests, "login", "Log in",
				loginData{Error: "Too many failed logins from your address. Try again later."})
			return
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	login, password := r.PostFormValue("login"), r.PostFormValue("password")
	next := localPath(r.PostFormValue("next"))
	u, hash, err := s.DB.UserByLogin(r.Context(), login)
	if err != nil && clearway.ErrorCode(err) != clearway.ENOTFOUND {
		s.pageError(w, r, err)
		return
	}
	if u == nil {
		hash = string(dummyHash())
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || u == nil || u.Disabled {
		if s.Defender != nil && s.Defender.Fail(addr) {
			s.Logger.Warn("address banned after failed logins", "remote", r.RemoteAddr, "door", "web")
		}
		s.Logger.Info("login failed", "login", login, "remote", r.RemoteAddr)
		s.render(w, r, http.StatusUnauthorized, "login", "Log in", loginData{Next: next, Login: login, Error: "Wrong login or password."})
		return
	}
	secret, sessionHash, err := account.NewSecret("")
	if err == nil {
		err = s.DB.CreateSession(r.Context(), u.Login, sessionHash)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: s.tls(), SameSite: http.SameSiteLaxMode})
	s.Logger.Info("login", "login", u.Login, "role", u.Role, "remote", r.RemoteAddr)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session and goes back to the login page.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if who := r.Context().Value(whoKey{}).(*who); who.session != "" {
		if err := s.DB.DeleteSession(r.Context(), who.session); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.tls(), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// retryAfter is the Retry-After header (seconds) for a ban until then.
func retryAfter(until, now time.Time) string {
	secs := int(until.Sub(now).Seconds()) + 1
	if secs < 1 {
		secs = 1
	}
	return strconv.Itoa(secs)
}
