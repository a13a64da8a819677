package sqlite

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/replay"
	"github.com/clearway/clearway/internal/sensitive"
)

// Review kinds of changes that wait for a person (PRODUCT.md §8); package
// sensitive decides which changes they are.
const (
	ReviewClassificationChange = sensitive.ClassificationChange
	ReviewValuationChange      = sensitive.ValuationChange
	ReviewPreferenceClaim      = sensitive.PreferenceClaim
	ReviewIdentifierConflict   = "identifier_conflict"
)

// heldChange is a review's pending change to one stored line.
type heldChange struct {
	FactID  int64                       `json:"fact_id"`
	Kind    string                      `json:"kind"`
	Key     string                      `json:"key"`
	Changes map[string]sensitive.Change `json:"changes"`
}

// holdSensitive splits an update of an accepted line (package sensitive):
// the sensitive changes keep their stored value and wait in a review; the
// rest apply. It returns the fields to store and whether anything was held.
func (in *Ingest) holdSensitive(factID int64, f pendingFact, before string) (string, bool, error) {
	if f.kind != sensitive.InvoiceLine && f.kind != sensitive.Valuation {
		return f.fields, false, nil
	}
	rules, err := in.db.rules()
	if err != nil {
		return "", false, err
	}
	old, err := in.db.layouts.decode(before)
	if err != nil {
		return "", false, fmt.Errorf("fact %d: %w", factID, err)
	}
	next, err := in.db.layouts.decode(f.fields)
	if err != nil {
		return "", false, err
	}
	keep, held := sensitive.Split(f.kind, old, next, rules.ChangeTolerancePct)
	if len(held) == 0 {
		return f.fields, false, nil
	}
	for _, kind := range slices.Sorted(maps.Keys(held)) {
		if err := in.holdChange(kind, f.shipment, heldChange{FactID: factID, Kind: f.kind, Key: f.key, Changes: held[kind]}); err != nil {
			return "", false, err
		}
	}
	fields, err := in.db.layouts.encode(f.kind, keep)
	return fields, true, err
}

// holdNewClaim takes the preference claim off a line just inserted and
// holds it for review: a new claim waits for a person like a changed one.
func (in *Ingest) holdNewClaim(f pendingFact) error {
	var id int64
	var raw string
	if err := in.tx.QueryRowContext(in.ctx, `SELECT id, fields FROM facts WHERE kind = ? AND key = ?`, f.kind, f.key).Scan(&id, &raw); err != nil {
		return fmt.Errorf("read %s %s: %w", f.kind, f.key, err)
	}
	fields, err := in.db.layouts.decode(raw)
	if err != nil {
		return fmt.Errorf("fact %d: %w", id, err)
	}
	delete(fields, "preference_program")
	stored, err := in.db.layouts.encode(f.kind, fields)
	if err != nil {
		return err
	}
	if _, err := in.exec(`UPDATE facts SET fields = ? WHERE id = ?`, stored, id); err != nil {
		return fmt.Errorf("hold claim on %s %s: %w", f.kind, f.key, err)
	}
	held := sensitive.NewClaim(f.claim)
	return in.holdChange(ReviewPreferenceClaim, f.shipment, heldChange{FactID: id, Kind: f.kind, Key: f.key,
		Changes: held[ReviewPreferenceClaim]})
}

// holdChange opens the review holding a change, unless the same change to
// the same line is already waiting or was decided.
func (in *Ingest) holdChange(kind string, shipment int64, h heldChange) error {
	fieldNames := slices.Sorted(maps.Keys(h.Changes))
	proposed := make([]string, len(fieldNames))
	for i, k := range fieldNames {
		proposed[i] = k + "=" + h.Changes[k].To
	}
	subject := fmt.Sprintf("fact:%d:%s", h.FactID, strings.Join(proposed, ","))
	var n int
	if err := in.tx.QueryRowContext(in.ctx, `SELECT COUNT(*) FROM reviews WHERE shipment_id = ? AND kind = ? AND subject = ?`, shipment, kind, subject).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	var parts []string
	for _, k := range fieldNames {
		c := h.Changes[k]
		from := c.From
		if from == "" {
			from = "(none)"
		}
		parts = append(parts, fmt.Sprintf("%s %s → %s", k, from, c.To))
	}
	summary := fmt.Sprintf("%s %s: %s (from %s)", ShipmentRef(shipment), lineLabel(h.Kind, h.Key), strings.Join(parts, ", "), in.file.Name)
	detail, _ := json.Marshal(h)
	return in.openFileReview(kind, shipment, subject, summary, detail)
}

