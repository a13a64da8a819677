package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/lifecycle"
	"github.com/clearway/clearway/internal/spine"
	"github.com/clearway/clearway/internal/validate"
)

// Rules are what the store re-runs on a shipment whenever its facts change:
// the pre-file checks and the status code tables of the entry lifecycle.
type Rules struct {
	Validation validate.Config
	// DestinationBasis is the valuation basis of the importing country
	// (FOB or CIF), DOMAIN.md §2.4.
	DestinationBasis string
	// Codes maps external status codes to canonical lifecycle events.
	Codes *lifecycle.Tables
	// ChangeTolerancePct is how far, in percent, a value on an accepted
	// line may move before the change waits for review.
	ChangeTolerancePct float64
	// Spine bounds weak identifier links (spine.container_window).
	Spine spine.Policy
	// Timezones gives each partner's zone (partners[].timezone): a status
	// time given as a date is the start of that day there. UTC when absent.
	Timezones map[string]*time.Location
}

// DefaultRules are the rules of DOMAIN.md with the shipped code tables.
func DefaultRules() (*Rules, error) {
	codes, err := lifecycle.DefaultTables()
	if err != nil {
		return nil, err
	}
	return &Rules{Validation: validate.DefaultConfig(), DestinationBasis: "FOB", Codes: codes, ChangeTolerancePct: 5}, nil
}

// rules returns the rules set on the store, or the defaults.
func (db *DB) rules() (*Rules, error) {
	if db.Rules != nil {
		return db.Rules, nil
	}
	r, err := DefaultRules()
	if err != nil {
		return nil, fmt.Errorf("load default rules: %w", err)
	}
	db.Rules = r
	return r, nil
}

// entryExtra is what the lifecycle keeps beside the state (shipments.entry):
// each entry's status, and for the shipment as a whole the active holds,
// whether a release is authorised, and the resubmissions.
type entryExtra struct {
	Label             string                  `json:"label,omitempty"`
	Entries           []lifecycle.EntryStatus `json:"entries"`
	Holds             []lifecycle.Hold        `json:"holds"`
	ReleaseAuthorized bool                    `json:"release_authorized,omitempty"`
	Resubmissions     int                     `json:"resubmissions,omitempty"`
}

// newEntryExtra summarises a derived lifecycle for storage.
func newEntryExtra(res lifecycle.Result) entryExtra {
	x := entryExtra{Entries: res.Entries, Holds: []lifecycle.Hold{}}
	if x.Entries == nil {
		x.Entries = []lifecycle.EntryStatus{}
	}
	if l := res.Label(); l != string(res.State) {
		x.Label = l
	}
	for _, e := range res.Entries {
		x.Holds = append(x.Holds, e.Holds...)
		x.ReleaseAuthorized = x.ReleaseAuthorized || e.Release != nil
		x.Resubmissions += e.Resubmissions
	}
	return x
}

// snapshot is everything assess reads about one shipment.
type snapshot struct {
	id               int64
	state            string
	ready, readyOnce bool
	entry, findings  string
	fields           map[string]string
	facts            []storedFact // the shipment's own, then the lines of the POs it carries
	manual           []manualEvent
	documents        []string
	openReviews      int // open reviews other than finding reviews
	// otherLines are invoice lines other shipments declared against the
	// purchase orders this one carries (QTY_OVER_PO counts them too).
	otherLines []map[string]string
	// dataVersion names the version of the data finding reviews judge
	// (lines, valuation, terms): a new version raises them again.
	dataVersion string
	// dataHash covers what a broker packet holds (lines, documents,
	// transport fields): a change means an amended packet is due.
	dataHash, storedHash string
}

// storedFact is one facts row with its file's partner and name.
type storedFact struct {
	id, fileID    int64
	kind          string
	fields        map[string]string
	partner, name string
}

// q is what assess needs of a transaction.
type q interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// assessment carries one run of the rules from read to write.
type assessment struct {
	db      *DB
	ctx     context.Context
	tx      q
	layouts *layouts
	rules   *Rules
	now     string
	actor   string
	fileID  int64 // the file that caused the run, 0 for a person's decision
}

