package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/ingest"
	"github.com/clearway/clearway/internal/mapping"
)

// fileFilter reads the journal filter from the query.
func fileFilter(r *http.Request) (clearway.FileFilter, error) {
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", 200)
	if err != nil {
		return clearway.FileFilter{}, err
	}
	st := clearway.FileState(q.Get("state"))
	if st != "" && !st.Valid() {
		return clearway.FileFilter{}, clearway.Errorf(clearway.EINVALID, "state %q: use received, processing, done, rejected or duplicate", st)
	}
	return clearway.FileFilter{Partner: q.Get("partner"), State: st, Limit: min(limit, 1000), Newest: true}, nil
}

// listFiles returns the journal entries the request's user sees.
func (s *Server) listFiles(r *http.Request) ([]*clearway.File, error) {
	if !can(r, account.SeeFiles) {
		return nil, errNotFound
	}
	f, err := fileFilter(r)
	if err != nil {
		return nil, err
	}
	files, err := viewOf(r).Files(r.Context(), f)
	if files == nil && err == nil {
		files = []*clearway.File{}
	}
	return files, err
}

// apiFiles is GET /api/v1/files?partner=&state=&limit=: newest first.
func (s *Server) apiFiles(w http.ResponseWriter, r *http.Request) error {
	files, err := s.listFiles(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, files)
}

// report returns the rejection report of a file the user sees: the one in
// the partner's errors folder when it is still this file's, else one
// rebuilt from the journal's reason.
func (s *Server) report(r *http.Request) ([]byte, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	if !can(r, account.SeeFiles) {
		return nil, errNotFound
	}
	f, err := viewOf(r).File(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if f.State != clearway.FileRejected {
		return nil, clearway.Errorf(clearway.ENOTFOUND, "file %d was not rejected (state %s): it has no report", f.ID, f.State)
	}
	if b, err := s.readShared(r.Context(), folders.Errors(f.Partner, path.Base(f.Name)+".error.txt")); err == nil && bytes.Contains(b, fmt.Appendf(nil, "(reference %d,", f.ID)) {
		return b, nil
	}
	return ingest.RenderReport(f, "", []*mapping.InputError{{Msg: f.Error}}), nil
}

// apiReport is GET /api/v1/files/{id}/report: the report as text.
func (s *Server) apiReport(w http.ResponseWriter, r *http.Request) error {
	b, err := s.report(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(b)
	return nil
}

// readShared reads a small file of the partners' shared folders (a
// rejection report); with no store configured there is none.
func (s *Server) readShared(ctx context.Context, key string) ([]byte, error) {
	if s.Folders == nil {
		return nil, fs.ErrNotExist
	}
	f, err := s.Folders.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 4<<20))
}
