package sqlite

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/replay"
)

// namesPlan is what the store works out once per names slice: the mapping
// engine shares one per record spec, so a big file plans each once.
type namesPlan struct {
	kind   clearway.Kind
	ids    []int   // the identifier fields' indexes, in clearway.IdentifierFields order
	layout *layout // the stored row layout of kind
	pos    []int   // each name's index in layout
	err    error   // no layout for kind, or a name the kind has no field for
}

// planCache holds the plans of the names slices seen, keyed by the
// slice's first element.
type planCache map[*string]*namesPlan

// maxPlans bounds a plan cache: callers that build a fresh names slice per
// record (Apply) must not make it grow with the file.
const maxPlans = 256

// plan returns the plan of a kind's names slice, computed once per slice.
func (c *planCache) plan(ls *layouts, kind clearway.Kind, names []string) *namesPlan {
	if len(names) > 0 {
		if p, ok := (*c)[&names[0]]; ok && len(p.pos) == len(names) && p.kind == kind {
			return p
		}
	}
	p := &namesPlan{kind: kind}
	for _, id := range clearway.IdentifierFields {
		if i := slices.Index(names, id); i >= 0 {
			p.ids = append(p.ids, i)
		}
	}
	if p.layout, p.err = ls.layoutOf(string(kind)); p.err == nil {
		p.pos, p.err = p.layout.positions(names)
	}
	if len(names) == 0 {
		return p
	}
	if *c == nil || len(*c) >= maxPlans {
		*c = planCache{}
	}
	(*c)[&names[0]] = p
	return p
}

// appendRow encodes a record's values as a stored row (see layout.go).
func (p *namesPlan) appendRow(buf []byte, values []string, scratch *[]string) ([]byte, error) {
	if p.err != nil {
		return buf, p.err
	}
	return p.layout.appendRow(buf, p.pos, values, scratch), nil
}

// pendingFact is a line waiting for its batch insert.
type pendingFact struct {
	kind, key, fields, source string
	shipment                  int64
	claim                     string // a preference_program a new line claims: held for review
}

// factID is a line's identity: its kind and business key.
type factID struct{ kind, key string }

// batchSize is how many lines one INSERT carries: 5 values a row, so 256
// rows stay far below SQLite's variable limit (32766) while the cost of a
// statement is spread over many lines.
const batchSize = 256

// applyFact queues a line for the batch insert; the flush inserts new lines
// and sends existing ones through updateFact.
func (in *Ingest) applyFact(shipment int64, key string, rec recView) error {
	id := factID{string(rec.kind), key}
	in.seeLine(id.kind, key)
	if in.pendingKeys[id] { // the same line twice in one batch: keep the order
		if err := in.flush(); err != nil {
			return err
		}
	}
	if in.pendingKeys == nil {
		in.pendingKeys = make(map[factID]bool, batchSize)
	}
	in.pendingKeys[id] = true
	p := pendingFact{kind: id.kind, key: key, fields: rec.fields, source: rec.sourceJSON, shipment: shipment}
	if p.fields == "" {
		var err error
		if in.fieldsBuf, err = rec.plan.appendRow(in.fieldsBuf[:0], rec.values, &in.rowScratch); err != nil {
			return err
		}
		p.fields = string(in.fieldsBuf)
	}
	if p.source == "" {
		in.sourceBuf = appendPosition(in.sourceBuf[:0], rec.source)
		p.source = string(in.sourceBuf)
	}
	switch rec.kind {
	case clearway.KindInvoiceLine:
		p.claim = rec.get("preference_program")
	case clearway.KindPackingLine:
		doc, err := in.packingDoc(rec)
		if err != nil {
			return err
		}
		in.notePackingLine(doc, key)
	}
	in.pending = append(in.pending, p)
	if in.bulkOn() {
		return in.queuedBulk(rec.kind == clearway.KindPurchaseOrderLine)
	}
	if len(in.pending) >= batchSize {
		return in.flush()
	}
	return nil
}

// flush stores the queued lines: on PostgreSQL a big batch by COPY
// (flushBulk), otherwise in batch INSERTs of batchSize lines.
func (in *Ingest) flush() error {
	if len(in.pending) == 0 {
		return nil
	}
	batch := in.pending
	in.pending = in.pending[:0]
	clear(in.pendingKeys)
	if in.bulkOn() && (in.bulk.stream != nil || len(batch) >= in.bulk.min) {
		return in.flushBulk(batch)
	}
	for len(batch) > 0 {
		n := min(len(batch), batchSize)
		if err := in.flushRows(batch[:n]); err != nil {
			return err
		}
		batch = batch[n:]
	}
	return nil
}

