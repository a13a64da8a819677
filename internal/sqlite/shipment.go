package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/lifecycle"
	"github.com/clearway/clearway/internal/validate"
)

// ShipmentSummary is one row of `shipment list`.
type ShipmentSummary struct {
	Ref         string              `json:"ref"`
	State       string              `json:"state"`
	Identifiers map[string][]string `json:"identifiers"`
	Ready       bool                `json:"ready"`
	UpdatedAt   time.Time           `json:"updated_at"`
}

// Shipment is the whole canonical record of `shipment show`.
type Shipment struct {
	ShipmentSummary
	Fields map[string]string `json:"fields"`
	Holds  []lifecycle.Hold  `json:"holds"`
	// ReleaseAuthorized is set when a release came while holds were active:
	// the last hold's removal releases.
	ReleaseAuthorized bool `json:"release_authorized"`
	Resubmissions     int  `json:"resubmissions"`
	// StateLabel is the state as shown when it says more than State
	// ("RELEASED (partial: 40 of 100)"), else "".
	StateLabel string `json:"state_label,omitempty"`
	// Entries is each customs entry's state (a split shipment has several;
	// State is the least advanced of them), DOMAIN.md §4.7.
	Entries []lifecycle.EntryStatus `json:"entries"`
	Lines   []map[string]string     `json:"lines"`
	// LineSources says, for each of Lines, the file and the mapping
	// version that wrote it (the mapping history has that version).
	LineSources []LineSource        `json:"line_sources"`
	POLines     []map[string]string `json:"po_lines"`
	Packing     []map[string]string `json:"packing"`
	Documents   []DocumentVersion   `json:"documents"`
	Findings    []validate.Finding  `json:"findings"`
	Timeline    []TimelineEvent     `json:"timeline"`
	Reviews     []ReviewSummary     `json:"reviews"`
	// LegalHold is the shipment's active legal hold, nil when it has none:
	// while it lasts retention purges nothing of it.
	LegalHold *LegalHold `json:"legal_hold"`
	id        int64
}

