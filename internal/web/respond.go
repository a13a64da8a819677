package web

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/clearway/clearway/internal/clearway"
)

// statusOf maps an error code to its HTTP status, once for pages and API.
// A too-large upload is 413 with the code "too_large" (an addition to the
// codes of §11.3, which a client can tell from "invalid").
func statusOf(code string) int {
	switch code {
	case clearway.EINVALID:
		return http.StatusBadRequest
	case clearway.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case clearway.EFORBIDDEN:
		return http.StatusForbidden
	case clearway.ENOTFOUND:
		return http.StatusNotFound
	case clearway.ECONFLICT:
		return http.StatusConflict
	case clearway.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// userError returns err's code and the message to show: an internal
// error's text is logged, never shown.
func (s *Server) userError(r *http.Request, err error) (code, msg string) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return clearway.ETOOLARGE, tooLargeMessage(s.MaxUpload)
	}
	code = clearway.ErrorCode(err)
	if code == clearway.EINTERNAL {
		s.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		return code, "internal error; the hub's log has the details"
	}
	return code, clearway.ErrorMessage(err)
}

// errorBody is the error JSON of §11.3.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError answers err as the §11.3 error JSON.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var body errorBody
	body.Error.Code, body.Error.Message = s.userError(r, err)
	writeJSON(w, statusOf(body.Error.Code), body)
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 1 << 20

// decodeJSON reads the request's JSON body into v (EINVALID when it is
// not JSON of that shape).
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "" && ct != "application/json" {
		return clearway.Errorf(clearway.EINVALID, "send the body as application/json, not %s", ct)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return clearway.Errorf(clearway.ETOOLARGE, "the JSON body is over %d bytes", maxJSONBody)
		}
		if errors.Is(err, io.EOF) {
			return clearway.Errorf(clearway.EINVALID, "the request body is empty; send a JSON object")
		}
		return clearway.Errorf(clearway.EINVALID, "the request body is not valid JSON: %s", err.Error())
	}
	return nil
}

// pathID reads the numeric wildcard name of the path (ENOTFOUND when it is
// not a number: no such thing).
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, clearway.Errorf(clearway.ENOTFOUND, "no %s %q", name, r.PathValue(name))
	}
	return id, nil
}

// queryInt reads a positive integer query parameter, def when absent.
func queryInt(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, clearway.Errorf(clearway.EINVALID, "%s %q is not a positive number", name, v)
	}
	return n, nil
}

// slogLevel is the log level of a request to path: the health check,
// Prometheus scrapes and static files are noise at info.
func slogLevel(path string) slog.Level {
	if path == "/healthz" || path == "/metrics" || strings.HasPrefix(path, "/static/") {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}