// flushRows inserts up to batchSize lines in one statement; those that
// already existed are left alone by it and updated one by one.
//
// Which lines the INSERT added is told by their row ids: a new row gets one
// above the table's highest (SQLite's rule while that is below the largest
// integer), and nothing else writes facts while the file's transaction is
// open. So when the statement added every line, nothing is read back; when
// it added some, the new rows are the ids above the highest before it.
func (in *Ingest) flushRows(batch []pendingFact) error {
	if in.factMax < 0 {
		if err := in.tx.QueryRowContext(in.ctx, `SELECT COALESCE(MAX(id), 0) FROM facts`).Scan(&in.factMax); err != nil {
			return fmt.Errorf("store lines: %w", err)
		}
	}
	// Near the largest row id SQLite picks ids at random: ask it instead.
	// PostgreSQL always names them: other nodes add lines meanwhile.
	returning := in.db.postgres() || in.factMax > math.MaxInt64-1<<32
	args := in.rowArgs(batch)
	var inserted map[factID]bool // nil: every line of the batch was new
	var err error
	if returning {
		inserted, err = in.insertReturning(batch, args)
	} else {
		inserted, err = in.insert(batch, args)
	}
	clear(args) // drop the references to this batch's text
	if err != nil {
		return err
	}
	return in.settleBatch(batch, func(i int) (*storedLine, bool) {
		return nil, inserted != nil && !inserted[factID{batch[i].kind, batch[i].key}]
	})
}

// rowArgs are a batch INSERT's arguments: the file, then each line's
// columns (in a buffer reused from batch to batch; clear it after use).
func (in *Ingest) rowArgs(batch []pendingFact) []any {
	args := append(in.args[:0], in.file.ID)
	for _, f := range batch {
		args = append(args, f.kind, f.key, nullID(f.shipment), f.fields, f.source)
	}
	in.args = args
	return args
}

