package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/dashboard"
	"github.com/clearway/clearway/internal/lifecycle"
	"github.com/clearway/clearway/internal/validate"
)

// profileRow is a shipment_profiles row: what the dashboards group a
// shipment by, and its milestones.
type profileRow struct {
	p                          dashboard.Profile
	rules, missing             string
	readyAt, filedAt, released string
	holdsDigest                string
}

// newProfile derives the row an assessment stores; stored is the row as it
// was (readiness keeps its first time).
func (a *assessment) newProfile(s *snapshot, res lifecycle.Result, everReady bool, findings []validate.Finding, stored profileRow) (profileRow, error) {
	var invoice, po []map[string]string
	for _, f := range s.facts {
		switch clearway.Kind(f.kind) {
		case clearway.KindInvoiceLine:
			invoice = append(invoice, f.fields)
		case clearway.KindPurchaseOrderLine:
			po = append(po, f.fields)
		}
	}
	r := profileRow{p: dashboard.Describe(s.mode(), s.fields, invoice, po), readyAt: stored.readyAt,
		filedAt: eventTime(res.Milestones.Filed), released: eventTime(res.Milestones.Released)}
	var rules, missing []string
	for _, f := range findings {
		if (f.Severity == validate.SeverityError || f.Severity == validate.SeverityWarning) && !slices.Contains(rules, f.Rule) {
			rules = append(rules, f.Rule)
		}
		if f.Document != "" && !slices.Contains(missing, f.Document) {
			missing = append(missing, f.Document)
		}
	}
	r.rules, r.missing = strings.Join(rules, " "), strings.Join(missing, " ")
	if everReady && r.readyAt == "" {
		at, err := a.firstReady(s.id)
		if err != nil {
			return r, err
		}
		r.readyAt = at
	}
	periods, _ := json.Marshal(res.Milestones.Periods)
	sum := sha256.Sum256(periods)
	r.holdsDigest = hex.EncodeToString(sum[:8])
	return r, nil
}

// firstReady is when the shipment first became FILE_READY: its first
// readiness row on the timeline, else now.
func (a *assessment) firstReady(id int64) (string, error) {
	var at sql.NullString
	if err := a.tx.QueryRowContext(a.ctx, `SELECT MIN(at) FROM timeline WHERE shipment_id = ? AND code = 'FILE_READY' AND code_list = 'clearway'`, id).Scan(&at); err != nil {
		return "", fmt.Errorf("first FILE_READY: %w", err)
	}
	if t, err := time.Parse(time.RFC3339, at.String); at.Valid && err == nil {
		return formatTime(t), nil
	}
	return a.now, nil
}

func eventTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}

// loadProfile reads the stored row of a shipment (empty when none yet).
func (a *assessment) loadProfile(id int64) (profileRow, error) {
	var r profileRow
	err := a.tx.QueryRowContext(a.ctx, `SELECT mode, origin, port_of_lading, port_of_entry, destination, hs_chapter, hs_heading, value, currency,
		rules, missing, ready_at, filed_at, released_at, holds_digest FROM shipment_profiles WHERE shipment_id = ?`, id).Scan(
		&r.p.Mode, &r.p.Origin, &r.p.PortOfLading, &r.p.PortOfEntry, &r.p.Destination, &r.p.HSChapter, &r.p.HSHeading, &r.p.Value, &r.p.Currency,
		&r.rules, &r.missing, &r.readyAt, &r.filedAt, &r.released, &r.holdsDigest)
	if errors.Is(err, sql.ErrNoRows) {
		return profileRow{}, nil
	}
	return r, err
}

