package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/sqlite"
)

// stateBody is a manual state (compliance).
type stateBody struct {
	State       string `json:"state"`
	Reason      string `json:"reason"`
	Note        string `json:"note"`
	EntryNumber string `json:"entry_number,omitempty"`
}

// setState records a manual state on a shipment as the request's user.
func (s *Server) setState(r *http.Request, ref string, b stateBody) (*sqlite.Shipment, error) {
	if strings.TrimSpace(b.State) == "" || strings.TrimSpace(b.Reason) == "" {
		return nil, clearway.Errorf(clearway.EINVALID, "give the state and a reason code (one of %s)", strings.Join(s.ReasonCodes, ", "))
	}
	return viewOf(r).SetState(r.Context(), ref, sqlite.ManualState{State: strings.ToUpper(strings.TrimSpace(b.State)),
		Reason: strings.TrimSpace(b.Reason), Note: b.Note, EntryNumber: b.EntryNumber, ReasonCodes: s.ReasonCodes})
}

// apiSetState is POST /api/v1/shipments/{ref}/state {"state", "reason",
// "note"}: a manual event on the timeline; 200 with the shipment.
func (s *Server) apiSetState(w http.ResponseWriter, r *http.Request) error {
	var b stateBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	sh, err := s.setState(r, r.PathValue("ref"), b)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sh)
}

// eventBody is a status event a broker posts.
type eventBody struct {
	Code        string `json:"code"`
	CodeList    string `json:"code_list"`
	At          string `json:"at"`
	EntryNumber string `json:"entry_number"`
	Message     string `json:"message"`
}

// apiPostEvent is POST /api/v1/shipments/{ref}/events: the body is
// journaled as a file (channel api, the broker's partner) and applied as a
// status_event record through the store's ingest path, so the code tables
// and the lifecycle treat it like a line of a status file. 201 with the
// journal entry.
func (s *Server) apiPostEvent(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r)
	if _, err := v.Locate(r.Context(), r.PathValue("ref")); err != nil {
		return err
	}
	if !can(r, account.PostStatus) {
		return clearway.Errorf(clearway.EFORBIDDEN, "a %s user may not post status events", userOf(r).Role)
	}
	var b eventBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	if b.Code == "" || b.CodeList == "" || b.At == "" {
		return clearway.Errorf(clearway.EINVALID, `give code, code_list and at (e.g. {"code": "1C", "code_list": "cbp_disposition", "at": "2026-03-21T08:12:00Z"})`)
	}
	body, _ := json.Marshal(b)
	sum, size, err := s.Archive.Put(bytes.NewReader(body))
	if err != nil {
		return err
	}
	rec := clearway.Record{Kind: clearway.KindStatusEvent, Fields: map[string]string{
		"code": b.Code, "code_list": b.CodeList, "at": b.At, "message": b.Message}}
	if b.EntryNumber != "" {
		rec.Fields["entry_number"] = b.EntryNumber
	}
	rec.Source.Line = 1
	name := "api/events/" + safeFileName(r.PathValue("ref")) + "-" + s.Now().UTC().Format("20060102T150405.000000000Z") + ".json"
	posted := &clearway.File{Name: name, Size: size, SHA256: sum}
	started := time.Now()
	f, err := v.PostStatus(r.Context(), r.PathValue("ref"), posted, rec)
	s.countPosted(posted, err, time.Since(started))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, f)
}

// countPosted counts a status post the store journaled (posted.ID set) as a
// file received over channel api and settled: done, or rejected when the
// store refused the event.
func (s *Server) countPosted(posted *clearway.File, err error, took time.Duration) {
	if posted.ID == 0 {
		return
	}
	state := clearway.FileDone
	if err != nil {
		if clearway.ErrorCode(err) != clearway.EINVALID {
			return
		}
		state = clearway.FileRejected
	}
	s.Counters.FileReceived(posted.Partner, string(clearway.ChannelAPI))
	s.Counters.FileIngested(posted.Partner, string(state), took)
}
