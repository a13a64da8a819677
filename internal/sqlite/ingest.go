package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/clearway/clearway/internal/clearway"
)

// Ingest is one file's canonical writes: everything it applies, its lineage
// and the file's final state commit in one transaction, or none of it does.
type Ingest struct {
	db      *DB
	tx      *sql.Tx
	ctx     context.Context
	file    *clearway.File
	mapping string
	hash    string
	now     string

	shipments map[string]int64 // identifier "kind\x00value" → shipment id, for this file
	stmts     map[string]*sql.Stmt
	fieldsBuf []byte // reused JSON buffers: one stored line at a time
	sourceBuf []byte

	// New lines are inserted in batches (one statement for many rows); a
	// line that already exists falls back to the audited update path.
	pending     []pendingFact
	pendingKeys map[string]bool
	orders      map[*string][]int // sorted order per shared names slice
	identity    []int
	queries     map[int]string // batch INSERT text by batch size

	touched     map[int64]bool             // shipments to re-assess before commit
	packingSets map[string]map[string]bool // packing list document → line keys this file sent
	Stats       IngestStats
}

// IngestStats counts what a file changed.
type IngestStats struct {
	ShipmentsCreated int            `json:"shipments_created"`
	Created          map[string]int `json:"created"`
	Updated          map[string]int `json:"updated"`
	Unchanged        int            `json:"unchanged"`
	Documents        int            `json:"documents"`
	Reviews          int            `json:"reviews"`
}

// RecordError is a record the store cannot take as it is (a missing key
// field, no identifier); the file is rejected with it.
type RecordError struct {
	Source clearway.Position
	Msg    string
}

func (e *RecordError) Error() string { return e.Source.String() + ": " + e.Msg }

// BeginIngest opens the transaction for one journaled file mapped by the
// named mapping (its content hash is the mapping's version).
func (db *DB) BeginIngest(ctx context.Context, f *clearway.File, mappingName, mappingHash string) (*Ingest, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin ingest of file %d: %w", f.ID, err)
	}
	return &Ingest{db: db, tx: tx, ctx: ctx, file: f, mapping: mappingName, hash: mappingHash, now: db.now(),
		shipments: map[string]int64{}, stmts: map[string]*sql.Stmt{},
		Stats: IngestStats{Created: map[string]int{}, Updated: map[string]int{}}}, nil
}

// Rollback abandons the file's writes.
func (in *Ingest) Rollback() {
	in.closeStmts()
	in.tx.Rollback()
}

// Commit records the file as done with the audit summary, re-runs the
// rules on every shipment the file touched, and commits.
func (in *Ingest) Commit(records int) error {
	defer in.closeStmts()
	if err := in.flush(); err != nil {
		return err
	}
	if err := in.replacePackingLists(); err != nil {
		return err
	}
	if err := in.assessTouched(); err != nil {
		return err
	}
	summary, _ := json.Marshal(in.Stats)
	if _, err := in.tx.ExecContext(in.ctx, `UPDATE files SET state = 'done', error = '', mapping = ?, mapping_hash = ?, records = ?, updated_at = ? WHERE id = ?`,
		in.mapping, in.hash, records, in.now, in.file.ID); err != nil {
		return fmt.Errorf("finish file %d: %w", in.file.ID, err)
	}
	if err := in.audit("file", in.file.ID, "ingest", nil, summary); err != nil {
		return err
	}
	if err := in.tx.Commit(); err != nil {
		return fmt.Errorf("commit file %d: %w", in.file.ID, err)
	}
	return nil
}

func (in *Ingest) closeStmts() {
	for _, s := range in.stmts {
		s.Close()
	}
	in.stmts = map[string]*sql.Stmt{}
}

