package sqlite

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Lines into PostgreSQL by COPY (issue 16). A row INSERT costs PostgreSQL
// several times what it costs SQLite, and most of a big file's lines are
// new: they are copied straight into facts, a chunk at a time, each COPY
// in a savepoint. A line that exists already makes the COPY fail (the
// unique key); the savepoint undoes that COPY alone, the chunk's existing
// lines are read in one query, the others copied, and the existing ones go
// through the usual audited update (settleBatch), in the chunk's order.
//
// While a file sends only purchase-order lines, which need no statement of
// their own (no shipment to resolve), the COPY is open as they are mapped:
// the server inserts one part of the chunk while the next is mapped.
// Anything else that needs the connection ends it first (endStream).

// pgBulk is a file's state of the COPY path.
type pgBulk struct {
	min, chunk int // fewer lines than min go in row batches; a COPY carries chunk at most
	// lookupFirst: the last chunk met lines that existed, so the next
	// one's are looked up before copying (a resend is likely whole).
	lookupFirst bool
	stream      *factStream // the COPY open while lines are mapped
}

// Default sizes. A chunk is kept in memory until its COPY is through (the
// lines are needed again when one existed), and each COPY is a
// subtransaction: past 64 in one transaction, PostgreSQL's snapshots of
// other sessions get slower, so chunks are big.
const (
	bulkMin   = 4096
	bulkChunk = 65536
	// streamRun is how many lines go to the COPY at a time.
	streamRun = 256
)

// bulkSizes are the line counts that steer the COPY path (DB.bulk); zero
// fields take the defaults, a negative min turns the path off. Tests
// lower them to run the path on small files.
type bulkSizes struct{ min, chunk int }

// newBulk is a file's COPY path on PostgreSQL (nil: row batches only).
func (db *DB) newBulk() *pgBulk {
	if !db.postgres() || db.bulk.min < 0 {
		return nil
	}
	b := &pgBulk{min: db.bulk.min, chunk: db.bulk.chunk}
	if b.min <= 0 {
		b.min = bulkMin
	}
	if b.chunk < b.min {
		b.chunk = max(bulkChunk, b.min)
	}
	return b
}

// bulkOn reports whether the file's lines take the COPY path: on
// PostgreSQL, outside replays (a replay reports every line it writes).
func (in *Ingest) bulkOn() bool { return in.bulk != nil && in.replay == nil }

// queuedBulk follows a line queued on the COPY path: the chunk is stored
// when full, the line streamed when a COPY is open, and one opened when
// enough purchase-order lines (streamable) wait.
func (in *Ingest) queuedBulk(streamable bool) error {
	b := in.bulk
	switch {
	case len(in.pending) >= b.chunk:
		return in.flush()
	case b.stream != nil:
		if !b.stream.feed(in.pending, false) {
			return in.flush() // the COPY stopped: a line existed
		}
	case streamable && !b.lookupFirst && len(in.pending) >= b.min:
		return in.openStream()
	}
	return nil
}

// endStream stores the lines of an open COPY, so the connection is free
// for another statement.
func (in *Ingest) endStream() error {
	if in.bulk == nil || in.bulk.stream == nil {
		return nil
	}
	return in.flush()
}

// flushBulk stores a chunk of lines by COPY and settles it.
func (in *Ingest) flushBulk(batch []pendingFact) error {
	copied, err := in.copyChunk(batch)
	if err != nil {
		return err
	}
	if copied {
		return in.settleBatch(batch, func(int) (*storedLine, bool) { return nil, false })
	}
	old, err := in.storedFacts(batch)
	if err != nil {
		return err
	}
	in.bulk.lookupFirst = len(old) > 0
	fresh := make([]pendingFact, 0, len(batch)-len(old))
	for i, f := range batch {
		if _, ok := old[i]; !ok {
			fresh = append(fresh, f)
		}
	}
	if err := in.copyFresh(fresh, batch, old); err != nil {
		return err
	}
	return in.settleBatch(batch, func(i int) (*storedLine, bool) {
		f, ok := old[i]
		return f, ok
	})
}

