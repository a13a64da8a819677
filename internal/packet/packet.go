// Package packet writes a shipment's audit packet: one zip with every
// version of its documents (current and superseded), the files reviewers
// attached to their decisions (reviews/<id>/), manifest.json (the
// canonical record, findings, state, timeline, reviews and audit trail) and
// lines.csv (the invoice lines), for the broker who files the entry and for
// whoever audits it later.
package packet

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/atomicfile"
	"github.com/clearway/clearway/internal/sqlite"
)

// Manifest is manifest.json.
// It is the shipment as `shipment show --json` gives it, with the documents'
// paths in the zip, the reviews in full and the audit trail.
type Manifest struct {
	GeneratedAt time.Time `json:"generated_at"`
	// Amendment is set when the packet replaces one already delivered.
	Amendment bool `json:"amendment"`
	*sqlite.Shipment
	// Documents lists every version with its path inside the zip.
	Documents []Document       `json:"documents"`
	Reviews   []*sqlite.Review `json:"reviews"`
	// Attachments are the files reviewers attached to their decisions.
	Attachments []Attachment        `json:"attachments"`
	Audit       []sqlite.AuditEntry `json:"audit"`
}

// Attachment is a review attachment in the packet.
type Attachment struct {
	sqlite.Attachment
	Path string `json:"path"`
}

// Document is one document version in the packet.
type Document struct {
	sqlite.DocumentVersion
	Path string `json:"path"`
}

// LineColumns are the columns of lines.csv, in order: the canonical
// invoice_line fields (PRODUCT.md §6).
var LineColumns = []string{"invoice_number", "line_no", "invoice_date", "po_number", "po_line", "sku", "description",
	"hs_code", "origin_country", "quantity", "uom", "unit_price", "line_value", "currency", "preference_program"}

// Contents is what a packet is made of.
type Contents struct {
	Shipment    *sqlite.Shipment
	Reviews     []*sqlite.Review
	Attachments []sqlite.Attachment
	Audit       []sqlite.AuditEntry
	Amendment   bool
	Now         time.Time
	// OpenDocument opens a document's bytes by sha256 (the archive).
	OpenDocument func(sha256 string) (io.ReadCloser, error)
}

// Write writes the packet zip to w.
func Write(w io.Writer, c Contents) error {
	z := zip.NewWriter(w)
	s := c.Shipment
	m := Manifest{GeneratedAt: c.Now.UTC(), Amendment: c.Amendment, Shipment: s, Reviews: c.Reviews, Audit: c.Audit}
	if m.Reviews == nil {
		m.Reviews = []*sqlite.Review{}
	}
	for _, d := range s.Documents {
		doc := Document{DocumentVersion: d, Path: path.Join("documents", d.DocType, fmt.Sprintf("v%d_%s", d.Version, safeName(d.Name)))}
		if err := copyDocument(z, doc.Path, d.SHA256, c); err != nil {
			return err
		}
		m.Documents = append(m.Documents, doc)
	}
	if m.Documents == nil {
		m.Documents = []Document{}
	}
	m.Attachments = []Attachment{}
	for _, a := range c.Attachments {
		att := Attachment{Attachment: a, Path: path.Join("reviews", fmt.Sprintf("%d", a.ReviewID), fmt.Sprintf("%d_%s", a.ID, safeName(a.Name)))}
		if err := copyDocument(z, att.Path, a.SHA256, c); err != nil {
			return err
		}
		m.Attachments = append(m.Attachments, att)
	}
	if err := writeManifest(z, m, c.Now); err != nil {
		return err
	}
	if err := writeLines(z, s.Lines, c.Now); err != nil {
		return err
	}
	return z.Close()
}

func create(z *zip.Writer, name string, at time.Time) (io.Writer, error) {
	return z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: at.UTC()})
}

func copyDocument(z *zip.Writer, name, sum string, c Contents) error {
	r, err := c.OpenDocument(sum)
	if err != nil {
		return fmt.Errorf("packet %s: document %s: %w", c.Shipment.Ref, name, err)
	}
	defer r.Close()
	w, err := create(z, name, c.Now)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("packet %s: document %s: %w", c.Shipment.Ref, name, err)
	}
	return nil
}

func writeManifest(z *zip.Writer, m Manifest, at time.Time) error {
	w, err := create(z, "manifest.json", at)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

func writeLines(z *zip.Writer, lines []map[string]string, at time.Time) error {
	w, err := create(z, "lines.csv", at)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(LineColumns)
	row := make([]string, len(LineColumns))
	for _, l := range lines {
		for i, col := range LineColumns {
			row[i] = l[col]
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// safeName keeps a document's original base name usable inside the zip.
func safeName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == "" {
		return "document"
	}
	return name
}

// Load reads what a shipment's packet holds from the store; the caller sets
// OpenDocument and Now.
func Load(ctx context.Context, db *sqlite.DB, ref string) (Contents, error) {
	s, err := db.FindShipment(ctx, ref)
	if err != nil {
		return Contents{}, err
	}
	reviews, err := db.ShipmentReviews(ctx, s.Ref)
	if err != nil {
		return Contents{}, err
	}
	atts, err := db.ShipmentAttachments(ctx, s.Ref)
	if err != nil {
		return Contents{}, err
	}
	audit, err := db.ShipmentAudit(ctx, s.Ref)
	if err != nil {
		return Contents{}, err
	}
	return Contents{Shipment: s, Reviews: reviews, Attachments: atts, Audit: audit}, nil
}

// WriteFile writes the packet to path atomically: no reader ever sees half
// a zip.
func WriteFile(path string, c Contents) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error { return Write(w, c) })
}
