package web

import (
	"fmt"
	"net/http"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/sqlite"
)

// reviewsData is what the review queue shows.
type reviewsData struct {
	Reviews   []*sqlite.Review
	Status    string
	Statuses  []string
	CanDecide bool
	Reasons   []string
}

// reviewsPage is GET /reviews: the importer's queue (404 for a partner's
// users, whose view has no reviews).
func (s *Server) reviewsPage(w http.ResponseWriter, r *http.Request) error {
	if !viewOf(r).Scope().All() {
		return errNotFound
	}
	status := r.URL.Query().Get("status")
	if status == "" {
		status = sqlite.ReviewOpen
	}
	if status == "all" {
		status = ""
	}
	rs, err := viewOf(r).Reviews(r.Context(), status)
	if err != nil {
		return err
	}
	if status == "" {
		status = "all"
	}
	s.render(w, r, http.StatusOK, "reviews", "Reviews", reviewsData{Reviews: rs, Status: status,
		Statuses:  []string{sqlite.ReviewOpen, sqlite.ReviewApproved, sqlite.ReviewRejected, sqlite.ReviewSuperseded, "all"},
		CanDecide: can(r, account.DecideReview), Reasons: s.ReasonCodes})
	return nil
}

// decideForm decides a review from the queue or the workspace (multipart:
// decision, reason, note, attachment files; back is where to return).
func (s *Server) decideForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	back := localPath(r.URL.Query().Get("back"))
	b, atts, err := s.readDecisionForm(w, r, id)
	if err == nil {
		_, err = s.decide(r, id, b, atts)
	}
	return s.formDone(w, r, back, fmt.Sprintf("Review %d: %s", id, b.Decision), err)
}

// filesData is what the intake journal page shows.
type filesData struct {
	Files             []*clearway.File
	Partner, State    string
	States            []clearway.FileState
	Partners          []Partner
	ShowPartnerFilter bool
	// MayRerun shows the re-run of rejected files (admin).
	MayRerun bool
}

// filesPage is GET /files: the journal the user sees.
func (s *Server) filesPage(w http.ResponseWriter, r *http.Request) error {
	files, err := s.listFiles(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	s.render(w, r, http.StatusOK, "files", "Files", filesData{Files: files, Partner: q.Get("partner"), State: q.Get("state"),
		States:   []clearway.FileState{clearway.FileReceived, clearway.FileProcessing, clearway.FileDone, clearway.FileRejected, clearway.FileDuplicate},
		Partners: s.Partners, ShowPartnerFilter: viewOf(r).Scope().All(), MayRerun: s.Mappings != nil && can(r, account.Replay)})
	return nil
}

// reportData is the rejection report page's.
type reportData struct {
	ID     int64
	Report string
}

// reportPage is GET /files/{id}/report.
func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) error {
	b, err := s.report(r)
	if err != nil {
		return err
	}
	id, _ := pathID(r, "id")
	s.render(w, r, http.StatusOK, "report", fmt.Sprintf("Report of file %d", id), reportData{ID: id, Report: string(b)})
	return nil
}

// tokensData is what the tokens page shows.
type tokensData struct {
	Tokens []account.Token
	New    *newToken
}

// tokensPage is GET /tokens: the user's own API tokens.
func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderTokens(w, r, nil)
}

// renderTokens shows the tokens page, with a token just created.
func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, created *newToken) error {
	ts, err := s.DB.ListTokens(r.Context(), userOf(r).Login)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "tokens", "API tokens", tokensData{Tokens: ts, New: created})
	return nil
}

// createTokenForm creates a token and shows it once (no redirect: the
// secret is never in a URL).
func (s *Server) createTokenForm(w http.ResponseWriter, r *http.Request) error {
	t, err := s.createToken(r, r.PostFormValue("name"))
	if err != nil {
		return s.formDone(w, r, "/tokens", "", err)
	}
	return s.renderTokens(w, r, t)
}

// revokeTokenForm revokes one of the user's tokens.
func (s *Server) revokeTokenForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	err = s.DB.RevokeToken(r.Context(), id, userOf(r).Login, userOf(r).Scope().Actor())
	return s.formDone(w, r, "/tokens", fmt.Sprintf("Token %d revoked", id), err)
}
