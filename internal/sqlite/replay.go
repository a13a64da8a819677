package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/replay"
	"github.com/clearway/clearway/internal/validate"
)

// replayWatch is what an ingest does beyond the usual when it replays a
// file: it reports each line it writes, remembers which lines the file
// still has (those it no longer has are removed), and keeps the touched
// shipments' state and findings from before the rules re-run.
type replayWatch struct {
	id        int64 // the replays row, written first so audit entries can name it
	by        string
	fromState clearway.FileState
	fromHash  string
	lines     replay.Sink
	seed      maphash.Seed
	// seen holds a 64-bit hash per line key: a million-line file costs
	// tens of megabytes, not its keys' text.
	seen map[uint64]struct{}
	// created are the shipments the replay made: they had no state before.
	created map[int64]bool
}

// shipmentMark is a shipment's state and findings at one moment.
type shipmentMark struct {
	ref, state, findings string
}

// ReplayFile is a journal entry with the mapping version that read it.
type ReplayFile struct {
	*clearway.File
	Mapping, MappingHash string
}

// ReplaySelection picks the journal entries a replay re-reads; zero fields
// match everything. Only settled files (done, rejected) are replayed.
type ReplaySelection struct {
	Partner      string
	Since, Until time.Time // received at, Until exclusive
	States       []clearway.FileState
	IDs          []int64
	Newest       int   // only the latest n (oldest first still); 0: all
	Before       int64 // only entries older than this one; 0: any
}

// ReplayFiles lists the entries a selection names, oldest first.
func (db *DB) ReplayFiles(ctx context.Context, s ReplaySelection) ([]ReplayFile, error) {
	where := []string{"state IN ('done', 'rejected')"}
	var args []any
	if s.Partner != "" {
		where, args = append(where, "partner = ?"), append(args, s.Partner)
	}
	if !s.Since.IsZero() {
		where, args = append(where, "received_at >= ?"), append(args, formatTime(s.Since))
	}
	if !s.Until.IsZero() {
		where, args = append(where, "received_at < ?"), append(args, formatTime(s.Until))
	}
	if len(s.States) > 0 {
		where = append(where, "state IN (?"+strings.Repeat(", ?", len(s.States)-1)+")")
		for _, st := range s.States {
			args = append(args, string(st))
		}
	}
	if s.Before > 0 {
		where, args = append(where, "id < ?"), append(args, s.Before)
	}
	if len(s.IDs) > 0 {
		where = append(where, "id IN (?"+strings.Repeat(", ?", len(s.IDs)-1)+")")
		for _, id := range s.IDs {
			args = append(args, id)
		}
	}
	q := `SELECT ` + fileColumns + `, mapping, mapping_hash FROM files WHERE ` + strings.Join(where, " AND ")
	if s.Newest > 0 {
		q = fmt.Sprintf(`SELECT * FROM (%s ORDER BY id DESC LIMIT %d) latest`, q, s.Newest)
	}
	q += ` ORDER BY id`
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("files to replay: %w", err)
	}
	defer rows.Close()
	var out []ReplayFile
	for rows.Next() {
		var r ReplayFile
		f, err := scanFile(rows, &r.Mapping, &r.MappingHash)
		if err != nil {
			return nil, err
		}
		r.File = f
		out = append(out, r)
	}
	return out, rows.Err()
}

// BeginReplay opens the transaction that re-reads a settled file with a
// mapping version: what it writes is what Ingest writes, every line is
// reported to onLine, and the writes are made on behalf of by (user:LOGIN).
// Rollback makes it a dry run; CommitReplay makes it real.
func (db *DB) BeginReplay(ctx context.Context, f ReplayFile, mappingName, mappingHash, by string, lines replay.Sink) (*Ingest, error) {
	in, err := db.BeginIngest(ctx, f.File, mappingName, mappingHash)
	if err != nil {
		return nil, err
	}
	w := &replayWatch{by: by, fromHash: f.MappingHash, lines: lines, seed: maphash.MakeSeed(), seen: map[uint64]struct{}{}, created: map[int64]bool{}}
	// The file's state as the transaction sees it: another replay may have
	// settled it since it was listed.
	if err := in.tx.QueryRowContext(in.ctx, `SELECT state FROM files WHERE id = ?`, f.ID).Scan(&w.fromState); err != nil {
		in.Rollback()
		return nil, fmt.Errorf("replay file %d: %w", f.ID, err)
	}
	if w.fromState != clearway.FileDone && w.fromState != clearway.FileRejected {
		in.Rollback()
		return nil, clearway.Errorf(clearway.ECONFLICT, "file %d is %s: only done and rejected files are replayed", f.ID, w.fromState)
	}
	res, err := in.tx.ExecContext(in.ctx, `INSERT INTO replays (file_id, at, by, mapping, mapping_hash, from_mapping_hash, from_state, to_state, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}')`,
		f.ID, in.now, by, mappingName, mappingHash, f.MappingHash, string(w.fromState), string(w.fromState))
	if err == nil {
		w.id, err = res.LastInsertId()
	}
	if err != nil {
		in.Rollback()
		return nil, fmt.Errorf("replay file %d: %w", f.ID, err)
	}
	in.replay = w
	return in, nil
}

