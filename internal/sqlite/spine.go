package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/spine"
)

// Review kinds the spine opens (PRODUCT.md §8).
const (
	ReviewIdentifierAmbiguous = "identifier_ambiguous"
)

// link is one weak identifier of a shipment (links table).
type link struct{ kind, scope, value string }

// resolve finds the shipment a record belongs to by the rules of
// DOMAIN.md §4.8 (package spine decides; this loads and saves). A record
// whose identifiers name two shipments, or link several open ones, waits in
// a review (ok false) and merges nothing.
func (in *Ingest) resolve(rec recView) (int64, bool, error) {
	var l spine.Lookup
	var unknown []int // name indexes of strong identifiers no shipment has yet
	var weak []link
	for _, i := range rec.plan.ids {
		kind, v := rec.names[i], rec.values[i]
		if v == "" {
			continue
		}
		switch {
		case spine.Strong(kind):
			l.HasStrong = true
			sid, err := in.lookup(kind, v)
			if err != nil {
				return 0, false, err
			}
			if sid == 0 {
				unknown = append(unknown, i)
				l.UnknownStrong = append(l.UnknownStrong, kind)
			} else {
				l.Named = append(l.Named, sid)
			}
		case kind == spine.InvoiceNumber:
			l.HasInvoice = true
			lk := link{kind, spine.InvoiceScope(in.file.Partner), v}
			sid, err := in.lookupInvoice(lk)
			if err != nil {
				return 0, false, err
			}
			if sid != 0 {
				l.Named = append(l.Named, sid)
			}
			weak = append(weak, lk)
		default:
			weak = append(weak, link{kind, "", v})
		}
	}
	if !l.HasStrong && len(weak) == 0 {
		return 0, false, &RecordError{Source: rec.source, Msg: fmt.Sprintf("%s names no shipment identifier (%s)", rec.kind, strings.Join(clearway.IdentifierFields, ", "))}
	}
	if len(l.Named) == 0 {
		if err := in.weakCandidates(&l, weak); err != nil {
			return 0, false, err
		}
	}
	l.Separated = in.separated
	res := spine.Resolve(l)
	var shipment int64
	switch res.Decision {
	case spine.Conflict:
		return 0, false, in.conflict(rec.record(), res.Among)
	case spine.Ambiguous:
		return 0, false, in.ambiguous(rec.record(), res)
	case spine.Attach:
		shipment = res.Shipment
	case spine.Create:
		var err error
		if shipment, err = in.createShipment(); err != nil {
			return 0, false, err
		}
	}
	for _, i := range unknown {
		id := ident{rec.names[i], rec.values[i]}
		if _, err := in.exec(`INSERT INTO identifiers (kind, value, shipment_id, file_id) VALUES (?, ?, ?, ?)`, id.kind, id.value, shipment, in.file.ID); err != nil {
			return 0, false, fmt.Errorf("add identifier %s %s: %w", id.kind, id.value, err)
		}
		// The cache outlives the record: keep the value, not the line it
		// may be a slice of.
		id.value = strings.Clone(id.value)
		in.shipments[id] = shipment
	}
	for _, lk := range weak {
		if err := in.addLink(lk, shipment); err != nil {
			return 0, false, err
		}
	}
	in.touch(shipment)
	return shipment, true, nil
}

// linked is a weak identifier known to link a shipment, for the file's
// cache of links it already wrote.
type linked struct {
	link
	shipment int64
}

// addLink links a weak identifier to the shipment, once.
func (in *Ingest) addLink(lk link, shipment int64) error {
	key := linked{lk, shipment}
	if in.links[key] {
		return nil
	}
	if _, err := in.exec(`INSERT OR IGNORE INTO links (kind, scope, value, shipment_id, file_id) VALUES (?, ?, ?, ?, ?)`,
		lk.kind, lk.scope, lk.value, shipment, in.file.ID); err != nil {
		return fmt.Errorf("link %s %s: %w", lk.kind, lk.value, err)
	}
	if in.links == nil || len(in.links) >= maxCachedIdentifiers {
		in.links = map[linked]bool{}
	}
	key.value = strings.Clone(key.value)
	in.links[key] = true
	if lk.kind == spine.InvoiceNumber {
		in.shipments[ident{lk.kind, lk.scope + "|" + key.value}] = shipment
	}
	return nil
}

