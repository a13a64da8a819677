package sqlite

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/spine"
)

// Prepared is a record made ready to store: its fields and source position
// encoded as the store keeps them. Preparing does not touch the database,
// so a pipeline can prepare the next records on one goroutine while another
// applies the last ones (ApplyPrepared).
type Prepared struct {
	Kind          clearway.Kind
	Names, Values []string // as for ApplyFields
	Source        clearway.Position

	plan           *namesPlan // nil: not prepared
	fields, source string     // stored JSON; "" for kinds stored otherwise
}

// Preparer prepares records. It is not safe for concurrent use; a record it
// prepared may be applied on any goroutine.
type Preparer struct {
	layouts *layouts
	plans   planCache
	buf     []byte
	scratch []string
}

// Preparer returns a preparer for records this transaction will apply.
func (in *Ingest) Preparer() *Preparer { return &Preparer{layouts: in.db.layouts} }

// Prepare encodes p in place. p.Names must not change afterwards.
func (pr *Preparer) Prepare(p *Prepared) {
	p.plan = pr.plans.plan(pr.layouts, p.Kind, p.Names)
	p.fields, p.source = "", ""
	if p.Kind == clearway.KindShipment || p.Kind == clearway.KindDocument {
		return
	}
	var err error
	if pr.buf, err = p.plan.appendRow(pr.buf[:0], p.Values, &pr.scratch); err != nil {
		return // left to ApplyPrepared, which reports the error in order
	}
	p.fields = string(pr.buf)
	pr.buf = appendPosition(pr.buf[:0], p.Source)
	p.source = string(pr.buf)
}

// ApplyPrepared applies records in order, each as ApplyFields would, after
// looking up the identifiers they name together. It stops at the first
// error and returns the index of the record it could not apply (len(recs)
// when all were applied).
func (in *Ingest) ApplyPrepared(recs []Prepared) (int, error) {
	if len(in.shipments) > maxCachedIdentifiers {
		// A new map: a cleared one keeps its size. The identifiers this
		// file added are in its transaction, where lookups find them.
		in.shipments = make(map[ident]int64, maxCachedIdentifiers/4)
	}
	if err := in.prefetch(recs); err != nil {
		return 0, err
	}
	defer clear(in.absent)
	for i := range recs {
		p := &recs[i]
		plan := p.plan
		if plan == nil {
			plan = in.plans.plan(in.db.layouts, p.Kind, p.Names)
		}
		if err := in.apply(recView{kind: p.Kind, names: p.Names, values: p.Values, source: p.Source, plan: plan, fields: p.fields, sourceJSON: p.source}); err != nil {
			return i, err
		}
	}
	return len(recs), nil
}

// maxCachedIdentifiers bounds the identifiers a file's ingest remembers,
// so memory stays flat however many shipments a file names.
const maxCachedIdentifiers = 20_000

// maxPrefetch is how many identifier values one look-up query carries.
const maxPrefetch = 128

// prefetch looks up, a few queries for many records, the identifiers the
// records name that this file has not met yet: known ones go to the cache
// of shipments, unknown ones to absent, which holds until the records are
// applied (identifiers the file adds meanwhile go to the cache, which
// lookup reads first).
func (in *Ingest) prefetch(recs []Prepared) error {
	if in.absent == nil {
		in.absent = map[ident]bool{}
	}
	byKind := map[string][]string{}
	for i := range recs {
		p := &recs[i]
		plan := p.plan
		if plan == nil {
			plan = in.plans.plan(in.db.layouts, p.Kind, p.Names)
		}
		for _, j := range plan.ids {
			id := ident{p.Names[j], p.Values[j]}
			if id.value == "" || !spine.Strong(id.kind) || in.absent[id] {
				continue
			}
			if _, ok := in.shipments[id]; ok {
				continue
			}
			in.absent[id] = true // until found below
			byKind[id.kind] = append(byKind[id.kind], id.value)
		}
	}
	for kind, values := range byKind {
		for len(values) > 0 {
			n := min(len(values), maxPrefetch)
			if err := in.lookupMany(kind, values[:n]); err != nil {
				return err
			}
			values = values[n:]
		}
	}
	return nil
}

// lookupMany looks up identifiers of one kind, moving the ones found from
// absent to the cache. The value list is padded to a power of two (with
// repeats of the first) so that a file prepares few statements.
func (in *Ingest) lookupMany(kind string, values []string) error {
	n := 1 << bits.Len(uint(len(values)-1))
	s, err := in.stmt(lookupManyQuery(n))
	if err != nil {
		return err
	}
	args := make([]any, 0, n+1)
	args = append(args, kind)
	for i := range n {
		if i < len(values) {
			args = append(args, values[i])
		} else {
			args = append(args, values[0])
		}
	}
	rows, err := s.QueryContext(in.ctx, args...)
	if err != nil {
		return fmt.Errorf("look up %s: %w", kind, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id ident
		var sid int64
		if err := rows.Scan(&id.value, &sid); err != nil {
			return fmt.Errorf("look up %s: %w", kind, err)
		}
		id.kind = kind
		delete(in.absent, id)
		in.shipments[id] = sid
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("look up %s: %w", kind, err)
	}
	return nil
}

// lookupManyQuery finds the shipments of n identifier values (?2…) of one
// kind (?1).
func lookupManyQuery(n int) string {
	var q strings.Builder
	q.WriteString(`SELECT value, shipment_id FROM identifiers WHERE kind = ?1 AND value IN (?2`)
	for i := 1; i < n; i++ {
		fmt.Fprintf(&q, ", ?%d", i+2)
	}
	q.WriteString(`)`)
	return q.String()
}