// ReplayID is the replay record the transaction writes (0 outside a replay).
func (in *Ingest) ReplayID() int64 {
	if in.replay == nil {
		return 0
	}
	return in.replay.id
}

// FromState is the file's state when the replay began.
func (in *Ingest) FromState() clearway.FileState { return in.replay.fromState }

// seeLine notes that the replayed file still has this line.
func (in *Ingest) seeLine(kind, key string) {
	if in.replay == nil {
		return
	}
	in.replay.seen[maphash.String(in.replay.seed, kind+"\x00"+key)] = struct{}{}
}

// wantLine counts a line the replay writes and says whether its detail
// is wanted; outside a replay it costs nothing.
func (in *Ingest) wantLine(op replay.Op, held bool) bool {
	return in.replay != nil && in.replay.lines != nil && in.replay.lines.Count(op, held)
}

// reportLine tells the replay's caller about a line written, given as
// stored rows ("" for none).
func (in *Ingest) reportLine(op replay.Op, kind, key string, shipment int64, before, after string, held bool) error {
	return in.reportRows(op, kind, key, shipment, before, after, held, "")
}

// reportKept tells of a line the replay leaves as a later file wrote it.
func (in *Ingest) reportKept(f pendingFact, stored string, writer int64) error {
	return in.reportRows(replay.Kept, f.kind, f.key, f.shipment, stored, f.fields, false, fmt.Sprintf("file %d wrote it since", writer))
}

func (in *Ingest) reportRows(op replay.Op, kind, key string, shipment int64, before, after string, held bool, note string) error {
	if !in.wantLine(op, held) {
		return nil
	}
	var b, a map[string]string
	var err error
	if before != "" {
		if b, err = in.db.layouts.decode(before); err != nil {
			return err
		}
	}
	if after != "" {
		if a, err = in.db.layouts.decode(after); err != nil {
			return err
		}
	}
	in.keepLine(op, kind, key, shipment, b, a, held, note)
	return nil
}

// reportChange is reportLine for fields given as maps.
func (in *Ingest) reportChange(op replay.Op, kind, key string, shipment int64, before, after map[string]string, held bool, note string) {
	if in.wantLine(op, held) {
		in.keepLine(op, kind, key, shipment, before, after, held, note)
	}
}

func (in *Ingest) keepLine(op replay.Op, kind, key string, shipment int64, before, after map[string]string, held bool, note string) {
	l := replay.Line(op, kind, key, before, after)
	if shipment != 0 {
		l.Shipment = ShipmentRef(shipment)
	}
	l.Held, l.Note = held, note
	in.replay.lines.Keep(l)
}

// SettleReplay finishes the replayed file's writes: lines the file no
// longer has are removed, and every touched shipment is re-assessed. It
// returns the shipments whose state or findings moved.
func (in *Ingest) SettleReplay() ([]replay.ShipmentChange, error) {
	if err := in.storePending(); err != nil {
		return nil, err
	}
	before, err := in.markShipments()
	if err != nil {
		return nil, err
	}
	if err := in.assessTouched(); err != nil {
		return nil, err
	}
	after, err := in.markShipments()
	if err != nil {
		return nil, err
	}
	var out []replay.ShipmentChange
	for _, id := range slices.Sorted(maps.Keys(after)) {
		b, a := before[id], after[id]
		if in.replay.created[id] {
			b = shipmentMark{}
		}
		fb, err := decodeFindings(b.findings)
		if err != nil {
			return nil, err
		}
		fa, err := decodeFindings(a.findings)
		if err != nil {
			return nil, err
		}
		if c, moved := replay.Compare(a.ref, b.state, a.state, fb, fa); moved {
			out = append(out, c)
		}
	}
	return out, nil
}