// lookupInvoice returns the shipment an invoice number of the supplier
// names, 0 when none. Invoice numbers are unique per supplier only.
func (in *Ingest) lookupInvoice(lk link) (int64, error) {
	id := ident{lk.kind, lk.scope + "|" + lk.value}
	if sid, ok := in.shipments[id]; ok {
		return sid, nil
	}
	s, err := in.stmt(`SELECT MIN(shipment_id) FROM links WHERE kind = ? AND value = ? AND scope = ?`)
	if err != nil {
		return 0, err
	}
	var sid sql.NullInt64
	if err := s.QueryRowContext(in.ctx, lk.kind, lk.value, lk.scope).Scan(&sid); err != nil {
		return 0, fmt.Errorf("look up invoice %s of %s: %w", lk.value, lk.scope, err)
	}
	if sid.Valid {
		id.value = strings.Clone(id.value)
		in.shipments[id] = sid.Int64
	}
	return sid.Int64, nil
}

// weakCandidates fills the shipments the record's purchase orders and
// containers link to that are still open and recently active.
func (in *Ingest) weakCandidates(l *spine.Lookup, weak []link) error {
	rules, err := in.db.rules()
	if err != nil {
		return err
	}
	now := in.db.Now()
	for _, lk := range weak {
		if lk.kind != spine.PONumber && lk.kind != spine.ContainerNumber {
			continue
		}
		cands, err := in.linkCandidates(lk)
		if err != nil {
			return err
		}
		eligible := rules.Spine.Eligible(cands, now)
		if lk.kind == spine.PONumber {
			l.ByPO = append(l.ByPO, eligible...)
		} else {
			l.ByContainer = append(l.ByContainer, eligible...)
		}
	}
	return nil
}