// newAssessment starts a run of the rules in tx: actor and file (0 for a
// person's decision) are who and what caused it, for the audit log.
func (db *DB) newAssessment(ctx context.Context, tx q, now, actor string, fileID int64) (*assessment, error) {
	rules, err := db.rules()
	if err != nil {
		return nil, err
	}
	return &assessment{db: db, ctx: ctx, tx: tx, layouts: db.layouts, rules: rules, now: now, actor: actor, fileID: fileID}, nil
}

// assess re-runs the pre-file checks and the entry lifecycle on each of the
// shipments and stores findings, readiness, state, holds, timeline and the reviews the
// status messages open. It runs inside the transaction that changed the
// shipment, so derived state never lags its facts.
func (a *assessment) assess(shipments []int64) error {
	// A shipment known only from purchase-order lines has nothing to file
	// yet: its checks start with the pre-alert. Big ERP exports touch tens
	// of thousands of these, so this is decided without loading them.
	planned, err := a.plannedOnly(shipments)
	if err != nil {
		return fmt.Errorf("assess shipments: %w", err)
	}
	for _, id := range shipments {
		if planned[id] {
			continue
		}
		if err := a.assessLoaded(id); err != nil {
			return err
		}
	}
	return nil
}

// linkedPOLines joins, as f, the lines of the purchase order a po_number
// link l names: they are keyed "<po>|<line>" (spine.LineKey).
const linkedPOLines = `facts f ON f.kind = 'purchase_order_line' AND f.key > l.value || '|' AND f.key < l.value || '}'`

// plannedWhere is true of a shipment s known only from purchase-order lines.
const plannedWhere = `s.state = 'PLANNED' AND s.fields = '{}'
	AND NOT EXISTS (SELECT 1 FROM facts WHERE shipment_id = s.id AND kind != 'purchase_order_line')
	AND NOT EXISTS (SELECT 1 FROM documents WHERE shipment_id = s.id)
	AND NOT EXISTS (SELECT 1 FROM reviews WHERE shipment_id = s.id)`

// plannedOnly returns which of the shipments are known only from
// purchase-order lines, a query per 500 rather than one each.
func (a *assessment) plannedOnly(ids []int64) (map[int64]bool, error) {
	planned := map[int64]bool{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		list, _ := json.Marshal(chunk)
		found, err := queryColumn[int64](a.ctx, a.tx, `SELECT s.id FROM (`+a.db.jsonInts("?")+`) j JOIN shipments s ON s.id = j.value WHERE `+plannedWhere, string(list))
		if err != nil {
			return nil, err
		}
		for _, id := range found {
			planned[id] = true
		}
	}
	return planned, nil
}

// assessLoaded assesses a shipment that has more than PO lines: its
// findings, readiness (package readiness), the finding reviews it needs,
// and the entry lifecycle derived from every status message (package
// lifecycle, DOMAIN.md §4.7).
func (a *assessment) assessLoaded(shipment int64) error {
	s, err := a.load(shipment)
	if err != nil {
		return fmt.Errorf("assess shipment %s: %w", ShipmentRef(shipment), err)
	}
	findings := validate.Check(s.validationInput(a.rules), a.rules.Validation)
	ready, err := a.decideReadiness(s, findings)
	if err != nil {
		return fmt.Errorf("assess shipment %s: %w", ShipmentRef(shipment), err)
	}
	msgs, origins, err := s.statusMessages(a.rules.Timezones)
	if err != nil {
		return fmt.Errorf("assess shipment %s: %w", ShipmentRef(shipment), err)
	}
	// The state before any broker message comes from readiness. Once the
	// packet has been ready it may have gone to the broker, so later data
	// changes do not undo what the broker reports doing with it.
	base := lifecycle.Planned
	switch {
	case ready || (s.readyOnce && len(msgs) > 0):
		base = lifecycle.FileReady
	case s.preAlerted():
		base = lifecycle.DocsIncomplete
	}
	res := a.rules.Codes.Derive(lifecycle.Readiness{State: base, EverReady: s.readyOnce || ready}, msgs)
	anomalies, err := a.recordLifecycle(shipment, s, res, origins)
	if err != nil {
		return fmt.Errorf("assess shipment %s: %w", ShipmentRef(shipment), err)
	}
	findings = append(findings, anomalies...)
	if string(res.State) != s.state && (res.State == lifecycle.DocsIncomplete || res.State == lifecycle.FileReady) && len(msgs) == 0 {
		if err := a.recordReadiness(shipment, res.State, findings); err != nil {
			return err
		}
	}
	return a.save(s, res, ready, s.readyOnce || ready, findings)
}

