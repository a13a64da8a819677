package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/dashboard"
)

// DashboardInput loads the rows dashboard q reads (dashboard.NeedsOf),
// limited to the shipments the view's scope sees and q's partner and mode.
// roles gives each partner's role; policy the governance settings.
func (v *View) DashboardInput(ctx context.Context, q dashboard.Query, roles map[string]string, policy dashboard.Policy) (*dashboard.Input, error) {
	if !v.scope.All() {
		q.Partner = v.scope.Partner
	}
	l := &dashLoader{ctx: ctx, store: v.db, db: v.db.db, q: q, from: formatTime(q.From), to: formatTime(q.To), own: !v.scope.All() || q.Name == "governance" && q.Partner != ""}
	in := &dashboard.Input{Now: v.db.Now().UTC(), Roles: roles, Policy: policy}
	if !q.AsOf.IsZero() {
		in.Now = q.AsOf.UTC()
	}
	l.cohort = l.shipmentSet()
	needs := dashboard.NeedsOf(q.Name)
	load := l.shipments
	if needs.Lean {
		load = l.leanShipments
	}
	// The state history is read by time, not by shipment: on its own
	// connection while the shipments are read, and kept for them after.
	var spans []dashboard.Span
	spansDone := make(chan error, 1)
	if needs.Spans {
		go func() {
			var err error
			spans, err = l.spans()
			spansDone <- err
		}()
	} else {
		spansDone <- nil
	}
	err := load(in)
	if serr := <-spansDone; err == nil {
		err = serr
	}
	if err != nil {
		return nil, fmt.Errorf("dashboard %s: %w", q.Name, err)
	}
	in.Spans = spans
	if l.filtered() {
		in.Spans = keepSpans(spans, in.Shipments)
	}
	// The other rows are those of the shipments just read: their ids, not
	// the cohort's conditions again.
	ids := make([]int64, len(in.Shipments))
	for i, s := range in.Shipments {
		ids[i] = s.ID
	}
	list, _ := json.Marshal(ids)
	l.cohort, l.args = l.store.jsonInts("?"), []any{string(list)}
	steps := []struct {
		need bool
		load func(*dashboard.Input) error
	}{
		{needs.Parties, l.parties},
		{needs.Holds, l.holds},
		{needs.Reviews, l.reviews},
		{needs.Questions, l.questions},
		{needs.Files, func(in *dashboard.Input) (err error) { in.Files, err = l.files(q.From, q.To); return }},
		{needs.Window, func(in *dashboard.Input) (err error) {
			in.Window, err = l.files(q.To.Add(-policy.Window), q.To)
			return
		}},
	}
	for _, s := range steps {
		if !s.need {
			continue
		}
		if err := s.load(in); err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", q.Name, err)
		}
	}
	return in, nil
}

// dashLoader reads one dashboard's rows.
type dashLoader struct {
	ctx      context.Context
	store    *DB
	db       *sql.DB
	q        dashboard.Query
	from, to string
	own      bool   // only the partner asked for: its files, its error-rate review
	cohort   string // SELECT of the ids of the shipments the dashboard reads
	args     []any  // cohort's arguments
}

// shipmentSet returns the SELECT of the shipment ids the dashboard reads:
// those of the partner and mode asked for that matter to it.
func (l *dashLoader) shipmentSet() string {
	where := []string{"1 = 1"}
	if l.q.Partner != "" {
		where, l.args = append(where, `s.id IN (SELECT shipment_id FROM parties WHERE partner = ?)`), append(l.args, l.q.Partner)
	}
	if l.q.Mode != "" {
		where, l.args = append(where, `p.mode = ?`), append(l.args, strings.ToLower(l.q.Mode))
	}
	switch l.q.Name {
	case "portfolio":
		// In progress now, or closed since the range began (its closing
		// span starts at state_since): in progress at some point of it.
		if !l.filtered() {
			// Every span counts: only the entries in progress now are read.
			where = append(where, `s.state NOT IN ('CLOSED', 'CANCELLED')`)
			break
		}
		where, l.args = append(where, `s.id IN (SELECT id FROM shipments WHERE state NOT IN ('CLOSED', 'CANCELLED') OR state_since >= ?)`), append(l.args, l.from)
	case "readiness-by-supplier":
		where, l.args = append(where, `s.id IN (SELECT shipment_id FROM parties WHERE since >= ? AND since < ?)`), append(l.args, l.from, l.to)
	case "broker-response":
		where, l.args = append(where, `((p.ready_at >= ? AND p.ready_at < ?) OR (p.filed_at >= ? AND p.filed_at < ?)
			OR s.id IN (SELECT shipment_id FROM questions WHERE created_at >= ? AND created_at < ?))`), append(l.args, l.from, l.to, l.from, l.to, l.from, l.to)
	case "exceptions-by-lane":
		where, l.args = append(where, `s.created_at >= ? AND s.created_at < ?`), append(l.args, l.from, l.to)
	case "holds-by-route":
		where, l.args = append(where, `s.id IN (SELECT shipment_id FROM hold_periods WHERE since >= ? AND since < ?)`), append(l.args, l.from, l.to)
	case "governance":
		where, l.args = append(where, `((s.created_at >= ? AND s.created_at < ?) OR s.id IN (SELECT shipment_id FROM hold_periods WHERE until = '')
			OR s.id IN (SELECT shipment_id FROM reviews WHERE status = 'open' OR decided_at >= ?))`), append(l.args, l.from, l.to, l.from)
	}
	return `SELECT s.id FROM shipments s LEFT JOIN shipment_profiles p ON p.shipment_id = s.id WHERE ` + strings.Join(where, " AND ")
}