// DocumentVersion is one version of a shipment's document.
type DocumentVersion struct {
	ID         int64  `json:"id"`
	DocType    string `json:"doc_type"`
	Version    int    `json:"version"`
	SHA256     string `json:"sha256"`
	Name       string `json:"name"`
	Superseded bool   `json:"superseded"`
	// Who sent it: the partner, the channel and, from the web, the user.
	Partner   string    `json:"partner"`
	Channel   string    `json:"channel"`
	User      string    `json:"user,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// LineSource is the lineage of a stored line: its file and the version of
// the mapping that read it.
type LineSource struct {
	FileID      int64  `json:"file_id"`
	File        string `json:"file"`
	Mapping     string `json:"mapping"`
	MappingHash string `json:"mapping_hash"`
}

// TimelineEvent is a status message, a readiness change or a milestone on
// the shipment's timeline.
type TimelineEvent struct {
	At string `json:"at"`
	// Event is the canonical lifecycle event(s) the code stands for
	// (UNMAPPED_STATUS when none), VALIDATION_PASSED/FAILED, or the
	// milestone's event for code_list "milestone".
	Event    string `json:"event"`
	Code     string `json:"code"`
	CodeList string `json:"code_list"`
	// Source is the partner and file the event came from, or "validation".
	Source string `json:"source"`
	FileID int64  `json:"file_id,omitempty"`
	// State is the entry state after the event ("" for milestones).
	State   string `json:"state,omitempty"`
	Note    string `json:"note,omitempty"`
	Message string `json:"message,omitempty"`
}

// ReviewSummary is a review attached to the shipment.
type ReviewSummary struct {
	ID      int64  `json:"id"`
	Kind    string `json:"kind"`
	Status  string `json:"status"`
	Summary string `json:"summary"`
}

// ListShipments returns every shipment, newest change first.
func (db *DB) ListShipments(ctx context.Context) ([]*ShipmentSummary, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, ref, state, ready, updated_at FROM shipments ORDER BY updated_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list shipments: %w", err)
	}
	defer rows.Close()
	var out []*ShipmentSummary
	var ids []int64
	for rows.Next() {
		var s ShipmentSummary
		var id int64
		var updated string
		if err := rows.Scan(&id, &s.Ref, &s.State, &s.Ready, &updated); err != nil {
			return nil, err
		}
		var err error
		if s.UpdatedAt, err = parseTime(updated); err != nil {
			return nil, fmt.Errorf("shipment %s: %w", s.Ref, err)
		}
		out, ids = append(out, &s), append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, s := range out {
		if s.Identifiers, err = db.identifiers(ctx, ids[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FindShipment returns a shipment by its ref or any of its identifiers.
func (db *DB) FindShipment(ctx context.Context, ref string) (*Shipment, error) {
	id, err := db.shipmentID(ctx, ref)
	if err != nil {
		return nil, err
	}
	return db.loadShipment(ctx, id)
}

// shipmentID returns the id of the shipment ref names (its ref or any of
// its identifiers) without loading the record.
func (db *DB) shipmentID(ctx context.Context, ref string) (int64, error) {
	ref = strings.TrimSpace(ref)
	var id int64
	var err error
	// As typed first, then as mappings usually store identifiers: upper
	// case, and without the blanks and hyphens of printed forms such as an
	// entry number 597-2603117-8 (stored 59726031178).
	for _, v := range lookupForms(ref) {
		// Strong identifiers first; a weak one (container, PO, invoice)
		// finds the most recent shipment it links.
		err = db.db.QueryRowContext(ctx, `SELECT id FROM shipments WHERE ref = ?1 UNION ALL SELECT shipment_id FROM identifiers WHERE value = ?1
			UNION ALL SELECT * FROM (SELECT shipment_id FROM links WHERE value = ?1 ORDER BY shipment_id DESC) weak LIMIT 1`, v).Scan(&id)
		if !errors.Is(err, sql.ErrNoRows) {
			break
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, clearway.Errorf(clearway.ENOTFOUND, "no shipment with ref or identifier %q", ref)
	}
	if err != nil {
		return 0, fmt.Errorf("find shipment %s: %w", ref, err)
	}
	return id, nil
}

// loadShipment reads the whole record of shipment id.
func (db *DB) loadShipment(ctx context.Context, id int64) (*Shipment, error) {
	var err error
	s := &Shipment{id: id, Lines: []map[string]string{}, POLines: []map[string]string{}, Packing: []map[string]string{},
		Documents: []DocumentVersion{}, Timeline: []TimelineEvent{}, Reviews: []ReviewSummary{}}
	var fields, updated, entry, findings string
	if err := db.db.QueryRowContext(ctx, `SELECT ref, state, ready, fields, entry, findings, updated_at FROM shipments WHERE id = ?`, id).
		Scan(&s.Ref, &s.State, &s.Ready, &fields, &entry, &findings, &updated); err != nil {
		return nil, err
	}
	var extra entryExtra
	for _, col := range []struct {
		name, raw string
		into      any
	}{{"fields", fields, &s.Fields}, {"entry", entry, &extra}, {"findings", findings, &s.Findings}} {
		if err := json.Unmarshal([]byte(col.raw), col.into); err != nil {
			return nil, fmt.Errorf("shipment %s: stored %s: %w", s.Ref, col.name, err)
		}
	}
	s.Holds, s.ReleaseAuthorized, s.Resubmissions = extra.Holds, extra.ReleaseAuthorized, extra.Resubmissions
	s.StateLabel, s.Entries = extra.Label, extra.Entries
	if s.Holds == nil {
		s.Holds = []lifecycle.Hold{}
	}
	if s.Entries == nil {
		s.Entries = []lifecycle.EntryStatus{}
	}
	if s.Findings == nil {
		s.Findings = []validate.Finding{}
	}
	if s.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, fmt.Errorf("shipment %s: %w", s.Ref, err)
	}
	if s.Identifiers, err = db.identifiers(ctx, id); err != nil {
		return nil, err
	}
	if err := db.shipmentFacts(ctx, s); err != nil {
		return nil, err
	}
	if err := db.shipmentDocuments(ctx, s); err != nil {
		return nil, err
	}
	if err := db.shipmentTimeline(ctx, s); err != nil {
		return nil, err
	}
	if h, held, err := db.LegalHold(ctx, id); err != nil {
		return nil, err
	} else if held {
		s.LegalHold = &h
	}
	rows, err := db.db.QueryContext(ctx, `SELECT id, kind, status, summary FROM reviews WHERE shipment_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r ReviewSummary
		if err := rows.Scan(&r.ID, &r.Kind, &r.Status, &r.Summary); err != nil {
			return nil, err
		}
		s.Reviews = append(s.Reviews, r)
	}
	return s, rows.Err()
}

