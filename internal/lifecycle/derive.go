package lifecycle

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Derive computes every entry's state from all the messages known about one
// shipment (DOMAIN.md §4.7): the state is a function of the facts, never a
// walk that refuses a message. Messages may come in any order: Derive sorts
// them by event time At (ties by Key, then by every other field, so the
// same set always gives the same Result), and counts a message whose Key
// was seen before once.
//
// Messages attach to entries as follows. A message with an EntryNumber
// attaches to that entry. While no mapped message names an entry number,
// everything attaches to the single pending entry "". Otherwise a message
// without one attaches to the first entry (in order of first evidence) one
// of whose messages names the same BillOfLading, else to the first entry:
// the pending entry thus becomes the first numbered entry. The entries are
// planned from all the messages first, so a message's entry does not depend
// on what came before it. Unmapped messages do not create entries.
func (t *Tables) Derive(r Readiness, msgs []Message) Result {
	items := t.prepare(msgs)
	d := &derivation{readiness: r, ready: readyState(r), plan: planEntries(items), entries: map[string]*facts{}}
	res := Result{Messages: make([]MessageOutcome, 0, len(items))}
	for _, it := range items {
		res.Messages = append(res.Messages, d.step(it))
	}
	res.Anomalies = d.anomalies
	res.Milestones = d.log.m
	res.Entries = d.statuses()
	least, _ := leastAdvanced(res.Entries)
	res.State = least.State
	return res
}

// readyState is the state an entry without filing evidence shows.
func readyState(r Readiness) State {
	if r.State == "" {
		return Planned
	}
	return r.State
}

// item is one message, sorted, with what the tables say it means.
type item struct {
	m   Message
	key MessageKey
	dup bool     // its Key was seen earlier
	res resolved // its meaning, when ok
	ok  bool     // a table maps it
}

// prepare sorts msgs by event time, flags duplicates and resolves the rest.
func (t *Tables) prepare(msgs []Message) []item {
	sorted := slices.Clone(msgs)
	slices.SortFunc(sorted, compareMessages)
	seen := make(map[MessageKey]bool, len(sorted))
	items := make([]item, len(sorted))
	for i, m := range sorted {
		it := item{m: m, key: m.Key()}
		it.dup = seen[it.key]
		seen[it.key] = true
		if !it.dup {
			it.res, it.ok = t.resolve(m)
		}
		items[i] = it
	}
	return items
}

// compareMessages orders messages by At, then Key, then every other field,
// so that which of two same-Key messages counts does not depend on arrival.
func compareMessages(a, b Message) int {
	ka, kb := a.Key(), b.Key()
	return cmp.Or(
		a.At.Compare(b.At),
		cmp.Compare(ka.Source, kb.Source), cmp.Compare(ka.Code, kb.Code), cmp.Compare(ka.Ref, kb.Ref),
		cmp.Compare(a.CodeList, b.CodeList), cmp.Compare(a.Code, b.Code),
		cmp.Compare(a.EntryNumber, b.EntryNumber), cmp.Compare(a.BillOfLading, b.BillOfLading),
		cmp.Compare(a.Mode, b.Mode), cmp.Compare(a.Agency, b.Agency), cmp.Compare(a.Text, b.Text),
		cmp.Compare(a.ReleasedQty, b.ReleasedQty), cmp.Compare(a.Quantity, b.Quantity),
		cmp.Compare(a.At.Location().String(), b.At.Location().String()),
	)
}

// entryPlan is the shipment's entries, planned from all mapped messages.
type entryPlan struct {
	order []string            // entry numbers in order of first evidence
	bls   map[string][]string // entry number → the B/Ls its messages name
}

// planEntries lists the entries the mapped, non-duplicate messages name.
func planEntries(items []item) entryPlan {
	p := entryPlan{bls: map[string][]string{}}
	for _, it := range items {
		n := strings.TrimSpace(it.m.EntryNumber)
		if it.dup || !it.ok || n == "" {
			continue
		}
		if !slices.Contains(p.order, n) {
			p.order = append(p.order, n)
		}
		if bl := strings.TrimSpace(it.m.BillOfLading); bl != "" && !slices.Contains(p.bls[n], bl) {
			p.bls[n] = append(p.bls[n], bl)
		}
	}
	return p
}

// attach returns the entry m belongs to (see Derive).
func (p entryPlan) attach(m Message) string {
	if n := strings.TrimSpace(m.EntryNumber); slices.Contains(p.order, n) {
		return n
	}
	if len(p.order) == 0 {
		return ""
	}
	if bl := strings.TrimSpace(m.BillOfLading); bl != "" {
		for _, n := range p.order {
			if slices.Contains(p.bls[n], bl) {
				return n
			}
		}
	}
	return p.order[0]
}

// derivation is the state of one Derive run.
type derivation struct {
	readiness Readiness
	ready     State
	plan      entryPlan
	entries   map[string]*facts
	anomalies []Anomaly
	log       milestoneLog
}

// entry returns the facts of entry n, empty at first.
func (d *derivation) entry(n string) *facts {
	f, ok := d.entries[n]
	if !ok {
		f = &facts{}
		d.entries[n] = f
	}
	return f
}

