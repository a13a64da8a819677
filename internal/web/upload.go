package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/sqlite"
)

// documentMapping is the shipped mapping that reads documents uploaded
// under inbox/docs/; an upload is named so that it reads the doc_type and
// the shipment from the name (mappings/supplier-documents.yaml).
const documentMapping = "supplier-documents"

// docPrefixes are the document types an upload may declare, and the file
// name prefix supplier-documents reads each from.
var docPrefixes = map[string]string{
	"commercial_invoice":    "CI",
	"packing_list":          "PL",
	"bill_of_lading":        "BL",
	"certificate_of_origin": "COO",
}

// docTypes are docPrefixes' keys in the order forms show them.
var docTypes = []string{"commercial_invoice", "packing_list", "bill_of_lading", "certificate_of_origin"}

var (
	blPattern      = regexp.MustCompile(`^[A-Z]{4}[A-Z0-9]{1,12}$`)
	invoicePattern = regexp.MustCompile(`^INV-[0-9]{4}-[0-9]+$`)
	extPattern     = regexp.MustCompile(`^\.[A-Za-z0-9]{1,8}$`)
)

// tooLargeMessage says what the upload limit is.
func tooLargeMessage(limit int64) string {
	return fmt.Sprintf("the upload is over the limit of %d MB (http.max_upload_mb)", limit>>20)
}

// upload is a document a user sends: the declared type, the original
// name and the bytes in a temp file in the archive's temp folder.
type upload struct {
	docType, name, tmp string
	size               int64
}

// readUpload streams the multipart form (fields doc_type and file) into a
// temp file in the archive's temp folder (so archiving to the local
// archive is a hard link), refusing more than MaxUpload bytes (ETOOLARGE).
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) (*upload, error) {
	const formSlack = 64 << 10 // the other fields and the part headers
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxUpload+formSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, clearway.Errorf(clearway.EINVALID, "send the upload as multipart/form-data with fields doc_type and file")
	}
	up := &upload{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			up.remove()
			return nil, uploadError(err)
		}
		switch part.FormName() {
		case "doc_type":
			b, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				up.remove()
				return nil, uploadError(err)
			}
			up.docType = strings.TrimSpace(string(b))
		case "file":
			if up.tmp != "" {
				up.remove()
				return nil, clearway.Errorf(clearway.EINVALID, "send one file per upload")
			}
			up.name = path.Base(strings.ReplaceAll(part.FileName(), "\\", "/"))
			if err := s.spool(up, part); err != nil {
				up.remove()
				return nil, err
			}
		}
		part.Close()
	}
	if up.tmp == "" || up.size == 0 {
		up.remove()
		return nil, clearway.Errorf(clearway.EINVALID, "no file: choose a file to upload (form field file)")
	}
	return up, nil
}

// spool copies the file part into a temp file.
func (s *Server) spool(up *upload, part io.Reader) error {
	dir := s.Archive.TempDir()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	up.tmp = f.Name()
	n, err := io.Copy(f, io.LimitReader(part, s.MaxUpload+1))
	up.size = n
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return uploadError(err)
	}
	if n > s.MaxUpload {
		return clearway.Errorf(clearway.ETOOLARGE, "%s", tooLargeMessage(s.MaxUpload))
	}
	return nil
}

// uploadError turns a body read error into the user's error.
func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return clearway.Errorf(clearway.ETOOLARGE, "%s", tooLargeMessage(mbe.Limit))
	}
	return clearway.Errorf(clearway.EINVALID, "the upload could not be read: %s", err.Error())
}

// remove deletes the temp file.
func (up *upload) remove() {
	if up != nil && up.tmp != "" {
		os.Remove(up.tmp)
	}
}