// copyChunk copies the whole chunk (through the open COPY, or in one
// now) unless the last chunk met existing lines. It reports whether every
// line was new and is stored.
func (in *Ingest) copyChunk(batch []pendingFact) (bool, error) {
	if s := in.bulk.stream; s != nil {
		in.bulk.stream = nil
		return in.endSavepoint(s.finish(batch))
	}
	if in.bulk.lookupFirst {
		return false, nil
	}
	return in.copyOnce(batch)
}

// copyFresh copies the lines of a chunk that did not exist when it was
// looked up. Another node may have added one since: then they go in row
// batches, which leave it alone, and it joins the lines that existed.
func (in *Ingest) copyFresh(fresh, batch []pendingFact, old map[int]*storedLine) error {
	if len(fresh) == 0 {
		return nil
	}
	if ok, err := in.copyOnce(fresh); ok || err != nil {
		return err
	}
	added := map[factID]bool{}
	for len(fresh) > 0 {
		n := min(len(fresh), batchSize)
		args := in.rowArgs(fresh[:n])
		inserted, err := in.insertReturning(fresh[:n], args)
		clear(args)
		if err != nil {
			return err
		}
		for id := range inserted {
			added[id] = true
		}
		fresh = fresh[n:]
	}
	for i, f := range batch {
		if _, ok := old[i]; !ok && !added[factID{f.kind, f.key}] {
			old[i] = nil // read by updateFact
		}
	}
	return nil
}

// copyOnce copies lines into facts in a savepoint; false when one
// existed (nothing was copied).
func (in *Ingest) copyOnce(lines []pendingFact) (bool, error) {
	if err := in.savepoint(); err != nil {
		return false, err
	}
	rows := make(chan []pendingFact, 1)
	rows <- lines
	close(rows)
	return in.endSavepoint(in.copyFacts(rows))
}

// storedFacts reads the stored rows of a chunk's lines that exist, by
// their index in the chunk: one query, an index probe a line (LATERAL …
// LIMIT 1 keeps the plan to that however the planner sees the tables).
func (in *Ingest) storedFacts(batch []pendingFact) (map[int]*storedLine, error) {
	kinds, keys := make([]string, len(batch)), make([]string, len(batch))
	for i, f := range batch {
		kinds[i], keys[i] = f.kind, f.key
	}
	rows, err := in.tx.QueryContext(in.ctx, `SELECT u.n, f.id, f.fields, COALESCE(f.shipment_id, 0), f.file_id
		FROM unnest(?1::text[], ?2::text[]) WITH ORDINALITY AS u (kind, key, n)
		CROSS JOIN LATERAL (SELECT id, fields, shipment_id, file_id FROM facts WHERE facts.kind = u.kind AND facts.key = u.key LIMIT 1) f`, kinds, keys)
	if err != nil {
		return nil, fmt.Errorf("read stored lines: %w", err)
	}
	defer rows.Close()
	old := map[int]*storedLine{}
	for rows.Next() {
		var n int
		var f storedLine
		if err := rows.Scan(&n, &f.id, &f.fields, &f.shipment, &f.writer); err != nil {
			return nil, fmt.Errorf("read stored lines: %w", err)
		}
		old[n-1] = &f
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read stored lines: %w", err)
	}
	return old, nil
}

func (in *Ingest) savepoint() error {
	if _, err := in.tx.ExecContext(in.ctx, `SAVEPOINT bulk_lines`); err != nil {
		return fmt.Errorf("store lines: %w", err)
	}
	return nil
}

