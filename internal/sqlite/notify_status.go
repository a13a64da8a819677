package sqlite

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/clearway/clearway/internal/lifecycle"
	"github.com/clearway/clearway/internal/notify"
	"github.com/clearway/clearway/internal/validate"
)

// statusNotices raises the events of the status messages new to the
// shipment's timeline: status for each, and hold_added, exam_ordered,
// rejected and released for what it did. Messages already on the timeline
// raised theirs when they came. It runs before their rows are written.
type statusNotices struct {
	a        *assessment
	shipment int64
	mode     string
	value    *float64                   // the invoice value: the amount rules compare (value at risk)
	known    map[string]bool            // msg_key of the timeline rows already there
	prev     map[string]lifecycle.State // each entry's state before the message
}

func (a *assessment) newStatusNotices(s *snapshot) (*statusNotices, error) {
	shipment := s.id
	if a.db.Planner == nil || len(a.db.Planner.Rules) == 0 {
		return nil, nil
	}
	keys, err := queryColumn[string](a.ctx, a.tx, `SELECT msg_key FROM timeline WHERE shipment_id = ? AND msg_key IS NOT NULL`, shipment)
	if err != nil {
		return nil, fmt.Errorf("timeline of %s: %w", ShipmentRef(shipment), err)
	}
	n := &statusNotices{a: a, shipment: shipment, mode: s.mode(), known: map[string]bool{}, prev: map[string]lifecycle.State{}}
	if v := s.invoiceValue(); v > 0 {
		n.value = &v
	}
	for _, k := range keys {
		n.known[k] = true
	}
	return n, nil
}

// observe raises the events of outcome o (in event-time order).
func (n *statusNotices) observe(o lifecycle.MessageOutcome, from origin) error {
	if n == nil {
		return nil
	}
	before := n.prev[o.Entry]
	n.prev[o.Entry] = o.State
	key := messageKey(o.Message.Key())
	if o.Duplicate || n.known[key] {
		return nil
	}
	m := o.Message
	entry := printedEntry(cmp.Or(strings.TrimSpace(m.EntryNumber), o.Entry))
	ref := ShipmentRef(n.shipment)
	about := ref
	if entry != "" {
		about += " (entry " + entry + ")"
	}
	base := notify.Event{At: m.At, Shipment: ref, Sender: m.Source, Mode: n.mode, CodeList: m.CodeList, Code: m.Code, EntryNumber: entry, Amount: n.value}
	what := "in no code table: waits for review"
	if !o.Unmapped {
		what = fmt.Sprintf("%s; the entry is now %s", eventNames(o.Events), o.State)
	}
	ev := base
	ev.Key, ev.Type = fmt.Sprintf("status:%d:%s", n.shipment, key), notify.EventStatus
	ev.Summary = fmt.Sprintf("%s: %s from %s (%s): %s", about, m.Code, m.Source, m.CodeList, what)
	if t := strings.TrimSpace(from.text); t != "" {
		ev.Detail = []string{"Message: " + firstLine(t, 300)}
	}
	if o.Note != "" {
		ev.Detail = append(ev.Detail, "Note: "+o.Note)
	}
	events := []notify.Event{ev}
	for _, d := range derived(o, before) {
		x := base
		x.Key, x.Type = fmt.Sprintf("%s:%d:%s", d.kind, n.shipment, key), d.kind
		x.Summary = fmt.Sprintf("%s: %s (%s %s from %s)", about, d.text, m.CodeList, m.Code, m.Source)
		x.Detail = ev.Detail
		events = append(events, x)
	}
	for _, e := range events {
		if err := n.a.db.raise(n.a.ctx, n.a.tx, n.a.now, e, n.shipment); err != nil {
			return err
		}
	}
	return nil
}

type derivedEvent struct{ kind, text string }

// derived lists the events beyond status that outcome o raises: before is
// its entry's state before it.
func derived(o lifecycle.MessageOutcome, before lifecycle.State) []derivedEvent {
	var out []derivedEvent
	has := func(evs ...lifecycle.Event) bool {
		return slices.ContainsFunc(o.Events, func(e lifecycle.Event) bool { return slices.Contains(evs, e) })
	}
	if has(lifecycle.HoldAdded, lifecycle.DocsRequested, lifecycle.Detained, lifecycle.RedeliveryDemand) {
		out = append(out, derivedEvent{notify.EventHoldAdded, "hold placed"})
	}
	if has(lifecycle.ExamOrdered) {
		out = append(out, derivedEvent{notify.EventExamOrdered, "exam ordered"})
	}
	if has(lifecycle.EventRejected, lifecycle.PGARejected) {
		out = append(out, derivedEvent{notify.EventRejected, "entry rejected"})
	}
	if o.State == lifecycle.Released && before != lifecycle.Released {
		out = append(out, derivedEvent{notify.EventReleased, "released"})
	}
	return out
}

func eventNames(evs []lifecycle.Event) string {
	names := make([]string, len(evs))
	for i, e := range evs {
		names[i] = string(e)
	}
	return strings.Join(names, " ")
}

// raiseFindings raises finding for each rule the shipment's findings name
// now that they did not before this assessment.
func (a *assessment) raiseFindings(s *snapshot, findings []validate.Finding) error {
	if a.db.Planner == nil || len(a.db.Planner.Rules) == 0 {
		return nil
	}
	var old []validate.Finding
	_ = json.Unmarshal([]byte(s.findings), &old) // a shipment never assessed has none
	had := map[string]bool{}
	for _, f := range old {
		had[f.Rule] = true
	}
	ref := ShipmentRef(s.id)
	at, _ := parseTime(a.now)
	sender, err := filePartner(a.ctx, a.tx, a.fileID)
	if err != nil {
		return err
	}
	for _, f := range findings {
		if had[f.Rule] {
			continue
		}
		had[f.Rule] = true
		ev := notify.Event{Key: fmt.Sprintf("finding:%d:%s:%s", s.id, f.Rule, a.now), Type: notify.EventFinding, At: at, Shipment: ref,
			Mode: s.mode(), Rule: f.Rule, Sender: sender, Summary: fmt.Sprintf("%s: %s (%s) %s", ref, f.Rule, f.Severity, firstLine(f.Message, 200))}
		if err := a.db.raise(a.ctx, a.tx, a.now, ev, s.id); err != nil {
			return err
		}
	}
	return nil
}

// printedEntry writes an 11-character entry number as people print it
// (filer code, number, check digit: 597-2603117-8), anything else as is.
func printedEntry(n string) string {
	bare := strings.NewReplacer("-", "", " ", "").Replace(n)
	if len(bare) != 11 {
		return n
	}
	return bare[:3] + "-" + bare[3:10] + "-" + bare[10:]
}