// filtered reports whether the dashboard reads some shipments only (a
// partner's, or a mode's).
func (l *dashLoader) filtered() bool { return l.q.Partner != "" || l.q.Mode != "" }

// query runs sqlText with args, then the cohort's arguments.
func (l *dashLoader) query(sqlText string, args ...any) (*sql.Rows, error) {
	return l.db.QueryContext(l.ctx, sqlText, append(args, l.args...)...)
}

func (l *dashLoader) shipments(in *dashboard.Input) error {
	rows, err := l.query(`SELECT s.id, s.ref, s.state, s.state_since, s.created_at, COALESCE(p.mode, ''), COALESCE(p.origin, ''),
		COALESCE(p.port_of_lading, ''), COALESCE(p.port_of_entry, ''), COALESCE(p.destination, ''), COALESCE(p.hs_chapter, ''),
		COALESCE(p.hs_heading, ''), COALESCE(p.value, 0), COALESCE(p.currency, ''), COALESCE(p.rules, ''), COALESCE(p.missing, ''),
		COALESCE(p.ready_at, ''), COALESCE(p.filed_at, ''), COALESCE(p.released_at, '')
		FROM shipments s LEFT JOIN shipment_profiles p ON p.shipment_id = s.id WHERE s.id IN (` + l.cohort + `) ORDER BY s.id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s dashboard.Shipment
		var since, created, rules, missing, ready, filed, released string
		pr := &s.Profile
		if err := rows.Scan(&s.ID, &s.Ref, &s.State, &since, &created, &pr.Mode, &pr.Origin, &pr.PortOfLading, &pr.PortOfEntry,
			&pr.Destination, &pr.HSChapter, &pr.HSHeading, &pr.Value, &pr.Currency, &rules, &missing, &ready, &filed, &released); err != nil {
			return err
		}
		s.StateSince, s.Created = optTime(since), optTime(created)
		s.ReadyAt, s.FiledAt, s.ReleasedAt = optTime(ready), optTime(filed), optTime(released)
		s.Rules, s.Missing = strings.Fields(rules), strings.Fields(missing)
		in.Shipments = append(in.Shipments, s)
	}
	return rows.Err()
}

// leanShipments loads the shipments' state alone (the portfolio): id,
// state and since when.
func (l *dashLoader) leanShipments(in *dashboard.Input) error {
	rows, err := l.query(`SELECT s.id, s.state, s.state_since FROM shipments s WHERE s.id IN (` + l.cohort + `) ORDER BY s.id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s dashboard.Shipment
		var since string
		if err := rows.Scan(&s.ID, &s.State, &since); err != nil {
			return err
		}
		s.StateSince = optTime(since)
		in.Shipments = append(in.Shipments, s)
	}
	return rows.Err()
}

// parties attaches each shipment's parties.
func (l *dashLoader) parties(in *dashboard.Input) error {
	index := make(map[int64]int, len(in.Shipments))
	for i, s := range in.Shipments {
		index[s.ID] = i
	}
	rows, err := l.query(`SELECT shipment_id, partner, why, since FROM parties WHERE shipment_id IN (` + l.cohort + `)`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p dashboard.Party
		var since string
		if err := rows.Scan(&id, &p.Partner, &p.Why, &since); err != nil {
			return err
		}
		p.Since = optTime(since)
		if i, ok := index[id]; ok {
			in.Shipments[i].Parties = append(in.Shipments[i].Parties, p)
		}
	}
	return rows.Err()
}

