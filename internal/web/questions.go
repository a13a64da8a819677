package web

import (
	"net/http"
)

// textBody is the body of a question or an answer.
type textBody struct {
	Text  string `json:"text"`
	About string `json:"about,omitempty"` // "document:<id>", "line:<n>" or ""
}

// apiQuestions is GET /api/v1/shipments/{ref}/questions.
func (s *Server) apiQuestions(w http.ResponseWriter, r *http.Request) error {
	qs, err := viewOf(r).Questions(r.Context(), r.PathValue("ref"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, qs)
}

// apiAsk is POST /api/v1/shipments/{ref}/questions {"text"}: 201 with the
// question.
func (s *Server) apiAsk(w http.ResponseWriter, r *http.Request) error {
	var b textBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	q, err := viewOf(r).Ask(r.Context(), r.PathValue("ref"), b.About, b.Text)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, q)
}

// apiAnswer is POST /api/v1/questions/{id}/answers {"text"}: 201 with the
// question and its answers (the new one last, with its id).
func (s *Server) apiAnswer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b textBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	q, err := viewOf(r).Answer(r.Context(), id, b.Text)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, q)
}

// apiClose is POST /api/v1/questions/{id}/close: the closed question.
func (s *Server) apiClose(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q, err := viewOf(r).CloseQuestion(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, q)
}