// preAlerted reports whether anything beyond purchase-order lines is known:
// an invoice, packing list, document, transport data or a status.
func (s *snapshot) preAlerted() bool {
	if len(s.documents) > 0 || len(s.fields) > 0 {
		return true
	}
	return slices.ContainsFunc(s.facts, func(f storedFact) bool {
		return f.kind != string(clearway.KindPurchaseOrderLine)
	})
}

// validationInput gathers what validate.Check reads. Identifiers are those
// the current facts name, so a corrected container number replaces the
// wrong one.
func (s *snapshot) validationInput(r *Rules) validate.Shipment {
	v := validate.Shipment{
		Mode: s.mode(), Incoterm: s.fields["incoterm"], IncotermPlace: s.fields["incoterm_place"],
		CarrierSCAC: s.fields["carrier_scac"], DestinationBasis: r.DestinationBasis,
		Identifiers: map[string][]string{}, Documents: s.documents, OtherInvoiceLines: s.otherLines,
	}
	seen := map[string]bool{}
	for _, f := range s.facts {
		for _, k := range clearway.IdentifierFields {
			if val := f.fields[k]; val != "" && !seen[k+"\x00"+val] {
				seen[k+"\x00"+val] = true
				v.Identifiers[k] = append(v.Identifiers[k], val)
			}
		}
		switch clearway.Kind(f.kind) {
		case clearway.KindPurchaseOrderLine:
			v.POLines = append(v.POLines, f.fields)
			// The PO carries the terms until a shipment record says otherwise.
			if v.Incoterm == "" {
				v.Incoterm, v.IncotermPlace = f.fields["incoterm"], f.fields["incoterm_place"]
			}
		case clearway.KindInvoiceLine:
			v.InvoiceLines = append(v.InvoiceLines, f.fields)
		case clearway.KindPackingLine:
			v.PackingLines = append(v.PackingLines, f.fields)
		case clearway.KindValuation:
			v.Valuation = f.fields
		}
	}
	v.PlaceInland = placeInland(v.IncotermPlace, s.fields["port_of_entry"])
	return v
}

// placeInland reports whether an Incoterm's named place lies beyond the
// port of entry, so CPT and CIP ask for the US inland freight. Without a
// reliable gazetteer, any named place other than the port of entry (by
// name or code) counts as inland: the valuation then answers with an
// amount, or not_applicable with a reason when the place is the port.
func placeInland(place, portOfEntry string) bool {
	place = strings.TrimSpace(place)
	return place != "" && !strings.EqualFold(place, strings.TrimSpace(portOfEntry))
}

// mode is the shipment's transport mode: its own, else its PO's.
func (s *snapshot) mode() string {
	if m := s.fields["mode"]; m != "" {
		return m
	}
	for _, f := range s.facts {
		if f.kind == string(clearway.KindPurchaseOrderLine) {
			if m := poMode(f.fields["mode"]); m != "" {
				return m
			}
		}
	}
	return ""
}

// poMode reads an ERP ship mode (SEA, AIR, ROAD, …) as a canonical mode.
func poMode(m string) string {
	switch strings.ToLower(strings.TrimSpace(m)) {
	case "ocean", "sea", "vessel", "s":
		return "ocean"
	case "air", "a":
		return "air"
	case "truck", "road", "t":
		return "truck"
	case "rail", "r":
		return "rail"
	}
	return ""
}