// settleBatch finishes a batch whose new lines are stored: each line that
// existed before (existed says so, with its stored row when read ahead)
// goes through updateFact; new ones are counted and a claim they make is
// held. In the batch's order, as if the lines were applied one by one.
func (in *Ingest) settleBatch(batch []pendingFact, existed func(i int) (*storedLine, bool)) error {
	for i, f := range batch {
		var err error
		if old, ok := existed(i); ok {
			err = in.updateFact(f, old)
		} else if f.claim != "" {
			in.Stats.Created[f.kind]++
			if err = in.holdNewClaim(f); err == nil {
				err = in.reportLine(replay.Added, f.kind, f.key, f.shipment, "", f.fields, true)
			}
		} else {
			in.Stats.Created[f.kind]++
			err = in.reportLine(replay.Added, f.kind, f.key, f.shipment, "", f.fields, false)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// insert runs the batch INSERT and returns the lines it added, nil when it
// added all of them.
func (in *Ingest) insert(batch []pendingFact, args []any) (map[factID]bool, error) {
	res, err := in.exec(in.insertFactsQuery(len(batch), false), args...)
	if err != nil {
		return nil, fmt.Errorf("store lines: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, fmt.Errorf("store lines: %w", err)
	}
	if int(n) == len(batch) {
		if in.factMax, err = res.LastInsertId(); err != nil {
			return nil, fmt.Errorf("store lines: %w", err)
		}
		return nil, nil
	}
	inserted := make(map[factID]bool, n)
	if n == 0 {
		return inserted, nil
	}
	s, err := in.stmt(`SELECT id, kind, key FROM facts WHERE id > ?`)
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(in.ctx, in.factMax)
	if err != nil {
		return nil, fmt.Errorf("store lines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var f factID
		if err := rows.Scan(&id, &f.kind, &f.key); err != nil {
			return nil, fmt.Errorf("store lines: %w", err)
		}
		inserted[f] = true
		in.factMax = max(in.factMax, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store lines: %w", err)
	}
	if len(inserted) != int(n) {
		return nil, fmt.Errorf("store lines: %d added, %d found above row %d", n, len(inserted), in.factMax)
	}
	return inserted, nil
}

// insertReturning is insert with the added lines named by RETURNING.
func (in *Ingest) insertReturning(batch []pendingFact, args []any) (map[factID]bool, error) {
	s, err := in.stmt(in.insertFactsQuery(len(batch), true))
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(in.ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("store lines: %w", err)
	}
	defer rows.Close()
	inserted := make(map[factID]bool, len(batch))
	for rows.Next() {
		var f factID
		if err := rows.Scan(&f.kind, &f.key); err != nil {
			return nil, fmt.Errorf("store lines: %w", err)
		}
		inserted[f] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store lines: %w", err)
	}
	return inserted, nil
}

// insertFactsQuery is the INSERT for n lines: ?1–?2 are the file's
// constants, bound once; each row adds five. Built once per size and file,
// not on every flush.
func (in *Ingest) insertFactsQuery(n int, returning bool) string {
	k := n
	if returning {
		k = -n
	}
	if q, ok := in.queries[k]; ok {
		return q
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO facts (kind, key, shipment_id, fields, file_id, source) VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			q.WriteByte(',')
		}
		b := 2 + 5*i
		q.WriteString("(?")
		for j, v := range [...]int{b, b + 1, b + 2, b + 3, 1, b + 4} {
			if j > 0 {
				q.WriteString(", ?")
			}
			q.WriteString(strconv.Itoa(v))
		}
		q.WriteByte(')')
	}
	q.WriteString(` ON CONFLICT (kind, key) DO NOTHING`)
	if returning {
		q.WriteString(` RETURNING kind, key`)
	}
	if in.queries == nil {
		in.queries = map[int]string{}
	}
	in.queries[k] = q.String()
	return in.queries[k]
}

// storedLine is a line as a file finds it stored: its id, fields,
// shipment (0: none) and the file that last wrote it.
type storedLine struct {
	id, shipment, writer int64
	fields               string
}

// readFact reads the stored line of a kind and key.
func (in *Ingest) readFact(kind, key string) (*storedLine, error) {
	s, err := in.stmt(`SELECT id, fields, COALESCE(shipment_id, 0), file_id FROM facts WHERE kind = ? AND key = ?`)
	if err != nil {
		return nil, err
	}
	var old storedLine
	if err := s.QueryRowContext(in.ctx, kind, key).Scan(&old.id, &old.fields, &old.shipment, &old.writer); err != nil {
		return nil, fmt.Errorf("read %s %s: %w", kind, key, err)
	}
	return &old, nil
}

// updateFact updates a line that already existed (old, or read here when
// nil), audited with before and after; an identical resend changes nothing.
func (in *Ingest) updateFact(f pendingFact, old *storedLine) error {
	if old == nil {
		var err error
		if old, err = in.readFact(f.kind, f.key); err != nil {
			return err
		}
	}
	id, oldShipment, writer, before := old.id, old.shipment, old.writer, old.fields
	if oldShipment == f.shipment && in.sameFields(before, f.fields) {
		in.Stats.Unchanged++
		return nil
	}
	if in.replay != nil && writer > in.file.ID {
		// A replay never turns a line back to an older file's values.
		in.Stats.Unchanged++
		return in.reportKept(f, before, writer)
	}
	proposed := f.fields
	fields, held, err := in.holdSensitive(id, f, before)
	if err != nil {
		return err
	}
	f.fields = fields
	if held && oldShipment == f.shipment && in.sameFields(before, f.fields) {
		return in.reportLine(replay.Changed, f.kind, f.key, f.shipment, before, proposed, true)
	}
	if _, err := in.exec(`UPDATE facts SET shipment_id = ?, fields = ?, file_id = ?, source = ? WHERE id = ?`,
		nullID(f.shipment), f.fields, in.file.ID, f.source, id); err != nil {
		return fmt.Errorf("update %s %s: %w", f.kind, f.key, err)
	}
	in.Stats.Updated[f.kind]++
	if oldShipment != 0 {
		in.touch(oldShipment)
	}
	beforeJSON, err := in.db.layouts.objectJSON(before)
	if err != nil {
		return fmt.Errorf("fact %d: %w", id, err)
	}
	afterJSON, err := in.db.layouts.objectJSON(f.fields)
	if err != nil {
		return err
	}
	if err := in.reportLine(replay.Changed, f.kind, f.key, f.shipment, before, proposed, held); err != nil {
		return err
	}
	return in.audit("fact", id, "update", beforeJSON, afterJSON)
}

// sameFields reports whether two stored rows hold the same fields: the same
// text, or the same values under different layouts (a row written before
// the kind's field list changed).
func (in *Ingest) sameFields(a, b string) bool {
	if a == b {
		return true
	}
	if layoutPrefix(a) == layoutPrefix(b) { // one layout encodes alike
		return false
	}
	fa, errA := in.db.layouts.decode(a)
	fb, errB := in.db.layouts.decode(b)
	return errA == nil && errB == nil && maps.Equal(fa, fb)
}

// layoutPrefix is a stored row's "[layout" part.
func layoutPrefix(row string) string {
	if i := strings.IndexAny(row, ",]"); i >= 0 {
		return row[:i]
	}
	return row
}
