package web

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/lifecycle"
	"github.com/clearway/clearway/internal/sqlite"
)

// workspaceData is what the shipment workspace shows.
type workspaceData struct {
	S          *sqlite.Shipment
	Idents     []ident
	Questions  []sqlite.Question
	Deliveries []*sqlite.OutboundRun
	LineCols   []string
	Open       []sqlite.ReviewSummary // open reviews
	Closed     []sqlite.ReviewSummary
	// ShowReviews is false for a partner's users.
	ShowReviews bool
	Me          string
	Can         map[string]bool
	DocTypes    []string
	Reasons     []string
	States      []lifecycle.State
	Back        string
	MaxUpload   string
}

// lineCols are the invoice line fields the workspace shows, in order;
// only those some line has are shown.
var lineCols = []string{"invoice_number", "line_no", "po_number", "sku", "description", "hs_code", "origin_country",
	"quantity", "uom", "unit_price", "line_value", "currency"}

// workspaceActions are the actions the workspace offers by role.
var workspaceActions = []account.Action{account.UploadDocument, account.Download, account.ExportPacket, account.DecideReview,
	account.SetState, account.AskQuestion, account.AnswerQuestion, account.CloseQuestion}

// workspacePage is GET /shipments/{ref}.
func (s *Server) workspacePage(w http.ResponseWriter, r *http.Request) error {
	v, ctx := viewOf(r), r.Context()
	sh, err := v.Shipment(ctx, r.PathValue("ref"))
	if err != nil {
		return err
	}
	d := workspaceData{S: sh, Me: userOf(r).Login, Can: map[string]bool{}, DocTypes: docTypes, Reasons: s.ReasonCodes,
		States: states, Back: "/shipments/" + sh.Ref, MaxUpload: humanBytes(s.MaxUpload)}
	if d.Questions, err = v.Questions(ctx, sh.Ref); err != nil {
		return err
	}
	if d.Deliveries, err = v.Deliveries(ctx, sh.Ref); err != nil {
		return err
	}
	for _, a := range workspaceActions {
		d.Can[string(a)] = can(r, a)
	}
	for _, k := range portfolioIdents {
		for _, val := range sh.Identifiers[k] {
			d.Idents = append(d.Idents, ident{identLabel(k), val})
		}
	}
	for _, c := range lineCols {
		if slices.ContainsFunc(sh.Lines, func(l map[string]string) bool { return l[c] != "" }) {
			d.LineCols = append(d.LineCols, c)
		}
	}
	// Reviews are the importer's decisions: a partner's users see none
	// (as View.Reviews), though the shipment record names them.
	d.ShowReviews = v.Scope().All()
	for _, rv := range sh.Reviews {
		if !d.ShowReviews {
			break
		}
		if rv.Status == sqlite.ReviewOpen {
			d.Open = append(d.Open, rv)
		} else {
			d.Closed = append(d.Closed, rv)
		}
	}
	s.render(w, r, http.StatusOK, "workspace", sh.Ref, d)
	return nil
}

// uploadForm is the workspace's upload form.
func (s *Server) uploadForm(w http.ResponseWriter, r *http.Request) error {
	back := "/shipments/" + r.PathValue("ref")
	if err := mayUpload(r); err != nil {
		return err
	}
	up, err := s.readUpload(w, r)
	if err != nil {
		return s.formDone(w, r, back, "", err)
	}
	defer up.remove()
	f, err := s.accept(r.Context(), viewOf(r), userOf(r), r.PathValue("ref"), up)
	if err != nil {
		return s.formDone(w, r, back, "", err)
	}
	switch f.State {
	case clearway.FileRejected:
		return s.formDone(w, r, back, "", clearway.Errorf(clearway.EINVALID, "%s was rejected: %s (file %d; the journal has the report)", up.name, f.Error, f.ID))
	case clearway.FileDuplicate:
		return s.formDone(w, r, back, fmt.Sprintf("%s is the same as a document already here (file %d): nothing changed", up.name, f.ID), nil)
	case clearway.FileDone:
		return s.formDone(w, r, back, fmt.Sprintf("%s uploaded as %s (file %d)", up.name, human(up.docType), f.ID), nil)
	}
	return s.formDone(w, r, back, fmt.Sprintf("%s received (file %d); it is still being processed — reload in a moment", up.name, f.ID), nil)
}

// askForm is the workspace's question form.
func (s *Server) askForm(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("ref")
	_, err := viewOf(r).Ask(r.Context(), ref, r.PostFormValue("about"), r.PostFormValue("text"))
	return s.formDone(w, r, "/shipments/"+ref+"#questions", "Question sent", err)
}

// answerForm answers a question from the workspace.
func (s *Server) answerForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q, err := viewOf(r).Answer(r.Context(), id, r.PostFormValue("text"))
	return s.formDone(w, r, questionBack(r, q), "Answer sent", err)
}

// closeForm closes a question from the workspace.
func (s *Server) closeForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q, err := viewOf(r).CloseQuestion(r.Context(), id)
	return s.formDone(w, r, questionBack(r, q), "Question closed", err)
}

// questionBack is where a question form returns: its shipment's page.
func questionBack(r *http.Request, q *sqlite.Question) string {
	if q != nil {
		return "/shipments/" + q.Shipment + "#questions"
	}
	return localPath(r.PostFormValue("back"))
}

// stateForm records a manual state from the workspace (compliance).
func (s *Server) stateForm(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("ref")
	_, err := s.setState(r, ref, stateBody{State: r.PostFormValue("state"), Reason: r.PostFormValue("reason"),
		Note: r.PostFormValue("note"), EntryNumber: r.PostFormValue("entry_number")})
	return s.formDone(w, r, "/shipments/"+ref, "State recorded", err)
}