// accept sends an upload through intake as the user's (channel web) for
// the shipment ref, and waits (bounded by IngestWait) for the pipeline to
// say what became of it. The journal entry is named
// inbox/docs/<identifier>/<PREFIX>_[<invoice>_]BL-<B/L>.<ext> so that the
// supplier-documents mapping reads the doc_type and the shipment.
//
// The partner it is journaled under: a supplier's user's own partner; for
// the importer's people, the first supplier party to the shipment whose
// mappings include supplier-documents, else the first configured partner
// with that mapping.
func (s *Server) accept(ctx context.Context, v *sqlite.View, u *account.User, ref string, up *upload) (*clearway.File, error) {
	sh, err := v.Shipment(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !u.Can(account.UploadDocument) {
		return nil, clearway.Errorf(clearway.EFORBIDDEN, "a %s user may not upload documents", u.Role)
	}
	prefix, ok := docPrefixes[up.docType]
	if !ok {
		return nil, clearway.Errorf(clearway.EINVALID, "doc_type %q: use one of %s", up.docType, strings.Join(docTypes, ", "))
	}
	name, err := documentName(sh, prefix, up.name)
	if err != nil {
		return nil, err
	}
	partner, err := s.uploadPartner(ctx, v, u, sh.Ref)
	if err != nil {
		return nil, err
	}
	f, err := s.Intake.AcceptBy(ctx, partner, clearway.ChannelWeb, name, up.tmp, u.Login)
	if err != nil {
		return nil, err
	}
	return s.waitIngest(ctx, v, f)
}

// documentName builds the partner-relative name of an uploaded document
// from the shipment's bill of lading and invoice number.
func documentName(sh *sqlite.Shipment, prefix, original string) (string, error) {
	var bl, inv string
	for _, v := range sh.Identifiers["bill_of_lading"] {
		if blPattern.MatchString(v) {
			bl = v
			break
		}
	}
	for _, v := range sh.Identifiers["invoice_number"] {
		if invoicePattern.MatchString(v) {
			inv = v
			break
		}
	}
	ext := strings.ToLower(path.Ext(original))
	if !extPattern.MatchString(ext) {
		ext = ".bin"
	}
	parts := []string{prefix}
	if inv != "" {
		parts = append(parts, inv)
	}
	if bl != "" {
		parts = append(parts, "BL-"+bl)
	}
	if len(parts) == 1 {
		return "", clearway.Errorf(clearway.ECONFLICT, "shipment %s has no bill of lading or invoice number yet, which a document is filed under; send its booking or invoice first", sh.Ref)
	}
	folder := bl
	if folder == "" {
		folder = inv
	}
	return "inbox/docs/" + folder + "/" + strings.Join(parts, "_") + ext, nil
}

// uploadPartner is the partner an upload is journaled under (see accept).
func (s *Server) uploadPartner(ctx context.Context, v *sqlite.View, u *account.User, ref string) (string, error) {
	if u.Partner != "" {
		return u.Partner, nil
	}
	reads := func(p Partner) bool { return slices.Contains(p.Mappings, documentMapping) }
	parties, err := v.Parties(ctx, ref)
	if err != nil {
		return "", err
	}
	for _, p := range s.Partners {
		if p.Role == string(account.Supplier) && reads(p) && slices.Contains(parties, p.ID) {
			return p.ID, nil
		}
	}
	for _, p := range s.Partners {
		if reads(p) {
			return p.ID, nil
		}
	}
	return "", clearway.Errorf(clearway.ECONFLICT, "no partner's mappings include %s; an admin adds it to a supplier in the config", documentMapping)
}

// waitIngest polls the journal entry until the pipeline is done with it,
// at most IngestWait; the entry as it then stands is the answer.
func (s *Server) waitIngest(ctx context.Context, v *sqlite.View, f *clearway.File) (*clearway.File, error) {
	deadline := time.Now().Add(s.IngestWait)
	for {
		cur, err := v.File(ctx, f.ID)
		if err != nil {
			return nil, err
		}
		switch cur.State {
		case clearway.FileDone, clearway.FileRejected, clearway.FileDuplicate:
			return cur, nil
		}
		if time.Now().After(deadline) {
			return cur, nil
		}
		select {
		case <-ctx.Done():
			return cur, nil
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// mayUpload refuses, before a body is read, an upload to a shipment the
// user does not see (404) or may not upload to (403).
func mayUpload(r *http.Request) error {
	if _, err := viewOf(r).Locate(r.Context(), r.PathValue("ref")); err != nil {
		return err
	}
	if !can(r, account.UploadDocument) {
		return clearway.Errorf(clearway.EFORBIDDEN, "a %s user may not upload documents", userOf(r).Role)
	}
	return nil
}

// apiUpload is POST /api/v1/shipments/{ref}/documents (multipart doc_type,
// file): 201 with the journal entry.
func (s *Server) apiUpload(w http.ResponseWriter, r *http.Request) error {
	if err := mayUpload(r); err != nil {
		return err
	}
	up, err := s.readUpload(w, r)
	if err != nil {
		return err
	}
	defer up.remove()
	f, err := s.accept(r.Context(), viewOf(r), userOf(r), r.PathValue("ref"), up)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, f)
}
