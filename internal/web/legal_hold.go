package web

import (
	"net/http"

	"github.com/clearway/clearway/internal/clearway"
)

// legalHoldBody is POST /api/v1/shipments/{ref}/legal-hold: set (hold
// true) or clear (hold false) the shipment's legal hold, with the reason.
type legalHoldBody struct {
	Hold   *bool  `json:"hold"`
	Reason string `json:"reason"`
}

// apiLegalHold sets or clears a shipment's legal hold (compliance and
// admin); 200 with the shipment. A shipment the user does not see is 404,
// one the user sees but may not hold is 403.
func (s *Server) apiLegalHold(w http.ResponseWriter, r *http.Request) error {
	var b legalHoldBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	if b.Hold == nil {
		return clearway.Errorf(clearway.EINVALID, `give "hold" (true to set, false to clear) and the "reason"`)
	}
	sh, err := viewOf(r).SetLegalHold(r.Context(), r.PathValue("ref"), *b.Hold, b.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sh)
}

// legalHoldForm sets or clears the legal hold from the workspace (form
// fields hold = 1 or 0, reason).
func (s *Server) legalHoldForm(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("ref")
	hold := r.PostFormValue("hold") == "1"
	_, err := viewOf(r).SetLegalHold(r.Context(), ref, hold, r.PostFormValue("reason"))
	notice := "Legal hold cleared: retention applies again"
	if hold {
		notice = "Legal hold set: nothing of this shipment is purged until it is cleared"
	}
	return s.formDone(w, r, "/shipments/"+ref, notice, err)
}
