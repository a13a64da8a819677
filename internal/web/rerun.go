package web

import (
	"net/http"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/mapchange"
)

// rerunData is the page of a re-run of rejected files.
type rerunData struct {
	Partner, Since string
	Applied        bool
	Trial          *mapchange.Trial
}

// rerunForm is POST /files/rerun: a partner's files rejected since a date
// re-read with the active mappings — a dry run, or (apply) those that now
// pass are ingested and acknowledged as an upload would be.
func (s *Server) rerunForm(w http.ResponseWriter, r *http.Request) error {
	if s.Mappings == nil || !can(r, account.Replay) {
		return errNotFound
	}
	d := rerunData{Partner: r.PostFormValue("partner"), Since: r.PostFormValue("since"), Applied: r.PostFormValue("action") == "apply"}
	var since time.Time
	if d.Since != "" {
		var err error
		if since, err = time.Parse(time.DateOnly, d.Since); err != nil {
			return s.formDone(w, r, "/files", "", clearway.Errorf(clearway.EINVALID, "since: a date such as 2026-03-01, not %q", d.Since))
		}
	}
	t, err := s.Mappings.RerunRejected(r.Context(), d.Partner, since, d.Applied, userOf(r).Login)
	if err != nil {
		return s.formDone(w, r, "/files", "", err)
	}
	d.Trial = t
	s.render(w, r, http.StatusOK, "rerun", "Re-run rejected files", d)
	return nil
}
