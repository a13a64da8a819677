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
	"github.com/clearway/clearway/internal/replay"
	"github.com/clearway/clearway/internal/spine"
)

// Ingest is one file's canonical writes: everything it applies, its lineage
// and the file's final state commit in one transaction, or none of it does.
type Ingest struct {
	db      *DB
	conn    *sql.Conn // the connection tx runs on, released when it ends
	tx      *sql.Tx
	ctx     context.Context // for statements: never cancelled (see BeginIngest)
	cancel  context.Context // the caller's, checked between records
	file    *clearway.File
	mapping string
	hash    string
	now     string

	shipments map[ident]int64 // identifier → shipment id, for this file
	absent    map[ident]bool  // identifiers no shipment had when looked up ahead (prefetch)
	stmts     map[string]*sql.Stmt
	fieldsBuf []byte // reused JSON buffers: one stored line at a time
	sourceBuf []byte

	// New lines are inserted in batches (one statement for many rows); a
	// line that already exists falls back to the audited update path.
	pending     []pendingFact
	pendingKeys map[factID]bool
	plans       planCache
	rowScratch  []string       // appendRow's
	queries     map[int]string // batch INSERT text by batch size
	args        []any          // reused batch arguments
	factMax     int64          // highest facts.id before the next batch; -1 until read
	shipmentMax int64          // highest shipments.id; -1 until read

	links         map[linked]bool // weak identifiers this file linked
	ambiguousSeen map[string]bool // identifier_ambiguous reviews this file opened
	poNumbers     map[string]bool // purchase orders whose lines this file wrote

	touched     map[int64]bool // shipments to re-assess before commit
	lastTouched int64
	packingSets map[string]map[string]bool // packing list document → line keys this file sent
	replay      *replayWatch               // set when the file is replayed (BeginReplay)
	bulk        *pgBulk                    // PostgreSQL's COPY path (pg_bulk.go); nil on SQLite
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
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin ingest of file %d: %w", f.ID, err)
	}
	// Settings of the connection that writes the file (it keeps them when
	// back in the pool, where they do no harm). A multi-row INSERT has a
	// statement journal; in a temp file, a big file would write most of its
	// pages a second time.
	if db.postgres() {
		// nothing to set
	} else if _, err := conn.ExecContext(ctx, `PRAGMA temp_store = MEMORY`); err != nil {
		conn.Close()
		return nil, fmt.Errorf("begin ingest of file %d: %w", f.ID, err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("begin ingest of file %d: %w", f.ID, err)
	}
	// Statements run without the caller's cancellation: with it, the
	// driver runs every statement on a goroutine of its own, and a big file
	// runs hundreds of thousands. apply checks the caller's context instead,
	// between records.
	return &Ingest{db: db, conn: conn, tx: tx, ctx: context.WithoutCancel(ctx), cancel: ctx, file: f, mapping: mappingName, hash: mappingHash, now: db.now(),
		shipments: map[ident]int64{}, stmts: map[string]*sql.Stmt{}, factMax: -1, shipmentMax: -1,
		Stats: IngestStats{Created: map[string]int{}, Updated: map[string]int{}}, bulk: db.newBulk()}, nil
}

// Rollback abandons the file's writes.
func (in *Ingest) Rollback() {
	in.abortStream()
	in.closeStmts()
	in.tx.Rollback()
	in.conn.Close()
}

// Commit records the file as done with the audit summary, re-runs the
// rules on every shipment the file touched, and commits. When it fails,
// nothing of the file was applied.
func (in *Ingest) Commit(records int) error {
	return in.commitWith(fmt.Sprintf("file %d", in.file.ID), func() error {
		if err := in.storePending(); err != nil {
			return err
		}
		if err := in.assessTouched(); err != nil {
			return err
		}
		return in.markDone(records)
	})
}