// saveProfile stores the shipment's profile and hold periods when they
// changed, in the assessment's transaction.
func (a *assessment) saveProfile(s *snapshot, res lifecycle.Result, everReady bool, findings []validate.Finding) error {
	stored, err := a.loadProfile(s.id)
	if err != nil {
		return fmt.Errorf("load profile of %s: %w", ShipmentRef(s.id), err)
	}
	r, err := a.newProfile(s, res, everReady, findings, stored)
	if err != nil || r == stored {
		return err
	}
	_, err = a.tx.ExecContext(a.ctx, `INSERT INTO shipment_profiles (shipment_id, mode, origin, port_of_lading, port_of_entry, destination,
		hs_chapter, hs_heading, value, currency, rules, missing, ready_at, filed_at, released_at, holds_digest)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (shipment_id) DO UPDATE SET mode = excluded.mode, origin = excluded.origin, port_of_lading = excluded.port_of_lading,
		port_of_entry = excluded.port_of_entry, destination = excluded.destination, hs_chapter = excluded.hs_chapter, hs_heading = excluded.hs_heading,
		value = excluded.value, currency = excluded.currency, rules = excluded.rules, missing = excluded.missing, ready_at = excluded.ready_at,
		filed_at = excluded.filed_at, released_at = excluded.released_at, holds_digest = excluded.holds_digest`,
		s.id, r.p.Mode, r.p.Origin, r.p.PortOfLading, r.p.PortOfEntry, r.p.Destination, r.p.HSChapter, r.p.HSHeading, r.p.Value, r.p.Currency,
		r.rules, r.missing, r.readyAt, r.filedAt, r.released, r.holdsDigest)
	if err != nil {
		return fmt.Errorf("save profile of %s: %w", ShipmentRef(s.id), err)
	}
	if r.holdsDigest == stored.holdsDigest {
		return nil
	}
	return a.saveHoldPeriods(s.id, res.Milestones.Periods)
}

// saveHoldPeriods replaces the shipment's hold and exam periods.
func (a *assessment) saveHoldPeriods(id int64, periods []lifecycle.Period) error {
	if _, err := a.tx.ExecContext(a.ctx, `DELETE FROM hold_periods WHERE shipment_id = ?`, id); err != nil {
		return fmt.Errorf("hold periods of %s: %w", ShipmentRef(id), err)
	}
	for _, p := range periods {
		if _, err := a.tx.ExecContext(a.ctx, `INSERT INTO hold_periods (shipment_id, entry, kind, agency, code, since, until) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, p.Entry, p.Kind, p.Agency, p.Code, eventTime(p.Since), eventTime(p.Until)); err != nil {
			return fmt.Errorf("hold periods of %s: %w", ShipmentRef(id), err)
		}
	}
	return nil
}

// recordSpan closes the shipment's current state span and opens one for
// state, at the assessment's time.
func (a *assessment) recordSpan(id int64, state string) error {
	if _, err := a.tx.ExecContext(a.ctx, `UPDATE state_spans SET until = ? WHERE shipment_id = ? AND until = ''`, a.now, id); err != nil {
		return fmt.Errorf("state history of %s: %w", ShipmentRef(id), err)
	}
	_, err := a.tx.ExecContext(a.ctx, `INSERT INTO state_spans (shipment_id, state, since) VALUES (?, ?, ?)`, id, state, a.now)
	return err
}

// derivedTables hold rows derived from one shipment, removed with it.
var derivedTables = []string{"shipment_profiles", "state_spans", "hold_periods"}

// dropDerived removes the derived rows of shipment id.
func dropDerived(ctx context.Context, tx q, id int64) error {
	for _, t := range derivedTables {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE shipment_id = ?`, id); err != nil {
			return fmt.Errorf("remove %s of %s: %w", t, ShipmentRef(id), err)
		}
	}
	return nil
}

// invoiceValue is Σ the shipment's invoice line values, as invoiced.
func (s *snapshot) invoiceValue() float64 {
	var invoice []map[string]string
	for _, f := range s.facts {
		if clearway.Kind(f.kind) == clearway.KindInvoiceLine {
			invoice = append(invoice, f.fields)
		}
	}
	return dashboard.Describe("", nil, invoice, nil).Value
}