// endSavepoint keeps what a COPY stored (true), or undoes it when a line
// existed (false); any other failure is the file's.
func (in *Ingest) endSavepoint(copyErr error) (bool, error) {
	var pgErr *pgconn.PgError
	switch {
	case copyErr == nil:
		_, err := in.tx.ExecContext(in.ctx, `RELEASE SAVEPOINT bulk_lines`)
		return err == nil, wrapNil("store lines", err)
	case errors.As(copyErr, &pgErr) && pgErr.Code == "23505": // unique_violation
		_, err := in.tx.ExecContext(in.ctx, `ROLLBACK TO SAVEPOINT bulk_lines`)
		if err == nil {
			_, err = in.tx.ExecContext(in.ctx, `RELEASE SAVEPOINT bulk_lines`)
		}
		return false, wrapNil("store lines", err)
	}
	return false, fmt.Errorf("store lines: %w", copyErr)
}

func wrapNil(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// factColumns are the columns a COPY fills, in factSource's order.
var factColumns = []string{"kind", "key", "shipment_id", "fields", "file_id", "source"}

// copyFacts copies the lines sent on rows into facts, in the file's
// transaction (pgx's CopyFrom on the transaction's own connection), until
// rows is closed.
func (in *Ingest) copyFacts(rows <-chan []pendingFact) error {
	return in.conn.Raw(func(dc any) error {
		conn := dc.(*pgConn).Conn.Conn()
		_, err := conn.CopyFrom(in.ctx, pgx.Identifier{"facts"}, factColumns, &factSource{rows: rows, fileID: in.file.ID})
		return err
	})
}

// factSource hands a COPY the lines sent on rows, in order.
type factSource struct {
	rows   <-chan []pendingFact
	cur    []pendingFact
	fileID any
	vals   [6]any
}

func (s *factSource) Next() bool {
	for len(s.cur) == 0 {
		var ok bool
		if s.cur, ok = <-s.rows; !ok {
			return false
		}
	}
	f := &s.cur[0]
	s.cur = s.cur[1:]
	s.vals = [6]any{f.kind, f.key, nullID(f.shipment), f.fields, s.fileID, f.source}
	return true
}

func (s *factSource) Values() ([]any, error) { return s.vals[:], nil }
func (s *factSource) Err() error             { return nil }

// factStream is a COPY into facts fed while the file is mapped. It owns
// the connection until finished: the file's other statements wait for it.
type factStream struct {
	rows chan []pendingFact
	done chan struct{}
	sent int   // lines of the chunk handed over
	err  error // the COPY's, once done is closed
}

// openStream opens a COPY, in a savepoint, and hands it the lines queued.
func (in *Ingest) openStream() error {
	if err := in.savepoint(); err != nil {
		return err
	}
	s := &factStream{rows: make(chan []pendingFact, 8), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.err = in.copyFacts(s.rows)
	}()
	in.bulk.stream = s
	if !s.feed(in.pending, true) {
		return in.flush()
	}
	return nil
}

// feed hands the COPY the lines queued since the last call, streamRun at
// a time (all: whatever is left); false when the COPY stopped early. The
// lines handed over are never written again: pending only grows until
// the stream is finished.
func (s *factStream) feed(pending []pendingFact, all bool) bool {
	n := len(pending) - s.sent
	if n == 0 || (n < streamRun && !all) {
		return true
	}
	select {
	case s.rows <- pending[s.sent:len(pending):len(pending)]:
		s.sent = len(pending)
		return true
	case <-s.done:
		return false
	}
}

// finish hands over the last lines, ends the COPY and returns its error.
func (s *factStream) finish(pending []pendingFact) error {
	s.feed(pending, true)
	close(s.rows)
	<-s.done
	return s.err
}

// abortStream ends an open COPY before the file's transaction is rolled
// back (the rollback undoes it).
func (in *Ingest) abortStream() {
	if in.bulk == nil || in.bulk.stream == nil {
		return
	}
	s := in.bulk.stream
	in.bulk.stream = nil
	close(s.rows)
	<-s.done
}
