package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/sqlite"
)

// decisionBody is a review decision.
type decisionBody struct {
	Decision string `json:"decision"` // approve, reject, merge, separate
	Reason   string `json:"reason"`
	Note     string `json:"note"`
}

// maxAttachments bounds the attachments of one decision.
const maxAttachments = 10

// apiReviews is GET /api/v1/reviews?status=.
func (s *Server) apiReviews(w http.ResponseWriter, r *http.Request) error {
	rs, err := viewOf(r).Reviews(r.Context(), r.URL.Query().Get("status"))
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []*sqlite.Review{}
	}
	return writeJSON(w, http.StatusOK, rs)
}

// apiDecide is POST /api/v1/reviews/{id}/decision, JSON or multipart with
// attachment files: 200 with the decided review.
func (s *Server) apiDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b decisionBody
	var atts []sqlite.Attachment
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		if b, atts, err = s.readDecisionForm(w, r, id); err != nil {
			return err
		}
	} else if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	rv, err := s.decide(r, id, b, atts)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rv)
}

// decide decides a review as the request's user.
func (s *Server) decide(r *http.Request, id int64, b decisionBody, atts []sqlite.Attachment) (*sqlite.Review, error) {
	switch b.Decision {
	case sqlite.DecisionApprove, sqlite.DecisionReject, sqlite.DecisionMerge, sqlite.DecisionSeparate:
	default:
		return nil, clearway.Errorf(clearway.EINVALID, "decision %q: use approve, reject, merge or separate", b.Decision)
	}
	return viewOf(r).Decide(r.Context(), id, sqlite.Decision{Action: b.Decision, Reason: b.Reason, Note: b.Note,
		ReasonCodes: s.ReasonCodes, Attachments: atts})
}

// readDecisionForm reads a multipart decision (decision, reason, note and
// attachment files), archiving each attachment as it streams in. The
// review must be one the user may decide before any byte is archived.
func (s *Server) readDecisionForm(w http.ResponseWriter, r *http.Request, id int64) (decisionBody, []sqlite.Attachment, error) {
	var b decisionBody
	if _, err := viewOf(r).Review(r.Context(), id); err != nil {
		return b, nil, err
	}
	if !can(r, account.DecideReview) {
		return b, nil, clearway.Errorf(clearway.EFORBIDDEN, "a %s user may not decide reviews", userOf(r).Role)
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxUpload+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return b, nil, clearway.Errorf(clearway.EINVALID, "the decision form is not multipart/form-data")
	}
	var atts []sqlite.Attachment
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return b, nil, uploadError(err)
		}
		if part.FormName() == "attachment" {
			at, err := s.archiveAttachment(part)
			if err != nil {
				return b, nil, err
			}
			if at != nil {
				if len(atts) == maxAttachments {
					return b, nil, clearway.Errorf(clearway.EINVALID, "attach at most %d files to a decision", maxAttachments)
				}
				atts = append(atts, *at)
			}
			continue
		}
		val, err := io.ReadAll(io.LimitReader(part, 8<<10))
		if err != nil {
			return b, nil, uploadError(err)
		}
		switch part.FormName() {
		case "decision":
			b.Decision = strings.TrimSpace(string(val))
		case "reason":
			b.Reason = strings.TrimSpace(string(val))
		case "note":
			b.Note = string(val)
		}
	}
	return b, atts, nil
}

// archiveAttachment puts one attachment part in the archive (nil for an
// empty file input).
func (s *Server) archiveAttachment(part interface {
	io.Reader
	FileName() string
}) (*sqlite.Attachment, error) {
	name := path.Base(strings.ReplaceAll(part.FileName(), "\\", "/"))
	sum, size, err := s.Archive.Put(io.LimitReader(part, s.MaxUpload+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, uploadError(err)
		}
		return nil, err
	}
	if size > s.MaxUpload {
		return nil, clearway.Errorf(clearway.ETOOLARGE, "%s", tooLargeMessage(s.MaxUpload))
	}
	if size == 0 && (name == "" || name == ".") {
		return nil, nil
	}
	if name == "" || name == "." || name == "/" {
		name = "attachment"
	}
	return &sqlite.Attachment{Name: name, Size: size, SHA256: sum}, nil
}