// openReview opens a review unless one of that kind about that subject was
// ever opened for the shipment (a decided review stays decided).
func (a *assessment) openReview(kind string, shipment int64, subject, summary string, detail []byte, fileID int64) error {
	var n int
	if err := a.tx.QueryRowContext(a.ctx, `SELECT COUNT(*) FROM reviews WHERE shipment_id = ? AND kind = ? AND subject = ?`, shipment, kind, subject).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	var file any
	if fileID != 0 {
		file = fileID
	}
	res, err := a.tx.ExecContext(a.ctx, `INSERT INTO reviews (kind, shipment_id, summary, detail, file_id, created_at, subject) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		kind, shipment, summary, string(detail), file, a.now, subject)
	if err != nil {
		return fmt.Errorf("open review: %w", err)
	}
	id, _ := res.LastInsertId()
	sender, err := filePartner(a.ctx, a.tx, fileID)
	if err != nil {
		return err
	}
	if err := a.db.raiseReview(a.ctx, a.tx, a.now, id, kind, shipment, sender, summary); err != nil {
		return err
	}
	return a.audit("review", id, "create", nil, detail)
}

// recordReadiness adds a readiness change to the timeline.
func (a *assessment) recordReadiness(shipment int64, state lifecycle.State, findings []validate.Finding) error {
	event, note := lifecycle.ValidationPassed, "no error findings and no open review"
	if state == lifecycle.DocsIncomplete {
		event = lifecycle.ValidationFailed
		var rules []string
		for _, f := range findings {
			if f.Severity == validate.SeverityError && !slices.Contains(rules, f.Rule) {
				rules = append(rules, f.Rule)
			}
		}
		note = "blocked by " + strings.Join(rules, ", ")
		if len(rules) == 0 {
			note = "waiting for an open review"
		}
	}
	var file any
	if a.fileID != 0 {
		file = a.fileID
	}
	at, _ := parseTime(a.now)
	_, err := a.tx.ExecContext(a.ctx, `INSERT INTO timeline (shipment_id, at, event, code, code_list, source, file_id, state, note) VALUES (?, ?, ?, ?, 'clearway', 'validation', ?, ?, ?)`,
		shipment, at.UTC().Format(time.RFC3339), string(event), string(state), file, string(state), note)
	return err
}

// save stores what the run derived, auditing a change of state.
func (a *assessment) save(s *snapshot, res lifecycle.Result, ready, readyOnce bool, findings []validate.Finding) error {
	extra := newEntryExtra(res)
	entryJSON, _ := json.Marshal(extra)
	findingsJSON, _ := json.Marshal(findings)
	state := string(res.State)
	if err := a.saveProfile(s, res, readyOnce, findings); err != nil {
		return err
	}
	if err := a.raiseFindings(s, findings); err != nil {
		return err
	}
	if state != s.state {
		if err := a.recordSpan(s.id, state); err != nil {
			return err
		}
	}
	if state == s.state && ready == s.ready && readyOnce == s.readyOnce && string(entryJSON) == s.entry && string(findingsJSON) == s.findings && s.dataHash == s.storedHash {
		return nil
	}
	if _, err := a.tx.ExecContext(a.ctx, `UPDATE shipments SET state_since = CASE WHEN state = ?1 THEN state_since ELSE ?7 END,
		state = ?1, ready = ?2, ready_once = ?3, entry = ?4, findings = ?5, data_hash = ?6, updated_at = ?7 WHERE id = ?8`,
		state, ready, readyOnce, string(entryJSON), string(findingsJSON), s.dataHash, a.now, s.id); err != nil {
		return fmt.Errorf("save shipment %s: %w", ShipmentRef(s.id), err)
	}
	if _, err := a.tx.ExecContext(a.ctx, `UPDATE parties SET updated_at = ? WHERE shipment_id = ?`, a.now, s.id); err != nil {
		return fmt.Errorf("save shipment %s: %w", ShipmentRef(s.id), err)
	}
	if state == s.state && string(entryJSON) == s.entry {
		return nil
	}
	before, _ := json.Marshal(map[string]any{"state": s.state, "entry": json.RawMessage(s.entry)})
	after, _ := json.Marshal(map[string]any{"state": state, "entry": json.RawMessage(entryJSON)})
	return a.audit("shipment", s.id, "state", before, after)
}

func (a *assessment) audit(entity string, id int64, action string, before, after []byte) error {
	return auditIn(a.ctx, a.tx, a.now, a.actor, a.fileID, entity, id, action, before, after)
}