// CommitReplay makes a settled replay real: the file is done, read by the
// replay's mapping version, and the replay record holds what changed.
func (in *Ingest) CommitReplay(records int, summary replay.Counts) error {
	return in.commitWith(fmt.Sprintf("replay of file %d", in.file.ID), func() error { return in.markReplayed(records, summary) })
}

// markReplayed records the file as done by the replay's mapping version,
// and what the replay changed.
func (in *Ingest) markReplayed(records int, summary replay.Counts) error {
	w := in.replay
	sum, _ := json.Marshal(summary)
	if _, err := in.exec(`UPDATE files SET state = 'done', error = '', mapping = ?, mapping_hash = ?, records = ?, updated_at = ? WHERE id = ?`,
		in.mapping, in.hash, records, in.now, in.file.ID); err != nil {
		return fmt.Errorf("replay file %d: %w", in.file.ID, err)
	}
	if _, err := in.exec(`UPDATE replays SET to_state = 'done', summary = ? WHERE id = ?`, string(sum), w.id); err != nil {
		return fmt.Errorf("replay file %d: %w", in.file.ID, err)
	}
	after, _ := json.Marshal(map[string]any{"replay": w.id, "mapping": in.mapping, "mapping_hash": in.hash, "from_mapping_hash": w.fromHash,
		"from_state": w.fromState, "lines": summary})
	return in.audit("file", in.file.ID, "replay", nil, after)
}

// removeUnseen deletes, audited, the lines the replayed file wrote before
// and no longer has. Only lines the file still owns go: one a later file
// wrote is that file's. One pass over the file's lines finds them (by the
// facts_file index, in no order); they are read again one by one to go.
func (in *Ingest) removeUnseen() error {
	if in.replay == nil {
		return nil
	}
	rows, err := in.tx.QueryContext(in.ctx, `SELECT id, kind, key FROM facts WHERE file_id = ?`, in.file.ID)
	if err != nil {
		return fmt.Errorf("replay file %d: %w", in.file.ID, err)
	}
	var gone []int64
	for rows.Next() {
		var id int64
		var kind, key string
		if err := rows.Scan(&id, &kind, &key); err != nil {
			rows.Close()
			return err
		}
		if _, ok := in.replay.seen[maphash.String(in.replay.seed, kind+"\x00"+key)]; !ok {
			gone = append(gone, id)
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("replay file %d: %w", in.file.ID, err)
	}
	for _, id := range gone {
		var kind, key, fields string
		var shipment int64
		if err := in.tx.QueryRowContext(in.ctx, `SELECT kind, key, fields, COALESCE(shipment_id, 0) FROM facts WHERE id = ?`, id).Scan(&kind, &key, &fields, &shipment); err != nil {
			return fmt.Errorf("replay file %d: line %d: %w", in.file.ID, id, err)
		}
		if err := in.removeLine(id, kind, key, fields, shipment); err != nil {
			return err
		}
	}
	return nil
}

func (in *Ingest) removeLine(id int64, kind, key, fields string, shipment int64) error {
	if _, err := in.exec(`DELETE FROM facts WHERE id = ?`, id); err != nil {
		return fmt.Errorf("remove %s %s: %w", kind, key, err)
	}
	in.Stats.Updated[kind]++
	if shipment != 0 {
		in.touch(shipment)
	}
	before, err := in.db.layouts.objectJSON(fields)
	if err != nil {
		return fmt.Errorf("fact %d: %w", id, err)
	}
	if err := in.audit("fact", id, "delete", before, nil); err != nil {
		return err
	}
	return in.reportLine(replay.Removed, kind, key, shipment, fields, "", false)
}

// markShipments reads the touched shipments' state and findings.
func (in *Ingest) markShipments() (map[int64]shipmentMark, error) {
	out := make(map[int64]shipmentMark, len(in.touched))
	s, err := in.stmt(`SELECT ref, state, COALESCE(findings, '') FROM shipments WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	for id := range in.touched {
		var m shipmentMark
		err := s.QueryRowContext(in.ctx, id).Scan(&m.ref, &m.state, &m.findings)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", ShipmentRef(id), err)
		}
		out[id] = m
	}
	return out, nil
}

func decodeFindings(raw string) ([]validate.Finding, error) {
	if raw == "" || raw == "null" {
		return nil, nil
	}
	var fs []validate.Finding
	if err := json.Unmarshal([]byte(raw), &fs); err != nil {
		return nil, fmt.Errorf("stored findings: %w", err)
	}
	return fs, nil
}