// statuses returns the status of every planned entry, or of the pending one.
func (d *derivation) statuses() []EntryStatus {
	order := d.plan.order
	if len(order) == 0 {
		order = []string{""}
	}
	out := make([]EntryStatus, len(order))
	for i, n := range order {
		out[i] = d.entry(n).status(n, d.ready)
	}
	return out
}

// step applies one message to its entry and returns its outcome.
func (d *derivation) step(it item) MessageOutcome {
	n := d.plan.attach(it.m)
	f := d.entry(n)
	out := MessageOutcome{Message: it.m, Entry: n}
	switch {
	case it.dup:
		out.Duplicate = true
		out.Note = "duplicate of an earlier message (same source, code, time and ref): counted once"
	case !it.ok:
		out.Unmapped = true
		out.Note = d.raise(it, n, Anomaly{Review: ReviewUnmappedStatus,
			Reason: fmt.Sprintf("no mapping for %s: state unchanged", describe(it.m))})
	default:
		out.Events = slices.Clone(it.res.events)
		was := snapshotFacts(f)
		out.Note = d.apply(f, it, n)
		d.log.observe(n, it.m.At, was, f)
	}
	out.State = f.state(d.ready)
	return out
}

// before is what Derive remembers of an entry before a message.
type before struct {
	state           State
	released, filed bool
}

// apply adds a mapped message's facts to f and returns its timeline note.
func (d *derivation) apply(f *facts, it item, n string) string {
	b := before{state: f.state(d.ready), released: f.released(), filed: f.filed}
	if strings.TrimSpace(it.m.EntryNumber) != "" {
		f.numbered = true
	}
	if it.res.manual != "" {
		f.force(it.res.manual)
	}
	ev := evidence{agency: it.res.agency, code: normCode(it.m.Code), ref: it.m.Ref,
		lifts: it.res.lifts, qty: it.m.ReleasedQty, of: it.m.Quantity}
	var fx effect
	for _, e := range it.res.events {
		x := f.apply(e, ev)
		fx = effect{holdAdded: fx.holdAdded || x.holdAdded, revoked: fx.revoked || x.revoked,
			liftMissed: fx.liftMissed || x.liftMissed, heldRelease: fx.heldRelease || x.heldRelease}
	}
	var notes []string
	if it.res.note != "" {
		notes = append(notes, it.res.note)
	}
	notes = append(notes, d.check(f, it, n, b, fx)...)
	switch {
	case fx.heldRelease:
		notes = append(notes, "release authorised; the cargo is held intact while holds or exams remain")
	case fx.liftMissed:
		notes = append(notes, "no matching active hold to remove")
	case !slices.ContainsFunc(it.res.events, func(e Event) bool { return !e.Annotation() }):
		notes = append(notes, "informational: no state change")
	}
	return strings.Join(notes, "; ")
}

// check raises the anomalies one applied message gives rise to and returns
// their reasons for the timeline. Manual events raise only FILED_BEFORE_READY.
func (d *derivation) check(f *facts, it item, n string, b before, fx effect) []string {
	var notes []string
	raise := func(a Anomaly) { notes = append(notes, d.raise(it, n, a)) }
	what, evs, manual := describe(it.m), it.res.events, it.res.manual != ""
	if !manual && b.state == Cancelled && !slices.Contains(evs, EventCancelled) && !slices.Contains(evs, CancelReversed) {
		raise(Anomaly{Reason: fmt.Sprintf("%s concerns a cancelled entry", what)})
	}
	if !manual && fx.holdAdded && b.released && !fx.revoked {
		raise(Anomaly{Rule: RuleHoldAfterRelease, Severity: SeverityWarning, Review: ReviewFinding,
			Reason: fmt.Sprintf("hold %s arrived after the entry was released, without a revocation", what)})
	}
	if fx.revoked {
		raise(Anomaly{Review: ReviewReleaseRevoked, Reason: fmt.Sprintf("%s revokes the release", what)})
	}
	if !manual && slices.Contains(evs, SummaryAccepted) && !b.released {
		raise(Anomaly{Reason: fmt.Sprintf("entry summary accepted (%s) before the entry was released", what)})
	}
	if !b.filed && f.filed && !f.flaggedFiling && !d.readiness.EverReady && d.ready != FileReady {
		f.flaggedFiling = true
		raise(Anomaly{Rule: RuleFiledBeforeReady, Severity: SeverityWarning,
			Reason: fmt.Sprintf("%s shows the entry filed, but its packet was never FILE_READY (it is %s)", what, d.ready)})
	}
	if slices.Contains(evs, GOWarning) {
		raise(Anomaly{Review: ReviewGOWarning, Reason: fmt.Sprintf("%s: pending General Order", what)})
	}
	if slices.Contains(evs, Discrepancy) {
		raise(Anomaly{Review: ReviewDiscrepancy, Reason: fmt.Sprintf("%s reports a discrepancy", what)})
	}
	return notes
}

// raise records anomaly a for item it on entry n and returns its reason.
func (d *derivation) raise(it item, n string, a Anomaly) string {
	a.Key, a.Entry = it.key, n
	d.anomalies = append(d.anomalies, a)
	return a.Reason
}

// describe names a message in plain English: code, list, source and time.
func describe(m Message) string {
	s := fmt.Sprintf("code %q of list %q", m.Code, m.CodeList)
	if m.Source != "" {
		s += fmt.Sprintf(" from %s", m.Source)
	}
	return s + " at " + m.At.UTC().Format(time.RFC3339)
}
