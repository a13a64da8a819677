package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/lifecycle"
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

// entryExtra is what the lifecycle keeps beside the state (shipments.entry).
type entryExtra struct {
	Holds             []lifecycle.Hold `json:"holds"`
	ReleaseAuthorized bool             `json:"release_authorized,omitempty"`
	PrevState         lifecycle.State  `json:"prev_state,omitempty"`
	Resubmissions     int              `json:"resubmissions,omitempty"`
}

// snapshot is everything assess reads about one shipment.
type snapshot struct {
	id               int64
	state            string
	ready, readyOnce bool
	entry, findings  string
	fields           map[string]string
	facts            []storedFact
	documents        []string
	openReviews      int
	lastDataFile     int64 // newest file that brought a non-status fact or document
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
	ctx     context.Context
	tx      q
	layouts *layouts
	rules   *Rules
	now     string
	actor   string
	fileID  int64 // the file that caused the run, 0 for a person's decision
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
		rows, err := a.tx.QueryContext(a.ctx, `SELECT s.id FROM json_each(?) j JOIN shipments s ON s.id = j.value WHERE `+plannedWhere, string(list))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			planned[id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return planned, nil
}

// assessLoaded assesses a shipment that has more than PO lines.
func (a *assessment) assessLoaded(shipment int64) error {
	s, err := a.load(shipment)
	if err != nil {
		return fmt.Errorf("assess shipment %s: %w", ShipmentRef(shipment), err)
	}
	findings := validate.Check(s.validationInput(a.rules), a.rules.Validation)
	preAlert := s.preAlerted()
	ready := preAlert && s.openReviews == 0 && !slices.ContainsFunc(findings, func(f validate.Finding) bool {
		return f.Severity == validate.SeverityError
	})

	msgs, origins := s.statusMessages()
	// The state before any broker message comes from readiness. Once the
	// packet has been ready it may have gone to the broker, so later data
	// changes do not undo what the broker reports doing with it.
	base := lifecycle.Planned
	switch {
	case ready || (s.readyOnce && len(msgs) > 0):
		base = lifecycle.FileReady
	case preAlert:
		base = lifecycle.DocsIncomplete
	}
	entry, outs := a.rules.Codes.Process(lifecycle.Entry{State: base}, msgs)
	if entry.State == lifecycle.Rejected && ready {
		// A correction after the rejection is the packet re-sent.
		if last := lastRejection(outs); last != nil && s.lastDataFile > origins[last.Message.Key()].fileID {
			entry = lifecycle.Apply(entry, []lifecycle.Event{lifecycle.ValidationPassed}, "").Entry
		}
	}
	for _, o := range outs {
		if o.Duplicate {
			continue
		}
		if err := a.recordStatus(shipment, o, origins[o.Message.Key()]); err != nil {
			return err
		}
	}
	if string(entry.State) != s.state && slices.Contains([]lifecycle.State{lifecycle.DocsIncomplete, lifecycle.FileReady}, entry.State) && len(msgs) == 0 {
		if err := a.recordReadiness(shipment, entry.State, findings); err != nil {
			return err
		}
	}
	return a.save(s, entry, ready, s.readyOnce || ready, findings)
}

// lastRejection is the last outcome that moved the entry to REJECTED.
func lastRejection(outs []lifecycle.Outcome) *lifecycle.Outcome {
	for i := len(outs) - 1; i >= 0; i-- {
		if !outs[i].Duplicate && outs[i].Review == "" && outs[i].Entry.State == lifecycle.Rejected {
			return &outs[i]
		}
	}
	return nil
}

func (a *assessment) load(shipment int64) (*snapshot, error) {
	s := &snapshot{id: shipment, fields: map[string]string{}}
	var fields string
	var storedHash string
	err := a.tx.QueryRowContext(a.ctx, `SELECT state, ready, ready_once, entry, findings, fields, data_hash,
		(SELECT COUNT(*) FROM reviews WHERE shipment_id = shipments.id AND status = 'open')
		FROM shipments WHERE id = ?`, shipment).Scan(&s.state, &s.ready, &s.readyOnce, &s.entry, &s.findings, &fields, &storedHash, &s.openReviews)
	if err != nil {
		return nil, err
	}
	s.storedHash = storedHash
	json.Unmarshal([]byte(fields), &s.fields)
	rows, err := a.tx.QueryContext(a.ctx, `SELECT facts.id, facts.kind, facts.fields, facts.file_id, files.partner, files.name
		FROM facts JOIN files ON files.id = facts.file_id WHERE facts.shipment_id = ? ORDER BY facts.id`, shipment)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var f storedFact
		var raw string
		if err := rows.Scan(&f.id, &f.kind, &raw, &f.fileID, &f.partner, &f.name); err != nil {
			return nil, err
		}
		var err error
		if f.fields, err = a.layouts.decode(raw); err != nil {
			return nil, fmt.Errorf("fact %d: %w", f.id, err)
		}
		if f.kind != string(clearway.KindStatusEvent) {
			s.lastDataFile = max(s.lastDataFile, f.fileID)
		}
		s.facts = append(s.facts, f)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	h := sha256.New()
	for _, f := range s.facts {
		if f.kind != string(clearway.KindStatusEvent) {
			fmt.Fprintf(h, "%s\x00%d\x00", f.kind, f.id)
			for _, k := range slices.Sorted(maps.Keys(f.fields)) {
				fmt.Fprintf(h, "%s=%s\x00", k, f.fields[k])
			}
		}
	}
	fmt.Fprintf(h, "%s\x00", fields)
	docs, err := a.tx.QueryContext(a.ctx, `SELECT doc_type, file_id, sha256 FROM documents WHERE shipment_id = ? AND superseded = 0 ORDER BY doc_type`, shipment)
	if err != nil {
		return nil, err
	}
	defer docs.Close()
	for docs.Next() {
		var docType, sum string
		var fileID int64
		if err := docs.Scan(&docType, &fileID, &sum); err != nil {
			return nil, err
		}
		s.documents = append(s.documents, docType)
		s.lastDataFile = max(s.lastDataFile, fileID)
		fmt.Fprintf(h, "doc %s %s\x00", docType, sum)
	}
	s.dataHash = hex.EncodeToString(h.Sum(nil))
	return s, docs.Err()
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
		Mode: s.fields["mode"], Incoterm: s.fields["incoterm"], IncotermPlace: s.fields["incoterm_place"],
		CarrierSCAC: s.fields["carrier_scac"], DestinationBasis: r.DestinationBasis,
		Identifiers: map[string][]string{}, Documents: s.documents,
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
			if v.Mode == "" {
				v.Mode = poMode(f.fields["mode"])
			}
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
	return v
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

// origin is where a status message came from.
type origin struct {
	fileID     int64
	file, text string
}

// statusMessages turns the shipment's status_event facts into lifecycle
// messages, and remembers where each one came from.
func (s *snapshot) statusMessages() ([]lifecycle.Message, map[lifecycle.MessageKey]origin) {
	var msgs []lifecycle.Message
	origins := map[lifecycle.MessageKey]origin{}
	for _, f := range s.facts {
		if f.kind != string(clearway.KindStatusEvent) {
			continue
		}
		at, _ := time.Parse(time.RFC3339, f.fields["at"])
		ref := f.fields["entry_number"]
		if ref == "" {
			ref = f.fields["bill_of_lading"]
		}
		m := lifecycle.Message{Source: f.partner, CodeList: f.fields["code_list"], Code: f.fields["code"], At: at, Ref: ref}
		if _, dup := origins[m.Key()]; !dup {
			origins[m.Key()] = origin{fileID: f.fileID, file: f.name, text: f.fields["message"]}
		}
		msgs = append(msgs, m)
	}
	return msgs, origins
}

// recordStatus writes a status message's timeline row and opens the review
// its outcome asks for, once.
func (a *assessment) recordStatus(shipment int64, o lifecycle.Outcome, from origin) error {
	m := o.Message
	key := messageKey(m.Key())
	event := "UNMAPPED_STATUS"
	if o.Review != lifecycle.ReviewUnmappedStatus {
		if events, _, ok := a.rules.Codes.Events(m.CodeList, m.Code); ok {
			names := make([]string, len(events))
			for i, e := range events {
				names[i] = string(e)
			}
			event = strings.Join(names, " ")
		}
	}
	source := m.Source + ": " + from.file
	at := m.At.UTC().Format(time.RFC3339)
	if _, err := a.tx.ExecContext(a.ctx, `INSERT INTO timeline (shipment_id, at, event, code, code_list, source, file_id, state, note, message, msg_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (shipment_id, msg_key) DO UPDATE SET event = excluded.event, state = excluded.state, note = excluded.note`,
		shipment, at, event, m.Code, m.CodeList, source, from.fileID, string(o.Entry.State), o.Reason, from.text, key); err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	if o.Review == "" {
		return nil
	}
	summary := fmt.Sprintf("%s %s %s at %s from %s: %s", ShipmentRef(shipment), m.CodeList, m.Code, at, m.Source, o.Reason)
	detail, _ := json.Marshal(map[string]any{"code_list": m.CodeList, "code": m.Code, "at": at, "ref": m.Ref, "source": m.Source, "state": o.Entry.State, "reason": o.Reason})
	return a.openReview(o.Review, shipment, "status:"+key, summary, detail, from.fileID)
}

func messageKey(k lifecycle.MessageKey) string {
	return strings.Join([]string{k.Source, k.Code, k.At, k.Ref}, "|")
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
func (a *assessment) save(s *snapshot, e lifecycle.Entry, ready, readyOnce bool, findings []validate.Finding) error {
	extra := entryExtra{Holds: e.Holds, ReleaseAuthorized: e.ReleaseAuthorized, PrevState: e.PrevState, Resubmissions: e.Resubmissions}
	if extra.Holds == nil {
		extra.Holds = []lifecycle.Hold{}
	}
	entryJSON, _ := json.Marshal(extra)
	findingsJSON, _ := json.Marshal(findings)
	if string(e.State) == s.state && ready == s.ready && readyOnce == s.readyOnce && string(entryJSON) == s.entry && string(findingsJSON) == s.findings && s.dataHash == s.storedHash {
		return nil
	}
	if _, err := a.tx.ExecContext(a.ctx, `UPDATE shipments SET state = ?, ready = ?, ready_once = ?, entry = ?, findings = ?, data_hash = ?, updated_at = ? WHERE id = ?`,
		string(e.State), ready, readyOnce, string(entryJSON), string(findingsJSON), s.dataHash, a.now, s.id); err != nil {
		return fmt.Errorf("save shipment %s: %w", ShipmentRef(s.id), err)
	}
	if string(e.State) == s.state && string(entryJSON) == s.entry {
		return nil
	}
	before, _ := json.Marshal(map[string]any{"state": s.state, "entry": json.RawMessage(s.entry)})
	after, _ := json.Marshal(map[string]any{"state": e.State, "entry": json.RawMessage(entryJSON)})
	return a.audit("shipment", s.id, "state", before, after)
}

func (a *assessment) audit(entity string, id int64, action string, before, after []byte) error {
	var b, af, file any
	if before != nil {
		b = string(before)
	}
	if after != nil {
		af = string(after)
	}
	if a.fileID != 0 {
		file = a.fileID
	}
	_, err := a.tx.ExecContext(a.ctx, `INSERT INTO audit_log (at, actor, entity, entity_id, action, before, after, file_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.now, a.actor, entity, id, action, b, af, file)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}
