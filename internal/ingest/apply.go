package ingest

import (
	"errors"
	"sync/atomic"

	"github.com/clearway/clearway/internal/mapping"
	"github.com/clearway/clearway/internal/sqlite"
)

// applier stores mapped records in a file's transaction on a goroutine of
// its own, so that mapping the next records (reading, converting) overlaps
// with SQLite writing the last ones. Records travel in batches through a
// bounded channel: memory stays flat however big the file is. Records are
// applied in the order they were mapped.
//
// The transaction belongs to the applier from start to finish: nothing else
// may use it in between.
type applier struct {
	tx   *sqlite.Ingest
	prep *sqlite.Preparer // the mapping goroutine's
	cur  *recordBatch
	full chan *recordBatch // mapped, waiting to be applied
	free chan *recordBatch // applied, to be filled again
	done chan struct{}

	// Set by the applier goroutine before it sets refused or failed; read
	// by the others after finish.
	err       error
	storeErrs []*mapping.InputError
	refused   atomic.Bool // the store refused a record: the file is rejected
	failed    atomic.Bool // an internal error: the mapping may stop
}

// recordBatch is a run of mapped records, prepared for the store, their
// values copied out of the engine's reused record.
type recordBatch struct {
	recs   []sqlite.Prepared
	values []string
}

const (
	applyBatch = 256 // records a batch
	applyDepth = 4   // batches in flight besides the ones being filled and applied
)

// errApplyStopped ends the mapping early once the applier has stopped.
var errApplyStopped = errors.New("ingest: store stopped")

// startApplier starts applying records to tx.
func startApplier(tx *sqlite.Ingest) *applier {
	a := &applier{tx: tx, prep: tx.Preparer(), full: make(chan *recordBatch, applyDepth), free: make(chan *recordBatch, applyDepth+2), done: make(chan struct{})}
	for range applyDepth + 2 {
		a.free <- &recordBatch{}
	}
	go a.run()
	return a
}

// emit queues a mapped record; it fails once the applier has stopped on an
// internal error, so the mapping ends early. After a record the store
// refused, mapping goes on to report its own errors, and nothing more is
// queued.
func (a *applier) emit(rec *mapping.Record) error {
	if a.failed.Load() {
		return errApplyStopped
	}
	if a.refused.Load() {
		return nil
	}
	if a.cur == nil {
		a.cur = <-a.free
		a.cur.recs, a.cur.values = a.cur.recs[:0], a.cur.values[:0]
	}
	b := a.cur
	if cap(b.values)-len(b.values) < len(rec.Values) {
		// A new array: the records already in the batch keep the old one.
		b.values = make([]string, 0, max(applyBatch*len(rec.Values), 2*cap(b.values)))
	}
	start := len(b.values)
	b.values = append(b.values, rec.Values...)
	// The engine's names are shared and never changed.
	b.recs = append(b.recs, sqlite.Prepared{Kind: rec.Kind, Names: rec.Names, Values: b.values[start:len(b.values):len(b.values)], Source: rec.Source})
	a.prep.Prepare(&b.recs[len(b.recs)-1])
	if len(b.recs) == applyBatch {
		a.full <- b
		a.cur = nil
	}
	return nil
}

// finish applies what is still queued and waits for the applier to end; it
// returns the internal error that stopped it, if any. The transaction is
// the caller's again afterwards.
func (a *applier) finish() error {
	if a.cur != nil && len(a.cur.recs) > 0 {
		a.full <- a.cur
	}
	a.cur = nil
	close(a.full)
	<-a.done
	return a.err
}

func (a *applier) run() {
	defer close(a.done)
	for b := range a.full {
		if a.err == nil && len(a.storeErrs) == 0 {
			a.apply(b)
		}
		a.free <- b
	}
}

// apply stores one batch; it stops the applier at the first record the
// store refuses or cannot take.
func (a *applier) apply(b *recordBatch) {
	_, err := a.tx.ApplyPrepared(b.recs)
	if err == nil {
		return
	}
	if re, ok := errors.AsType[*sqlite.RecordError](err); ok {
		a.storeErrs = append(a.storeErrs, &mapping.InputError{Pos: re.Source, Msg: re.Msg, Hint: "the mapping must give this value"})
		a.refused.Store(true)
	} else {
		a.err = err
		a.failed.Store(true)
	}
}
