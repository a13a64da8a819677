package web

import (
	"net/http"
	"strings"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
)

// newToken is a token just created: the secret is shown this once.
type newToken struct {
	account.Token
	Secret string `json:"token"`
}

// createToken makes an API token for the request's user.
func (s *Server) createToken(r *http.Request, name string) (*newToken, error) {
	name = strings.TrimSpace(name)
	if len(name) > 100 {
		return nil, clearway.Errorf(clearway.EINVALID, "a token name has at most 100 characters")
	}
	secret, hash, err := account.NewSecret(account.TokenPrefix)
	if err != nil {
		return nil, err
	}
	u := userOf(r)
	t, err := s.DB.CreateToken(r.Context(), u.Login, name, hash, u.Scope().Actor())
	if err != nil {
		return nil, err
	}
	return &newToken{Token: *t, Secret: secret}, nil
}

// apiTokens is GET /api/v1/tokens: the user's own live tokens.
func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.DB.ListTokens(r.Context(), userOf(r).Login)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []account.Token{}
	}
	return writeJSON(w, http.StatusOK, ts)
}

// apiCreateToken is POST /api/v1/tokens {"name"}: 201 with the token and
// its secret (shown once).
func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	t, err := s.createToken(r, b.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, t)
}

// apiRevokeToken is DELETE /api/v1/tokens/{id}: one of the user's own.
func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.DB.RevokeToken(r.Context(), id, userOf(r).Login, userOf(r).Scope().Actor()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
