package sqlite

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/lifecycle"
	"github.com/clearway/clearway/internal/validate"
)

// origin is where a status message came from.
type origin struct {
	fileID     int64
	file, text string
}

// manualEvent is a state a person recorded (manual_events).
type manualEvent struct {
	at                             time.Time
	state, entry, reason, note, by string
}

// statusMessages turns the shipment's status_event facts and manual events
// into lifecycle messages, and remembers where each one came from.
func (s *snapshot) statusMessages(tz map[string]*time.Location) ([]lifecycle.Message, map[lifecycle.MessageKey]origin, error) {
	var msgs []lifecycle.Message
	origins := map[lifecycle.MessageKey]origin{}
	mode := s.mode()
	for _, f := range s.facts {
		if f.kind != string(clearway.KindStatusEvent) {
			continue
		}
		// Stored at is RFC 3339 (the ingest refuses anything else); a
		// store from before may hold a date, read as the ingest reads it now.
		at, err := readStatusTime(f.fields["at"], tz[f.partner], clearway.Position{})
		if err != nil {
			return nil, nil, fmt.Errorf("status event %d: %w", f.id, err)
		}
		ref := f.fields["entry_number"]
		if ref == "" {
			ref = f.fields["bill_of_lading"]
		}
		m := lifecycle.Message{Source: f.partner, CodeList: f.fields["code_list"], Code: f.fields["code"], At: at, Ref: ref,
			Agency: f.fields["agency"], EntryNumber: f.fields["entry_number"], BillOfLading: f.fields["bill_of_lading"], Mode: mode,
			Text: f.fields["message"], ReleasedQty: f.fields["released_quantity"], Quantity: f.fields["quantity"]}
		if m.ReleasedQty != "" && m.Quantity == "" {
			// X4-02 counts the B/L's packages: what the packing list
			// declared for that B/L (cartons) is what a full release frees.
			m.Quantity = s.cartons(m.BillOfLading)
		}
		if _, dup := origins[m.Key()]; !dup {
			origins[m.Key()] = origin{fileID: f.fileID, file: f.name, text: f.fields["message"]}
		}
		msgs = append(msgs, m)
	}
	for _, e := range s.manual {
		m := lifecycle.Message{Source: "user:" + e.by, CodeList: lifecycle.CodeListManual, Code: e.state, At: e.at,
			Ref: e.entry, EntryNumber: e.entry, Mode: mode, Text: e.note}
		text := e.reason
		if e.note != "" {
			text += ": " + e.note
		}
		origins[m.Key()] = origin{file: "set by hand", text: text}
		msgs = append(msgs, m)
	}
	return msgs, origins, nil
}

// cartons is the number of packages the packing lines declare for a bill
// of lading (lines naming no B/L count for every one), "" when none.
func (s *snapshot) cartons(bl string) string {
	total := new(big.Rat)
	n := 0
	for _, f := range s.facts {
		if f.kind != string(clearway.KindPackingLine) || (f.fields["bill_of_lading"] != "" && f.fields["bill_of_lading"] != bl) {
			continue
		}
		if c, ok := new(big.Rat).SetString(f.fields["cartons"]); ok && c.Sign() > 0 {
			total.Add(total, c)
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return total.RatString()
}

// recordLifecycle writes the timeline rows of the messages and the
// findings and reviews their anomalies raise; a status review whose cause
// went away closes as superseded. It returns the anomaly findings.
func (a *assessment) recordLifecycle(shipment int64, s *snapshot, res lifecycle.Result, origins map[lifecycle.MessageKey]origin) ([]validate.Finding, error) {
	notices, err := a.newStatusNotices(s)
	if err != nil {
		return nil, err
	}
	for _, o := range res.Messages {
		if err := notices.observe(o, origins[o.Message.Key()]); err != nil {
			return nil, err
		}
		if o.Duplicate {
			continue
		}
		if err := a.recordStatus(shipment, o, origins[o.Message.Key()]); err != nil {
			return nil, err
		}
	}
	var findings []validate.Finding
	live := map[string]bool{}
	for _, an := range res.Anomalies {
		if an.Rule != "" {
			findings = append(findings, validate.Finding{Rule: an.Rule, Severity: an.Severity, Field: "status", Message: an.Reason})
		}
		if an.Review == "" {
			continue
		}
		key := messageKey(an.Key)
		subject := "status:" + key
		live[an.Review+"\x00"+subject] = true
		from := origins[an.Key]
		summary := fmt.Sprintf("%s %s", ShipmentRef(shipment), an.Reason)
		detail, _ := json.Marshal(map[string]any{"code": an.Key.Code, "at": an.Key.At, "ref": an.Key.Ref, "source": an.Key.Source,
			"entry_number": an.Entry, "rule": an.Rule, "reason": an.Reason})
		if err := a.openReview(an.Review, shipment, subject, summary, detail, from.fileID); err != nil {
			return nil, err
		}
	}
	return findings, a.supersede(shipment, `subject LIKE 'status:%'`, live,
		"the message no longer raises it (its code is mapped now, or the message that made the order normal arrived)")
}

// recordStatus writes (or rewrites) a status message's timeline row.
func (a *assessment) recordStatus(shipment int64, o lifecycle.MessageOutcome, from origin) error {
	m := o.Message
	event := "UNMAPPED_STATUS"
	if !o.Unmapped {
		names := make([]string, len(o.Events))
		for i, e := range o.Events {
			names[i] = string(e)
		}
		event = strings.Join(names, " ")
	}
	source := m.Source + ": " + from.file
	at := m.At.UTC().Format(time.RFC3339)
	_, err := a.tx.ExecContext(a.ctx, `INSERT INTO timeline (shipment_id, at, event, code, code_list, source, file_id, state, note, message, msg_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (shipment_id, msg_key) DO UPDATE SET event = excluded.event, state = excluded.state, note = excluded.note`,
		shipment, at, event, m.Code, m.CodeList, source, nullID(from.fileID), string(o.State), o.Note, from.text, messageKey(m.Key()))
	if err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	return nil
}

func messageKey(k lifecycle.MessageKey) string {
	return strings.Join([]string{k.Source, k.Code, k.At, k.Ref}, "|")
}

// supersede closes the shipment's open reviews matching where whose
// (kind, subject) is not in live: their cause went away. The audit entry
// says why.
func (a *assessment) supersede(shipment int64, where string, live map[string]bool, why string) error {
	rows, err := a.tx.QueryContext(a.ctx, `SELECT id, kind, subject FROM reviews WHERE shipment_id = ? AND status = 'open' AND `+where, shipment)
	if err != nil {
		return fmt.Errorf("open reviews of %s: %w", ShipmentRef(shipment), err)
	}
	var gone []int64
	for rows.Next() {
		var id int64
		var kind, subject string
		if err := rows.Scan(&id, &kind, &subject); err != nil {
			rows.Close()
			return err
		}
		if !live[kind+"\x00"+subject] {
			gone = append(gone, id)
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("open reviews of %s: %w", ShipmentRef(shipment), err)
	}
	for _, id := range gone {
		if _, err := a.tx.ExecContext(a.ctx, `UPDATE reviews SET status = 'superseded', decision = 'superseded', decided_at = ?, decided_by = 'system', note = ? WHERE id = ?`,
			a.now, why, id); err != nil {
			return fmt.Errorf("supersede review %d: %w", id, err)
		}
		after, _ := json.Marshal(map[string]string{"status": ReviewSuperseded, "why": why})
		if err := a.audit("review", id, "supersede", []byte(`{"status":"open"}`), after); err != nil {
			return err
		}
	}
	return nil
}