// stmt prepares a statement once per file: the same few run per record.
func (in *Ingest) stmt(query string) (*sql.Stmt, error) {
	if s, ok := in.stmts[query]; ok {
		return s, nil
	}
	s, err := in.tx.PrepareContext(in.ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	in.stmts[query] = s
	return s, nil
}

func (in *Ingest) exec(query string, args ...any) (sql.Result, error) {
	s, err := in.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(in.ctx, args...)
}

func (in *Ingest) actor() string { return "partner:" + in.file.Partner }

func (in *Ingest) audit(entity string, id int64, action string, before, after []byte) error {
	var b, a any
	if before != nil {
		b = string(before)
	}
	if after != nil {
		a = string(after)
	}
	_, err := in.exec(`INSERT INTO audit_log (at, actor, entity, entity_id, action, before, after, file_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		in.now, in.actor(), entity, id, action, b, a, in.file.ID)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// Apply resolves the record's shipment and stores it.
func (in *Ingest) Apply(rec clearway.Record) error {
	names := make([]string, 0, len(rec.Fields))
	for k := range rec.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	values := make([]string, len(names))
	for i, k := range names {
		values[i] = rec.Fields[k]
	}
	return in.ApplyFields(rec.Kind, names, values, rec.Source)
}

// ApplyFields is Apply for a record given as parallel name and value slices
// ("" = absent), as the mapping engine emits them: the hot path of a big
// file builds no map per record. names may be shared between records.
func (in *Ingest) ApplyFields(kind clearway.Kind, names, values []string, source clearway.Position) error {
	r := recView{kind: kind, names: names, values: values, source: source}
	shipment, ok, err := in.resolve(r)
	if err != nil || !ok {
		return err
	}
	switch kind {
	case clearway.KindShipment:
		return in.applyShipment(shipment, r.record())
	case clearway.KindDocument:
		return in.applyDocument(shipment, r.record())
	}
	key, err := factKey(r, shipment)
	if err != nil {
		return err
	}
	return in.applyFact(shipment, key, r)
}

// recView is a record as parallel field slices.
type recView struct {
	kind          clearway.Kind
	names, values []string
	source        clearway.Position
}

func (r recView) get(name string) string {
	for i, n := range r.names {
		if n == name {
			return r.values[i]
		}
	}
	return ""
}

// record builds the map form, for the rare paths (shipments, documents,
// conflicts).
func (r recView) record() clearway.Record {
	f := make(map[string]string, len(r.names))
	for i, n := range r.names {
		if r.values[i] != "" {
			f[n] = r.values[i]
		}
	}
	return clearway.Record{Kind: r.kind, Fields: f, Source: r.source}
}

// resolve finds the one shipment the record's identifiers name, creating it
// when none is known. Identifiers naming two shipments are never merged: an
// identifier_conflict review holds the record (ok false).
func (in *Ingest) resolve(rec recView) (int64, bool, error) {
	type ident struct{ kind, value string }
	var ids []ident
	for _, k := range clearway.IdentifierFields {
		if v := rec.get(k); v != "" {
			ids = append(ids, ident{k, v})
		}
	}
	if len(ids) == 0 {
		return 0, false, &RecordError{Source: rec.source, Msg: fmt.Sprintf("%s names no shipment identifier (%s)", rec.kind, strings.Join(clearway.IdentifierFields, ", "))}
	}
	found := map[int64]bool{}
	var unknown []ident
	for _, id := range ids {
		sid, err := in.lookup(id.kind, id.value)
		if err != nil {
			return 0, false, err
		}
		if sid == 0 {
			unknown = append(unknown, id)
		} else {
			found[sid] = true
		}
	}
	var shipment int64
	switch len(found) {
	case 0:
		var err error
		if shipment, err = in.createShipment(); err != nil {
			return 0, false, err
		}
	case 1:
		for sid := range found {
			shipment = sid
		}
	default:
		return 0, false, in.conflict(rec.record(), found)
	}
	for _, id := range unknown {
		if _, err := in.exec(`INSERT INTO identifiers (kind, value, shipment_id, file_id) VALUES (?, ?, ?, ?)`, id.kind, id.value, shipment, in.file.ID); err != nil {
			return 0, false, fmt.Errorf("add identifier %s %s: %w", id.kind, id.value, err)
		}
		in.shipments[id.kind+"\x00"+id.value] = shipment
	}
	in.touch(shipment)
	return shipment, true, nil
}

// touch marks a shipment for re-assessment at commit.
func (in *Ingest) touch(shipment int64) {
	if in.touched == nil {
		in.touched = map[int64]bool{}
	}
	in.touched[shipment] = true
}

func (in *Ingest) lookup(kind, value string) (int64, error) {
	key := kind + "\x00" + value
	if sid, ok := in.shipments[key]; ok {
		return sid, nil
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
		in.shipments[key] = sid
	}
	return sid, nil
}

func (in *Ingest) createShipment() (int64, error) {
	res, err := in.exec(`INSERT INTO shipments (ref, created_at, updated_at) VALUES ('new:' || hex(randomblob(8)), ?, ?)`, in.now, in.now)
	if err != nil {
		return 0, fmt.Errorf("create shipment: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	ref := ShipmentRef(id)
	if _, err := in.exec(`UPDATE shipments SET ref = ? WHERE id = ?`, ref, id); err != nil {
		return 0, fmt.Errorf("create shipment: %w", err)
	}
	if _, err := in.exec(`INSERT INTO identifiers (kind, value, shipment_id, file_id) VALUES ('shipment_ref', ?, ?, ?)`, ref, id, in.file.ID); err != nil {
		return 0, fmt.Errorf("create shipment: %w", err)
	}
	in.Stats.ShipmentsCreated++
	return id, in.audit("shipment", id, "create", nil, []byte(fmt.Sprintf(`{"ref":%q}`, ref)))
}

// ShipmentRef is Clearway's own reference for a shipment id.
func ShipmentRef(id int64) string { return fmt.Sprintf("CW-%06d", id) }

func (in *Ingest) conflict(rec clearway.Record, shipments map[int64]bool) error {
	var ids []int64
	for id := range shipments {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var refs []string
	for _, id := range ids {
		refs = append(refs, ShipmentRef(id))
	}
	detail, _ := json.Marshal(map[string]any{"record": rec, "shipments": refs})
	summary := fmt.Sprintf("%s at %s names identifiers of %s: not applied until someone decides", rec.Kind, rec.Source, strings.Join(refs, " and "))
	res, err := in.exec(`INSERT INTO reviews (kind, shipment_id, summary, detail, file_id, created_at) VALUES ('identifier_conflict', ?, ?, ?, ?, ?)`,
		ids[0], summary, string(detail), in.file.ID, in.now)
	if err != nil {
		return fmt.Errorf("open review: %w", err)
	}
	id, _ := res.LastInsertId()
	in.Stats.Reviews++
	in.touch(ids[0])
	return in.audit("review", id, "create", nil, detail)
}

// factKey is the business key that makes a resent record update, not double.
func factKey(rec recView, shipment int64) (string, error) {
	f := rec.get
	need := func(fields ...string) (string, error) {
		parts := make([]string, len(fields))
		for i, k := range fields {
			if f(k) == "" {
				return "", &RecordError{Source: rec.source, Msg: fmt.Sprintf("%s needs %s to be stored (its key: %s)", rec.kind, k, strings.Join(fields, " + "))}
			}
			parts[i] = f(k)
		}
		return strings.Join(parts, "|"), nil
	}
	switch rec.kind {
	case clearway.KindPurchaseOrderLine:
		return need("po_number", "line_no")
	case clearway.KindInvoiceLine:
		return need("invoice_number", "line_no")
	case clearway.KindPackingLine:
		doc := f("invoice_number")
		if doc == "" {
			doc = f("po_number")
		}
		if doc == "" {
			return "", &RecordError{Source: rec.source, Msg: "packing_line needs invoice_number or po_number"}
		}
		return doc + "|" + f("sku") + "|" + f("container_number"), nil
	case clearway.KindValuation:
		return fmt.Sprintf("S%d", shipment), nil
	case clearway.KindMilestone:
		k, err := need("event", "at")
		return fmt.Sprintf("S%d|%s", shipment, k), err
	case clearway.KindStatusEvent:
		// DOMAIN.md §4.6: messages are idempotent on (source, code, time, entry/B/L).
		ref := f("entry_number")
		if ref == "" {
			ref = f("bill_of_lading")
		}
		if ref == "" {
			ref = fmt.Sprintf("S%d", shipment)
		}
		k, err := need("code_list", "code")
		return k + "|" + f("at") + "|" + ref, err
	}
	return "", &RecordError{Source: rec.source, Msg: fmt.Sprintf("kind %s cannot be stored", rec.kind)}
}

// order returns the sorted order of a names slice, computed once per
// slice: the mapping engine shares one names slice per record spec.
func (in *Ingest) order(names []string) []int {
	if len(names) == 0 {
		return nil
	}
	if sort.StringsAreSorted(names) { // already in order (Apply sorts): nothing to cache
		for len(in.identity) < len(names) {
			in.identity = append(in.identity, len(in.identity))
		}
		return in.identity[:len(names)]
	}
	if in.orders == nil {
		in.orders = map[*string][]int{}
	}
	if o, ok := in.orders[&names[0]]; ok && len(o) == len(names) {
		return o
	}
	o := make([]int, len(names))
	for i := range o {
		o[i] = i
	}
	sort.Slice(o, func(a, b int) bool { return names[o[a]] < names[o[b]] })
	in.orders[&names[0]] = o
	return o
}

// pendingFact is a line waiting for its batch insert.
type pendingFact struct {
	kind, key, fields, source string
	shipment                  int64
	claim                     string // a preference_program a new line claims: held for review
}

// batchSize is how many lines one INSERT carries: 64 rows × 10 values stays
// far below SQLite's variable limit and amortises the per-statement cost.
const batchSize = 64

// applyFact queues a line for the batch insert; the flush inserts new lines
// and sends existing ones through updateFact.
func (in *Ingest) applyFact(shipment int64, key string, rec recView) error {
	in.fieldsBuf = appendFieldSlices(in.fieldsBuf[:0], rec.names, rec.values, in.order(rec.names))
	in.sourceBuf = appendPosition(in.sourceBuf[:0], rec.source)
	k := string(rec.kind) + "\x00" + key
	if in.pendingKeys[k] { // the same line twice in one batch: keep the order
		if err := in.flush(); err != nil {
			return err
		}
	}
	if in.pendingKeys == nil {
		in.pendingKeys = map[string]bool{}
	}
	in.pendingKeys[k] = true
	p := pendingFact{kind: string(rec.kind), key: key, fields: string(in.fieldsBuf), source: string(in.sourceBuf), shipment: shipment}
	switch rec.kind {
	case clearway.KindInvoiceLine:
		p.claim = rec.get("preference_program")
	case clearway.KindPackingLine:
		in.notePackingLine(key)
	}
	in.pending = append(in.pending, p)
	if len(in.pending) >= batchSize {
		return in.flush()
	}
	return nil
}

// flush inserts the queued lines in one statement; those that already
// existed come back missing from RETURNING and are updated one by one.
func (in *Ingest) flush() error {
	if len(in.pending) == 0 {
		return nil
	}
	batch := in.pending
	in.pending = in.pending[:0]
	clear(in.pendingKeys)
	query := in.insertFactsQuery(len(batch))
	args := make([]any, 0, 2+len(batch)*5)
	args = append(args, in.file.ID, in.now)
	for _, f := range batch {
		args = append(args, f.kind, f.key, f.shipment, f.fields, f.source)
	}
	s, err := in.stmt(query)
	if err != nil {
		return err
	}
	rows, err := s.QueryContext(in.ctx, args...)
	if err != nil {
		return fmt.Errorf("store lines: %w", err)
	}
	inserted := make(map[string]bool, len(batch))
	for rows.Next() {
		var kind, key string
		if err := rows.Scan(&kind, &key); err != nil {
			rows.Close()
			return err
		}
		inserted[kind+"\x00"+key] = true
		in.Stats.Created[kind]++
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("store lines: %w", err)
	}
	for _, f := range batch {
		var err error
		switch {
		case !inserted[f.kind+"\x00"+f.key]:
			err = in.updateFact(f)
		case f.claim != "":
			err = in.holdNewClaim(f)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// insertFactsQuery is the INSERT for n lines: ?1–?2 are the file's
// constants, bound once; each row adds five. Built once per size and file,
// not on every flush.
func (in *Ingest) insertFactsQuery(n int) string {
	if q, ok := in.queries[n]; ok {
		return q
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO facts (kind, key, shipment_id, fields, file_id, source, updated_at) VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			q.WriteByte(',')
		}
		b := 3 + 5*i
		fmt.Fprintf(&q, "(?%d, ?%d, ?%d, ?%d, ?1, ?%d, ?2)", b, b+1, b+2, b+3, b+4)
	}
	q.WriteString(` ON CONFLICT (kind, key) DO NOTHING RETURNING kind, key`)
	if in.queries == nil {
		in.queries = map[int]string{}
	}
	in.queries[n] = q.String()
	return in.queries[n]
}

// updateFact updates a line that already existed, audited with before and
// after; an identical resend changes nothing.
func (in *Ingest) updateFact(f pendingFact) error {
	s, err := in.stmt(`SELECT id, fields, shipment_id FROM facts WHERE kind = ? AND key = ?`)
	if err != nil {
		return err
	}
	var id, oldShipment int64
	var before string
	if err := s.QueryRowContext(in.ctx, f.kind, f.key).Scan(&id, &before, &oldShipment); err != nil {
		return fmt.Errorf("read %s %s: %w", f.kind, f.key, err)
	}
	if before == f.fields && oldShipment == f.shipment {
		in.Stats.Unchanged++
		return nil
	}
	fields, held, err := in.holdSensitive(id, f, before)
	if err != nil {
		return err
	}
	f.fields = fields
	if held && before == f.fields && oldShipment == f.shipment {
		return nil
	}
	if _, err := in.exec(`UPDATE facts SET shipment_id = ?, fields = ?, file_id = ?, source = ?, updated_at = ? WHERE id = ?`,
		f.shipment, f.fields, in.file.ID, f.source, in.now, id); err != nil {
		return fmt.Errorf("update %s %s: %w", f.kind, f.key, err)
	}
	in.Stats.Updated[f.kind]++
	in.touch(oldShipment)
	return in.audit("fact", id, "update", []byte(before), []byte(f.fields))
}

// applyShipment merges shipment-level fields (mode, vessel, eta, …).
func (in *Ingest) applyShipment(shipment int64, rec clearway.Record) error {
	s, err := in.stmt(`SELECT fields FROM shipments WHERE id = ?`)
	if err != nil {
		return err
	}
	var raw string
	if err := s.QueryRowContext(in.ctx, shipment).Scan(&raw); err != nil {
		return fmt.Errorf("read shipment %d: %w", shipment, err)
	}
	cur := map[string]string{}
	json.Unmarshal([]byte(raw), &cur)
	changed := false
	for k, v := range rec.Fields {
		if clearway.IsIdentifier(k) || cur[k] == v {
			continue
		}
		cur[k], changed = v, true
	}
	if !changed {
		in.Stats.Unchanged++
		return nil
	}
	after, _ := json.Marshal(cur)
	if _, err := in.exec(`UPDATE shipments SET fields = ?, updated_at = ? WHERE id = ?`, after, in.now, shipment); err != nil {
		return fmt.Errorf("update shipment %d: %w", shipment, err)
	}
	in.Stats.Updated["shipment"]++
	return in.audit("shipment", shipment, "update", []byte(raw), after)
}

// applyDocument versions a document per (shipment, doc_type): a new
// checksum supersedes the last version; the same checksum is a duplicate.
func (in *Ingest) applyDocument(shipment int64, rec clearway.Record) error {
	docType, sum, name := rec.Fields["doc_type"], rec.Fields["sha256"], rec.Fields["original_name"]
	if docType == "" || sum == "" {
		return &RecordError{Source: rec.Source, Msg: "document needs doc_type (and its checksum)"}
	}
	s, err := in.stmt(`SELECT COUNT(*), COALESCE(MAX(version), 0), COALESCE(SUM(sha256 = ?), 0) FROM documents WHERE shipment_id = ? AND doc_type = ?`)
	if err != nil {
		return err
	}
	var n, last, same int
	if err := s.QueryRowContext(in.ctx, sum, shipment, docType).Scan(&n, &last, &same); err != nil {
		return fmt.Errorf("read documents: %w", err)
	}
	if same > 0 {
		in.Stats.Unchanged++
		return nil
	}
	if _, err := in.exec(`UPDATE documents SET superseded = 1 WHERE shipment_id = ? AND doc_type = ? AND superseded = 0`, shipment, docType); err != nil {
		return fmt.Errorf("supersede %s: %w", docType, err)
	}
	res, err := in.exec(`INSERT INTO documents (shipment_id, doc_type, version, sha256, name, file_id, mapping, mapping_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		shipment, docType, last+1, sum, name, in.file.ID, in.mapping, in.hash, in.now)
	if err != nil {
		return fmt.Errorf("store document %s: %w", docType, err)
	}
	id, _ := res.LastInsertId()
	in.Stats.Documents++
	in.touch(shipment)
	after, _ := json.Marshal(map[string]any{"doc_type": docType, "version": last + 1, "sha256": sum, "name": name})
	return in.audit("document", id, "create", nil, after)
}

// Interchange identifies an X12 interchange for duplicate detection.
type Interchange struct {
	Sender, Receiver, Control string
}

func (ic Interchange) control() string {
	c := strings.TrimLeft(strings.TrimSpace(ic.Control), "0")
	if c == "" {
		return "0"
	}
	return c
}

// SeenInterchange returns the file that already applied this interchange of
// the partner (0 when none).
func (in *Ingest) SeenInterchange(ic Interchange) (int64, error) {
	s, err := in.stmt(`SELECT file_id FROM interchanges WHERE partner = ? AND sender = ? AND receiver = ? AND control = ?`)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.QueryRowContext(in.ctx, in.file.Partner, strings.TrimSpace(ic.Sender), strings.TrimSpace(ic.Receiver), ic.control()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// RecordInterchange remembers that this file applied the interchange.
func (in *Ingest) RecordInterchange(ic Interchange) error {
	_, err := in.exec(`INSERT OR IGNORE INTO interchanges (partner, sender, receiver, control, file_id) VALUES (?, ?, ?, ?, ?)`,
		in.file.Partner, strings.TrimSpace(ic.Sender), strings.TrimSpace(ic.Receiver), ic.control(), in.file.ID)
	return err
}

// MarkDuplicate abandons the file's writes and records it as a duplicate.
func (in *Ingest) MarkDuplicate(msg string) error {
	in.Rollback()
	return in.db.UpdateFileState(in.ctx, in.file.ID, clearway.FileDuplicate, msg)
}