// markDone records the file as done, with its audit summary.
func (in *Ingest) markDone(records int) error {
	summary, _ := json.Marshal(in.Stats)
	// In a cluster the file must still be this node's: one paused past
	// its heartbeats may have had it taken back and done by another.
	res, err := in.tx.ExecContext(in.ctx, `UPDATE files SET state = 'done', error = '', mapping = ?, mapping_hash = ?, records = ?, updated_at = ?
		WHERE id = ? AND (? = '' OR claimed_by = ?)`, in.mapping, in.hash, records, in.now, in.file.ID, in.db.Node, in.db.Node)
	if err != nil {
		return fmt.Errorf("finish file %d: %w", in.file.ID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("finish file %d: another node took it back while this one was paused; its work is dropped", in.file.ID)
	}
	return in.audit("file", in.file.ID, "ingest", nil, summary)
}

// storePending writes what the file's records left queued: the last batch
// of lines, packing lists sent whole, lines a replayed file no longer has,
// and the shipments carrying the purchase orders it wrote.
func (in *Ingest) storePending() error {
	if err := in.flush(); err != nil {
		return err
	}
	if err := in.replacePackingLists(); err != nil {
		return err
	}
	if err := in.removeUnseen(); err != nil {
		return err
	}
	return in.touchPOShipments()
}

// commitWith runs the last writes of the file's transaction (what names
// them in an error) and commits; when anything fails, nothing was applied.
func (in *Ingest) commitWith(what string, last func() error) (err error) {
	defer func() {
		if err != nil {
			in.Rollback()
			return
		}
		in.closeStmts()
		in.conn.Close()
	}()
	if err := last(); err != nil {
		return err
	}
	if err := in.tx.Commit(); err != nil {
		return fmt.Errorf("commit %s: %w", what, err)
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
	if err := in.endStream(); err != nil { // an open COPY holds the connection
		return nil, err
	}
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

// actor is who the audit log names: the partner that sent the file, or
// the person replaying it and the replay.
func (in *Ingest) actor() string {
	if in.replay != nil {
		return fmt.Sprintf("%s (replay %d)", in.replay.by, in.replay.id)
	}
	return "partner:" + in.file.Partner
}

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
	return in.apply(recView{kind: kind, names: names, values: values, source: source, plan: in.plans.plan(in.db.layouts, kind, names)})
}

// apply resolves the record's shipment and stores it.
func (in *Ingest) apply(r recView) error {
	if err := in.cancel.Err(); err != nil {
		return fmt.Errorf("ingest of file %d stopped: %w", in.file.ID, err)
	}
	if r.kind == clearway.KindStatusEvent {
		if err := in.normaliseStatusTime(&r); err != nil {
			return err
		}
	}
	if r.kind == clearway.KindPurchaseOrderLine {
		// PO lines belong to the purchase order (DOMAIN.md §4.8); the
		// shipments that carry it refer to them.
		key, err := in.factKey(r, 0)
		if err != nil {
			return err
		}
		in.notePO(r.get("po_number"))
		return in.applyFact(0, key, r)
	}
	// Other records run statements of their own (resolve): an open COPY
	// must end first.
	if err := in.endStream(); err != nil {
		return err
	}
	shipment, ok, err := in.resolve(r)
	if err != nil || !ok {
		return err
	}
	switch r.kind {
	case clearway.KindShipment:
		return in.applyShipment(shipment, r.record())
	case clearway.KindDocument:
		return in.applyDocument(shipment, r.record())
	}
	key, err := in.factKey(r, shipment)
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
	plan          *namesPlan
	// The stored JSON of fields and source when encoded ahead (Prepare),
	// else "".
	fields, sourceJSON string
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

// ident is one shipment identifier: kind (a field of
// clearway.IdentifierFields) and value.
type ident struct{ kind, value string }

// touch marks a shipment for re-assessment at commit.
func (in *Ingest) touch(shipment int64) {
	if shipment == in.lastTouched {
		return // the lines of one shipment usually come together
	}
	if in.touched == nil {
		in.touched = map[int64]bool{}
	}
	in.touched[shipment] = true
	in.lastTouched = shipment
}

func (in *Ingest) createShipment() (int64, error) {
	// The id is chosen here, as SQLite would (one above the highest), so
	// the row is written once with its ref: the file's transaction holds
	// the write lock, so no one else adds a shipment meanwhile.
	id, err := in.nextShipmentID()
	if err != nil {
		return 0, err
	}
	ref := ShipmentRef(id)
	if _, err := in.exec(`INSERT INTO shipments (id, ref, created_at, updated_at, state_since) VALUES (?, ?, ?, ?, ?)`, id, ref, in.now, in.now, in.now); err != nil {
		return 0, fmt.Errorf("create shipment: %w", err)
	}
	in.shipmentMax = id
	if _, err := in.exec(`INSERT INTO state_spans (shipment_id, state, since) VALUES (?, 'PLANNED', ?)`, id, in.now); err != nil {
		return 0, fmt.Errorf("create shipment: %w", err)
	}
	if _, err := in.exec(`INSERT INTO identifiers (kind, value, shipment_id, file_id) VALUES ('shipment_ref', ?, ?, ?)`, ref, id, in.file.ID); err != nil {
		return 0, fmt.Errorf("create shipment: %w", err)
	}
	in.Stats.ShipmentsCreated++
	if in.replay != nil {
		in.replay.created[id] = true
	}
	return id, in.audit("shipment", id, "create", nil, []byte(`{"ref":"`+ref+`"}`))
}

// nextShipmentID picks a new shipment's id: one above the highest in
// SQLite (the file's transaction holds the write lock), the next of the
// identity sequence in PostgreSQL (other nodes create shipments too).
func (in *Ingest) nextShipmentID() (int64, error) {
	if in.db.postgres() {
		var id int64
		err := in.tx.QueryRowContext(in.ctx, `SELECT nextval(pg_get_serial_sequence('shipments', 'id'))`).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("create shipment: %w", err)
		}
		return id, nil
	}
	if in.shipmentMax < 0 {
		if err := in.tx.QueryRowContext(in.ctx, `SELECT COALESCE(MAX(id), 0) FROM shipments`).Scan(&in.shipmentMax); err != nil {
			return 0, fmt.Errorf("create shipment: %w", err)
		}
	}
	return in.shipmentMax + 1, nil
}

// ShipmentRef is Clearway's own reference for a shipment id.
func ShipmentRef(id int64) string { return fmt.Sprintf("CW-%06d", id) }

// factKey is the line's business key (spine.LineKey), its key errors
// placed at the record's position.
func (in *Ingest) factKey(rec recView, shipment int64) (string, error) {
	k, err := spine.LineKey(rec.kind, rec.get, in.file.Partner, shipment)
	return k, rec.keyError(err)
}

// packingDoc is the document a packing line belongs to (spine.PackingDocument).
func (in *Ingest) packingDoc(rec recView) (string, error) {
	doc, err := spine.PackingDocument(rec.get, in.file.Partner)
	return doc, rec.keyError(err)
}

// keyError places a spine key error at the record's position.
func (r recView) keyError(err error) error {
	var ke *spine.KeyError
	if errors.As(err, &ke) {
		return &RecordError{Source: r.source, Msg: ke.Msg}
	}
	return err
}

// notePO remembers a purchase order whose lines this file wrote: the
// shipments carrying it are re-assessed at commit.
func (in *Ingest) notePO(po string) {
	if in.poNumbers == nil {
		in.poNumbers = map[string]bool{}
	}
	if !in.poNumbers[po] {
		in.poNumbers[strings.Clone(po)] = true
	}
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
	if err := json.Unmarshal([]byte(raw), &cur); err != nil {
		return fmt.Errorf("shipment %d: stored fields: %w", shipment, err)
	}
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
	if in.replay != nil {
		old := map[string]string{}
		_ = json.Unmarshal([]byte(raw), &old) // read above
		in.reportChange(replay.Changed, string(clearway.KindShipment), ShipmentRef(shipment), shipment, old, cur, false, "")
	}
	return in.audit("shipment", shipment, "update", []byte(raw), after)
}

// applyDocument versions a document per (shipment, doc_type): a new
// checksum supersedes the last version; the same checksum is a duplicate.
func (in *Ingest) applyDocument(shipment int64, rec clearway.Record) error {
	docType, sum, name := rec.Fields["doc_type"], rec.Fields["sha256"], rec.Fields["original_name"]
	if docType == "" || sum == "" {
		return &RecordError{Source: rec.Source, Msg: "document needs doc_type (and its checksum)"}
	}
	s, err := in.stmt(`SELECT COUNT(*), COALESCE(MAX(version), 0), COALESCE(SUM(CASE WHEN sha256 = ? THEN 1 ELSE 0 END), 0) FROM documents WHERE shipment_id = ? AND doc_type = ?`)
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
	in.reportChange(replay.Added, string(clearway.KindDocument), fmt.Sprintf("%s v%d", docType, last+1), shipment, nil,
		map[string]string{"doc_type": docType, "sha256": sum, "original_name": name}, false, "")
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