// spans loads the state history overlapping the range (not CLOSED or
// CANCELLED), read by time through its covering index.
func (l *dashLoader) spans() ([]dashboard.Span, error) {
	rows, err := l.db.QueryContext(l.ctx, `SELECT shipment_id, state, since, until FROM state_spans
		WHERE state NOT IN ('CLOSED', 'CANCELLED') AND (until = '' OR until >= ?) AND since < ?`, l.from, l.to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dashboard.Span
	for rows.Next() {
		var sp dashboard.Span
		var since, until string
		if err := rows.Scan(&sp.Shipment, &sp.State, &since, &until); err != nil {
			return nil, err
		}
		sp.Since, sp.Until = optTime(since), optTime(until)
		out = append(out, sp)
	}
	return out, rows.Err()
}

// keepSpans keeps the spans of the shipments.
func keepSpans(spans []dashboard.Span, ships []dashboard.Shipment) []dashboard.Span {
	keep := make(map[int64]bool, len(ships))
	for _, s := range ships {
		keep[s.ID] = true
	}
	out := spans[:0]
	for _, sp := range spans {
		if keep[sp.Shipment] {
			out = append(out, sp)
		}
	}
	return out
}

func (l *dashLoader) holds(in *dashboard.Input) error {
	rows, err := l.query(`SELECT shipment_id, kind, agency, code, since, until FROM hold_periods WHERE shipment_id IN (` + l.cohort + `)`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var h dashboard.Hold
		var since, until string
		if err := rows.Scan(&h.Shipment, &h.Kind, &h.Agency, &h.Code, &since, &until); err != nil {
			return err
		}
		h.Since, h.Until = optTime(since), optTime(until)
		in.Holds = append(in.Holds, h)
	}
	return rows.Err()
}

// reviews loads the reviews of the shipments and, on the governance
// dashboard, the partners' error-rate reviews (of the partner asked for).
func (l *dashLoader) reviews(in *dashboard.Input) error {
	partnerReviews := `1 = 0` // a condition, not 0: PostgreSQL wants a boolean
	var args []any
	if l.q.Name == "governance" {
		partnerReviews = `r.shipment_id IS NULL AND (? = '' OR r.subject = 'governance:' || ?)`
		args = append(args, l.q.Partner, l.q.Partner)
	}
	rows, err := l.query(`SELECT r.id, COALESCE(r.shipment_id, 0), r.kind, r.status,
		CASE WHEN r.subject LIKE 'governance:%' THEN substr(r.subject, 12) ELSE COALESCE(f.partner, '') END,
		r.created_at, COALESCE(r.due_at, ''), COALESCE(r.decided_at, ''), r.escalated
		FROM reviews r LEFT JOIN files f ON f.id = r.file_id
		WHERE r.status != 'superseded' AND (`+partnerReviews+` OR r.shipment_id IN (`+l.cohort+`))`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r dashboard.Review
		var created, due, decided string
		if err := rows.Scan(&r.ID, &r.Shipment, &r.Kind, &r.Status, &r.Owner, &created, &due, &decided, &r.Escalated); err != nil {
			return err
		}
		r.Created, r.Due, r.Decided = optTime(created), optTime(due), optTime(decided)
		in.Reviews = append(in.Reviews, r)
	}
	return rows.Err()
}

// questions loads the questions asked in the range on the shipments, with
// their answers in order and each answerer's partner.
func (l *dashLoader) questions(in *dashboard.Input) error {
	rows, err := l.query(`SELECT q.id, q.shipment_id, q.asked_role, q.partner, q.created_at, COALESCE(a.created_at, ''), COALESCE(u.partner, '')
		FROM questions q LEFT JOIN answers a ON a.question_id = q.id LEFT JOIN users u ON u.login = a.by
		WHERE q.created_at >= ? AND q.created_at < ? AND q.shipment_id IN (`+l.cohort+`) ORDER BY q.id, a.id`, l.from, l.to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var qu dashboard.Question
		var created, answered, partner string
		if err := rows.Scan(&qu.ID, &qu.Shipment, &qu.AskedRole, &qu.AskedPartner, &created, &answered, &partner); err != nil {
			return err
		}
		qu.Created = optTime(created)
		if n := len(in.Questions); n == 0 || in.Questions[n-1].ID != qu.ID {
			in.Questions = append(in.Questions, qu)
		}
		if answered != "" {
			last := &in.Questions[len(in.Questions)-1]
			last.Answers = append(last.Answers, dashboard.Answer{At: optTime(answered), Partner: partner})
		}
	}
	return rows.Err()
}

// files counts each partner's files over [from, to) as the governance
// check does, limited to the partner asked for.
func (l *dashLoader) files(from, to time.Time) ([]dashboard.Files, error) {
	counts, err := l.store.PartnerErrorCounts(l.ctx, from, to)
	if err != nil {
		return nil, err
	}
	// Files are per partner: a broker's or supplier's user sees its own
	// (the web forces the partner); staff see every partner's.
	var out []dashboard.Files
	for _, c := range counts {
		if !l.own || c.Partner == l.q.Partner {
			out = append(out, dashboard.Files{Partner: c.Partner, Received: c.Received, Rejected: c.Rejected, WithErrors: c.WithErrors})
		}
	}
	return out, nil
}

// optTime parses a stored time, zero for "" or a value it cannot read.
func optTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	if t, err := parseTime(s); err == nil {
		return t
	}
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