// lookupForms returns ref as typed, upper-cased, and without blanks and
// hyphens, each once.
func lookupForms(ref string) []string {
	upper := strings.ToUpper(ref)
	bare := strings.NewReplacer(" ", "", "-", "").Replace(upper)
	forms := []string{ref}
	for _, f := range []string{upper, bare} {
		if !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	return forms
}

func (db *DB) identifiers(ctx context.Context, id int64) (map[string][]string, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT kind, value FROM identifiers WHERE shipment_id = ?1
		UNION SELECT kind, value FROM links WHERE shipment_id = ?1 ORDER BY kind, value`, id)
	if err != nil {
		return nil, fmt.Errorf("identifiers of shipment %d: %w", id, err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = append(out[k], v)
	}
	return out, rows.Err()
}

func (db *DB) shipmentFacts(ctx context.Context, s *Shipment) error {
	// Its own lines, then the lines of the purchase orders it carries
	// (they belong to the order, DOMAIN.md §4.8).
	rows, err := db.db.QueryContext(ctx, `SELECT f.kind, f.fields, f.file_id, fl.name, fl.mapping, fl.mapping_hash FROM facts f JOIN files fl ON fl.id = f.file_id
		WHERE f.shipment_id = ?1
		UNION ALL SELECT f.kind, f.fields, f.file_id, fl.name, fl.mapping, fl.mapping_hash FROM links l
		JOIN `+linkedPOLines+`
		JOIN files fl ON fl.id = f.file_id
		WHERE l.shipment_id = ?1 AND l.kind = 'po_number' AND l.scope = ''
		ORDER BY 1, 2`, s.id)
	if err != nil {
		return fmt.Errorf("facts of shipment %s: %w", s.Ref, err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, raw, name, mapping, hash string
		var fileID int64
		if err := rows.Scan(&kind, &raw, &fileID, &name, &mapping, &hash); err != nil {
			return err
		}
		fields, err := db.layouts.decode(raw)
		if err != nil {
			return fmt.Errorf("shipment %s: %w", s.Ref, err)
		}
		switch clearway.Kind(kind) {
		case clearway.KindInvoiceLine:
			s.Lines = append(s.Lines, fields)
			s.LineSources = append(s.LineSources, LineSource{FileID: fileID, File: name, Mapping: mapping, MappingHash: hash})
		case clearway.KindPurchaseOrderLine:
			s.POLines = append(s.POLines, fields)
		case clearway.KindPackingLine:
			s.Packing = append(s.Packing, fields)
		case clearway.KindMilestone:
			s.Timeline = append(s.Timeline, TimelineEvent{At: fields["at"], Event: fields["event"], CodeList: "milestone", Source: name, FileID: fileID, Message: fields["location"]})
		}
	}
	return rows.Err()
}

// shipmentTimeline adds the status messages and readiness changes to the
// milestones, everything in time order.
func (db *DB) shipmentTimeline(ctx context.Context, s *Shipment) error {
	rows, err := db.db.QueryContext(ctx, `SELECT t.at, t.event, t.code, t.code_list, t.source, COALESCE(t.file_id, 0), t.state, t.note, t.message
		FROM timeline t WHERE t.shipment_id = ? ORDER BY t.id`, s.id)
	if err != nil {
		return fmt.Errorf("timeline of shipment %s: %w", s.Ref, err)
	}
	defer rows.Close()
	for rows.Next() {
		var e TimelineEvent
		if err := rows.Scan(&e.At, &e.Event, &e.Code, &e.CodeList, &e.Source, &e.FileID, &e.State, &e.Note, &e.Message); err != nil {
			return err
		}
		s.Timeline = append(s.Timeline, e)
	}
	sort.SliceStable(s.Timeline, func(i, j int) bool { return s.Timeline[i].At < s.Timeline[j].At })
	return rows.Err()
}

func (db *DB) shipmentDocuments(ctx context.Context, s *Shipment) error {
	rows, err := db.db.QueryContext(ctx, `SELECT d.id, d.doc_type, d.version, d.sha256, d.name, d.superseded, d.created_at, f.partner, f.channel, f."user"
		FROM documents d JOIN files f ON f.id = d.file_id WHERE d.shipment_id = ? ORDER BY d.doc_type, d.version`, s.id)
	if err != nil {
		return fmt.Errorf("documents of shipment %s: %w", s.Ref, err)
	}
	defer rows.Close()
	for rows.Next() {
		var d DocumentVersion
		var created string
		if err := rows.Scan(&d.ID, &d.DocType, &d.Version, &d.SHA256, &d.Name, &d.Superseded, &created, &d.Partner, &d.Channel, &d.User); err != nil {
			return err
		}
		var err error
		if d.CreatedAt, err = parseTime(created); err != nil {
			return fmt.Errorf("document %d: %w", d.ID, err)
		}
		s.Documents = append(s.Documents, d)
	}
	return rows.Err()
}