// notePackingLine remembers a packing line this file sent, by its document.
func (in *Ingest) notePackingLine(doc, key string) {
	if in.packingSets == nil {
		in.packingSets = map[string]map[string]bool{}
	}
	if in.packingSets[doc] == nil {
		in.packingSets[doc] = map[string]bool{}
	}
	in.packingSets[doc][key] = true
}

// replacePackingLists makes a packing list sent again the whole truth for
// its document: lines of earlier versions it no longer has (a container
// corrected, an item dropped) are removed, audited with what they were.
func (in *Ingest) replacePackingLists() error {
	for doc, keys := range in.packingSets {
		// Keys are "doc|sku|container" (doc itself may hold a "|"
		// between supplier and invoice): the range is every line of doc.
		rows, err := in.tx.QueryContext(in.ctx, `SELECT id, key, fields, shipment_id FROM facts WHERE kind = ? AND key > ? AND key < ?`,
			string(clearway.KindPackingLine), doc+"|", doc+"}")
		if err != nil {
			return fmt.Errorf("read packing list %s: %w", doc, err)
		}
		type gone struct {
			id, shipment int64
			key, fields  string
		}
		var stale []gone
		for rows.Next() {
			var g gone
			var key string
			if err := rows.Scan(&g.id, &key, &g.fields, &g.shipment); err != nil {
				rows.Close()
				return err
			}
			if !keys[key] {
				g.key = key
				stale = append(stale, g)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("read packing list %s: %w", doc, err)
		}
		for _, g := range stale {
			if _, err := in.exec(`DELETE FROM facts WHERE id = ?`, g.id); err != nil {
				return fmt.Errorf("replace packing list %s: %w", doc, err)
			}
			in.Stats.Updated[string(clearway.KindPackingLine)]++
			in.touch(g.shipment)
			before, err := in.db.layouts.objectJSON(g.fields)
			if err != nil {
				return fmt.Errorf("fact %d: %w", g.id, err)
			}
			if err := in.audit("fact", g.id, "delete", before, nil); err != nil {
				return err
			}
			if err := in.reportLine(replay.Removed, string(clearway.KindPackingLine), g.key, g.shipment, g.fields, "", false); err != nil {
				return err
			}
		}
	}
	return nil
}

// assessTouched re-runs the rules on every shipment the file changed.
func (in *Ingest) assessTouched() error {
	if len(in.touched) == 0 {
		return nil
	}
	// The partner that sent the file is party to every shipment it
	// contributed to (PRODUCT.md §11.1).
	for id := range in.touched {
		if _, err := in.exec(`INSERT OR IGNORE INTO parties (shipment_id, partner, why, updated_at, since) SELECT id, ?, 'file', updated_at, ? FROM shipments WHERE id = ?`, in.file.Partner, in.now, id); err != nil {
			return fmt.Errorf("parties of %s: %w", ShipmentRef(id), err)
		}
	}
	a, err := in.db.newAssessment(in.ctx, in.tx, in.now, "system", in.file.ID)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(in.touched))
	for id := range in.touched {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return a.assess(ids)
}

// lineLabel names a stored line as people say it: "invoice INV-1 line 2"
// for the key acme|INV-1|2, "the valuation" for a shipment's valuation.
func lineLabel(kind, key string) string {
	parts := strings.Split(key, "|")
	switch {
	case kind == string(clearway.KindInvoiceLine) && len(parts) == 3:
		return fmt.Sprintf("invoice %s line %s", parts[1], parts[2])
	case kind == string(clearway.KindValuation):
		return "the valuation"
	}
	return kind + " " + key
}
