package web

import (
	"net/http"
	"strconv"

	"github.com/clearway/clearway/internal/sqlite"
)

// inboxData is what the notifications page shows.
type inboxData struct {
	Items  []*sqlite.Notification
	Unread bool // only unacknowledged ones listed
	Count  int  // unacknowledged in all
}

// notificationsPage is GET /notifications: the user's in-app inbox.
func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	unread := r.URL.Query().Get("unread") == "1"
	items, err := viewOf(r).Inbox(r.Context(), unread, 200)
	if err != nil {
		return err
	}
	n, err := viewOf(r).UnreadCount(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "notifications", "Notifications", inboxData{Items: items, Unread: unread, Count: n})
	return nil
}

// ackForm is POST /notifications/{id}/ack from the page.
func (s *Server) ackForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = viewOf(r).Ack(r.Context(), id)
	return s.formDone(w, r, r.FormValue("back"), "Acknowledged.", err)
}

// ackAllForm is POST /notifications/ack-all from the page.
func (s *Server) ackAllForm(w http.ResponseWriter, r *http.Request) error {
	n, err := viewOf(r).AckAll(r.Context())
	notice := "Nothing to acknowledge."
	if n == 1 {
		notice = "1 notification acknowledged."
	} else if n > 1 {
		notice = strconv.Itoa(n) + " notifications acknowledged."
	}
	return s.formDone(w, r, "/notifications", notice, err)
}

// apiNotifications is GET /api/v1/notifications?unread=1.
func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request) error {
	items, err := viewOf(r).Inbox(r.Context(), r.URL.Query().Get("unread") == "1", 500)
	if err != nil {
		return err
	}
	if items == nil {
		items = []*sqlite.Notification{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// apiAck is POST /api/v1/notifications/{id}/ack.
func (s *Server) apiAck(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := viewOf(r).Ack(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}