// linkCandidates returns the shipments a weak identifier links, with their
// state and last activity.
func (in *Ingest) linkCandidates(lk link) ([]spine.Candidate, error) {
	s, err := in.stmt(`SELECT s.id, s.state, s.updated_at FROM links l JOIN shipments s ON s.id = l.shipment_id
		WHERE l.kind = ? AND l.value = ? AND l.scope = ?`)
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(in.ctx, lk.kind, lk.value, lk.scope)
	if err != nil {
		return nil, fmt.Errorf("shipments of %s %s: %w", lk.kind, lk.value, err)
	}
	defer rows.Close()
	var out []spine.Candidate
	for rows.Next() {
		var c spine.Candidate
		var updated string
		if err := rows.Scan(&c.Shipment, &c.State, &updated); err != nil {
			return nil, fmt.Errorf("shipments of %s %s: %w", lk.kind, lk.value, err)
		}
		if c.LastActivity, err = parseTime(updated); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// separated reports whether a person decided two shipments apart.
func (in *Ingest) separated(a, b int64) bool {
	a, b = min(a, b), max(a, b)
	s, err := in.stmt(`SELECT 1 FROM separations WHERE a = ? AND b = ?`)
	if err != nil {
		return false
	}
	var one int
	err = s.QueryRowContext(in.ctx, a, b).Scan(&one)
	return err == nil
}

// conflict opens an identifier_conflict review holding the record: its
// strong identifiers name two shipments.
func (in *Ingest) conflict(rec clearway.Record, ids []int64) error {
	refs := shipmentRefs(ids)
	detail, _ := json.Marshal(map[string]any{"record": rec, "shipments": refs, "file_id": in.file.ID})
	summary := fmt.Sprintf("%s at %s names identifiers of %s: not applied until someone decides merge or separate", rec.Kind, rec.Source, strings.Join(refs, " and "))
	return in.openFileReview(ReviewIdentifierConflict, ids[0], "", summary, detail)
}

// ambiguous opens an identifier_ambiguous review: the record names no
// strong identifier and its container or PO links several open shipments.
// One review per file and weak value; the records wait with the file.
func (in *Ingest) ambiguous(rec clearway.Record, res spine.Resolution) error {
	value := rec.Fields[res.Via]
	subject := fmt.Sprintf("file:%d:%s:%s", in.file.ID, res.Via, value)
	if in.ambiguousSeen[subject] {
		return nil
	}
	if in.ambiguousSeen == nil {
		in.ambiguousSeen = map[string]bool{}
	}
	in.ambiguousSeen[subject] = true
	refs := shipmentRefs(res.Among)
	detail, _ := json.Marshal(map[string]any{"record": rec, "shipments": refs, "via": res.Via, "value": value, "file_id": in.file.ID})
	summary := fmt.Sprintf("%s %s of %s (first at %s) links %s, all open: not applied and not merged; replay the file once the records carry a bill of lading, or decide",
		res.Via, value, in.file.Name, rec.Source, strings.Join(refs, " and "))
	return in.openFileReview(ReviewIdentifierAmbiguous, res.Among[0], subject, summary, detail)
}

// openFileReview opens a review this file raised: a record it holds, or a
// change to a stored line it waits for.
func (in *Ingest) openFileReview(kind string, shipment int64, subject, summary string, detail []byte) error {
	res, err := in.exec(`INSERT INTO reviews (kind, shipment_id, summary, detail, file_id, created_at, subject) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		kind, shipment, summary, string(detail), in.file.ID, in.now, subject)
	if err != nil {
		return fmt.Errorf("open review: %w", err)
	}
	id, _ := res.LastInsertId()
	in.Stats.Reviews++
	in.touch(shipment)
	if err := in.db.raiseReview(in.ctx, in.tx, in.now, id, kind, shipment, in.file.Partner, summary); err != nil {
		return err
	}
	return in.audit("review", id, "create", nil, detail)
}

func shipmentRefs(ids []int64) []string {
	refs := make([]string, len(ids))
	for i, id := range ids {
		refs[i] = ShipmentRef(id)
	}
	return refs
}

// lookup returns the shipment a strong identifier names, 0 when none does.
// The identifiers this file names are remembered: a big file names the
// same few again and again.
func (in *Ingest) lookup(kind, value string) (int64, error) {
	if sid, ok := in.shipments[ident{kind, value}]; ok {
		return sid, nil
	}
	if in.absent[ident{kind, value}] {
		return 0, nil
	}
	s, err := in.stmt(`SELECT shipment_id FROM identifiers WHERE kind = ? AND value = ?`)
	if err != nil {
		return 0, err
	}
	var sid int64
	if err := s.QueryRowContext(in.ctx, kind, value).Scan(&sid); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("look up %s %s: %w", kind, value, err)
	}
	if sid != 0 {
		in.shipments[ident{kind, strings.Clone(value)}] = sid
	}
	return sid, nil
}

// touchPOShipments marks for re-assessment the shipments that carry a
// purchase order whose lines this file wrote, a query per 500 orders.
func (in *Ingest) touchPOShipments() error {
	pos := make([]string, 0, len(in.poNumbers))
	for po := range in.poNumbers {
		pos = append(pos, po)
	}
	for len(pos) > 0 {
		chunk := pos[:min(len(pos), 500)]
		pos = pos[len(chunk):]
		list, _ := json.Marshal(chunk)
		ids, err := queryColumn[int64](in.ctx, in.tx, `SELECT DISTINCT l.shipment_id FROM (`+in.db.jsonTexts("?")+`) j
			JOIN links l ON l.kind = 'po_number' AND l.value = j.value AND l.scope = ''`, string(list))
		if err != nil {
			return fmt.Errorf("shipments of purchase orders: %w", err)
		}
		for _, id := range ids {
			in.touch(id)
		}
	}
	return nil
}

// PurchaseOrder is a purchase order's lines and the shipments carrying it.
type PurchaseOrder struct {
	PONumber  string              `json:"po_number"`
	Lines     []map[string]string `json:"lines"`
	Shipments []string            `json:"shipments"`
}

// PurchaseOrder returns purchase order po (as typed, or upper-cased).
func (db *DB) PurchaseOrder(ctx context.Context, po string) (*PurchaseOrder, error) {
	for _, v := range lookupForms(strings.TrimSpace(po)) {
		out := &PurchaseOrder{PONumber: v, Lines: []map[string]string{}, Shipments: []string{}}
		rows, err := db.db.QueryContext(ctx, `SELECT fields FROM facts WHERE kind = 'purchase_order_line' AND key > ?1 || '|' AND key < ?1 || '}' ORDER BY id`, v)
		if err != nil {
			return nil, fmt.Errorf("purchase order %s: %w", v, err)
		}
		for rows.Next() {
			var raw string
			if err := rows.Scan(&raw); err != nil {
				rows.Close()
				return nil, err
			}
			fields, err := db.layouts.decode(raw)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("purchase order %s: %w", v, err)
			}
			out.Lines = append(out.Lines, fields)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("purchase order %s: %w", v, err)
		}
		if err := db.poShipments(ctx, out); err != nil {
			return nil, err
		}
		if len(out.Lines) > 0 || len(out.Shipments) > 0 {
			return out, nil
		}
	}
	return nil, clearway.Errorf(clearway.ENOTFOUND, "no purchase order %q", po)
}

// poShipments fills the refs of the shipments that carry the order.
func (db *DB) poShipments(ctx context.Context, po *PurchaseOrder) error {
	refs, err := queryColumn[string](ctx, db.db, `SELECT s.ref FROM links l JOIN shipments s ON s.id = l.shipment_id
		WHERE l.kind = 'po_number' AND l.scope = '' AND l.value = ? ORDER BY s.id`, po.PONumber)
	if err != nil {
		return fmt.Errorf("shipments of purchase order %s: %w", po.PONumber, err)
	}
	po.Shipments = append(po.Shipments, refs...)
	return nil
}
