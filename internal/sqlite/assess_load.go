package sqlite

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"maps"
	"slices"
	"time"

	"github.com/clearway/clearway/internal/clearway"
)

// load reads everything assess needs of one shipment.
func (a *assessment) load(shipment int64) (*snapshot, error) {
	s := &snapshot{id: shipment, fields: map[string]string{}}
	var fields string
	err := a.tx.QueryRowContext(a.ctx, `SELECT state, ready, ready_once, entry, findings, fields, data_hash,
		(SELECT COUNT(*) FROM reviews WHERE shipment_id = shipments.id AND status = 'open' AND subject NOT LIKE 'finding:%')
		FROM shipments WHERE id = ?`, shipment).Scan(&s.state, &s.ready, &s.readyOnce, &s.entry, &s.findings, &fields, &s.storedHash, &s.openReviews)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(fields), &s.fields); err != nil {
		return nil, fmt.Errorf("shipment fields: %w", err)
	}
	if err := a.loadFacts(s, `SELECT facts.id, facts.kind, facts.fields, facts.file_id, files.partner, files.name
		FROM facts JOIN files ON files.id = facts.file_id WHERE facts.shipment_id = ? ORDER BY facts.id`, shipment); err != nil {
		return nil, err
	}
	// PO lines belong to their order: those of the orders it carries.
	if err := a.loadFacts(s, `SELECT f.id, f.kind, f.fields, f.file_id, files.partner, files.name
		FROM links l JOIN `+linkedPOLines+`
		JOIN files ON files.id = f.file_id
		WHERE l.shipment_id = ? AND l.kind = 'po_number' AND l.scope = '' ORDER BY f.id`, shipment); err != nil {
		return nil, err
	}
	if err := a.loadOtherLines(s); err != nil {
		return nil, err
	}
	if err := a.loadManual(s); err != nil {
		return nil, err
	}
	h := sha256.New()
	version := sha256.New()
	for _, f := range s.facts {
		if f.kind == string(clearway.KindStatusEvent) {
			continue
		}
		hashFact(h, f)
		if f.kind != string(clearway.KindPackingLine) && f.kind != string(clearway.KindMilestone) {
			fmt.Fprintf(version, "%s\x00%d\x00%d\x00", f.kind, f.id, f.fileID)
		}
	}
	fmt.Fprintf(h, "%s\x00", fields)
	fmt.Fprintf(version, "%s\x00%s\x00", s.fields["incoterm"], s.fields["incoterm_place"])
	if err := a.loadDocuments(s, h); err != nil {
		return nil, err
	}
	s.dataHash = hex.EncodeToString(h.Sum(nil))
	s.dataVersion = hex.EncodeToString(version.Sum(nil))[:16]
	return s, nil
}

// hashFact adds a line to the packet hash.
func hashFact(h hash.Hash, f storedFact) {
	fmt.Fprintf(h, "%s\x00%d\x00", f.kind, f.id)
	for _, k := range slices.Sorted(maps.Keys(f.fields)) {
		fmt.Fprintf(h, "%s=%s\x00", k, f.fields[k])
	}
}

// loadFacts appends the facts a query selects.
func (a *assessment) loadFacts(s *snapshot, query string, args ...any) error {
	rows, err := a.tx.QueryContext(a.ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var f storedFact
		var raw string
		if err := rows.Scan(&f.id, &f.kind, &raw, &f.fileID, &f.partner, &f.name); err != nil {
			return err
		}
		if f.fields, err = a.layouts.decode(raw); err != nil {
			return fmt.Errorf("fact %d: %w", f.id, err)
		}
		s.facts = append(s.facts, f)
	}
	return rows.Err()
}

// loadOtherLines reads the invoice lines other shipments declared against
// the purchase orders this one carries.
func (a *assessment) loadOtherLines(s *snapshot) error {
	rows, err := a.tx.QueryContext(a.ctx, `SELECT DISTINCT f.id, f.fields FROM links l
		JOIN links o ON o.kind = 'po_number' AND o.scope = '' AND o.value = l.value AND o.shipment_id != l.shipment_id
		JOIN facts f ON f.shipment_id = o.shipment_id AND f.kind = 'invoice_line'
		WHERE l.shipment_id = ? AND l.kind = 'po_number' AND l.scope = ''`, s.id)
	if err != nil {
		return fmt.Errorf("lines of other shipments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var raw string
		if err := rows.Scan(&id, &raw); err != nil {
			return err
		}
		fields, err := a.layouts.decode(raw)
		if err != nil {
			return fmt.Errorf("fact %d: %w", id, err)
		}
		s.otherLines = append(s.otherLines, fields)
	}
	return rows.Err()
}

// loadManual reads the states people recorded by hand.
func (a *assessment) loadManual(s *snapshot) error {
	rows, err := a.tx.QueryContext(a.ctx, `SELECT at, state, entry_number, reason, note, by FROM manual_events WHERE shipment_id = ? ORDER BY id`, s.id)
	if err != nil {
		return fmt.Errorf("manual events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e manualEvent
		var at string
		if err := rows.Scan(&at, &e.state, &e.entry, &e.reason, &e.note, &e.by); err != nil {
			return err
		}
		if e.at, err = time.Parse(time.RFC3339, at); err != nil {
			return fmt.Errorf("manual event at %q: %w", at, err)
		}
		s.manual = append(s.manual, e)
	}
	return rows.Err()
}

// loadDocuments reads the current document types and adds them to the
// packet hash.
func (a *assessment) loadDocuments(s *snapshot, h hash.Hash) error {
	docs, err := a.tx.QueryContext(a.ctx, `SELECT doc_type, sha256 FROM documents WHERE shipment_id = ? AND superseded = 0 ORDER BY doc_type`, s.id)
	if err != nil {
		return err
	}
	defer docs.Close()
	for docs.Next() {
		var docType, sum string
		if err := docs.Scan(&docType, &sum); err != nil {
			return err
		}
		s.documents = append(s.documents, docType)
		fmt.Fprintf(h, "doc %s %s\x00", docType, sum)
	}
	return docs.Err()
}
