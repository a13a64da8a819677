package mapping

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/x12"
)

// x12 maps an X12 file. Loops are found greedily with look-ahead on
// qualifiers, never by backtracking (EDI.md §3), and without a schema:
//
//   - an occurrence of a for_each segment (X4, PO1, N1[ST]) runs until the
//     next segment with the same id, or the next segment whose id appeared
//     before the first occurrence in the set (an enclosing-level segment such
//     as P4 or V9), or SE;
//   - an HL occurrence runs until the next HL; its enclosing loops are its
//     parents by HL02;
//   - an element is looked up in the occurrence first, then the enclosing
//     loops (HL parents), then the nearest preceding segment of the set
//     outside earlier occurrences (the transaction header, P4, M10, …).
//
// Only the current occurrence, the HL ancestor path and the latest context
// segment per id are kept, so memory does not grow with the file.
func (r *run) x12() error {
	plans := r.plan()
	states := make([]*loopState, len(plans))
	for i, p := range plans {
		states[i] = &loopState{plan: p}
	}
	var setOK bool
	visit := func(ic *x12.Interchange, g *x12.Group, ts *x12.TransactionSet, seg *x12.Segment) error {
		switch seg.ID {
		case "ST":
			setOK = r.m.X12.Transaction == "" || ts.ID == r.m.X12.Transaction
			if !setOK {
				r.fileError(segPos(seg, ""), fmt.Sprintf("transaction set %s, but mapping %s reads %s", ts.ID, r.m.Name, r.m.X12.Transaction),
					"send this transaction set under a name that a mapping for it matches")
			}
			if len(r.m.Match.Sender) > 0 && !slices.Contains(r.m.Match.Sender, ic.SenderID) {
				setOK = false
				r.fileError(segPos(seg, ""), fmt.Sprintf("interchange sender %q is not one this mapping accepts (%s)", ic.SenderID, strings.Join(r.m.Match.Sender, ", ")), "")
			}
			for _, st := range states {
				st.reset()
			}
			return nil
		case "SE":
			if !setOK {
				return nil
			}
			for _, st := range states {
				if err := st.close(r, ic.Delimiters); err != nil {
					return err
				}
			}
			return nil
		}
		if !setOK {
			return nil
		}
		for _, st := range states {
			if err := st.segment(r, seg, ic.Delimiters); err != nil {
				return err
			}
		}
		return nil
	}
	ics, err := x12.Validate(r.in.R, visit)
	r.res.Interchanges = ics
	var ee *emitError
	if errors.As(err, &ee) {
		return err
	}
	if err != nil {
		var se *x12.SyntaxError
		if errors.As(err, &se) {
			r.fileError(clearway.Position{Segment: se.Index, Line: se.Line, Offset: se.Offset}, se.Msg, "")
		} else {
			r.fileError(clearway.Position{}, err.Error(), fmt.Sprintf("this mapping (%s) reads X12 files", r.m.Name))
		}
		return nil
	}
	for _, ic := range ics {
		r.envelopeErrors(ic.Errors)
		for _, g := range ic.Groups {
			r.envelopeErrors(g.Errors)
			for _, ts := range g.Sets {
				r.envelopeErrors(ts.Errors)
			}
		}
	}
	return nil
}

// envelopeErrors reports envelope faults: they reject the file, since counts
// and control numbers that do not add up mean it may be incomplete.
func (r *run) envelopeErrors(errs []*x12.EnvelopeError) {
	for _, e := range errs {
		pos := clearway.Position{Segment: e.SegmentIndex, Line: e.Line, Offset: e.Offset}
		if el := fmt.Sprintf("%s%02d", e.SegmentID, e.Element); e.SegmentID != "" && e.Element > 0 && !strings.HasPrefix(e.Msg, el) {
			pos.Element = el
		}
		r.fileError(pos, e.Msg, "the envelope (ISA/GS/ST counts and control numbers) must match the content; the file may be cut short")
	}
}

func segPos(seg *x12.Segment, loop string) clearway.Position {
	return clearway.Position{Segment: seg.Index, Line: seg.Line, Offset: seg.Offset, Loop: loop}
}

// loopState follows one record spec's occurrences through a transaction set.
type loopState struct {
	plan *recordPlan

	levelIDs map[string]bool         // ids seen before the first occurrence
	context  map[string]*x12.Segment // latest segment outside occurrences, by id and id[qual]
	started  bool                    // an occurrence was seen in this set
	current  []*x12.Segment          // the open occurrence (first is the for_each segment)
	matches  bool                    // the open occurrence is one to map (qualifier fits)

	hlStack []*hlLoop // HL: the ancestor path of the open HL

	free []*x12.Segment // copies of closed loops, reused for new ones
}

// keep copies a segment for as long as its loop is open.
func (st *loopState) keep(seg *x12.Segment) *x12.Segment {
	var dst *x12.Segment
	if n := len(st.free); n > 0 {
		dst, st.free = st.free[n-1], st.free[:n-1]
	}
	return seg.CopyTo(dst)
}

// release returns a closed loop's segments for reuse.
func (st *loopState) release(segs []*x12.Segment) {
	st.free = append(st.free, segs...)
}

type hlLoop struct {
	id, parent string
	segs       []*x12.Segment
}

func (st *loopState) reset() {
	st.levelIDs = map[string]bool{}
	st.context = map[string]*x12.Segment{}
	st.started, st.current, st.matches, st.hlStack = false, nil, false, nil
}

func (st *loopState) sel() segSelector { return st.plan.spec.forEach }

func (st *loopState) segment(r *run, seg *x12.Segment, d x12.Delimiters) error {
	sel := st.sel()
	if sel.id == "HL" {
		return st.hlSegment(r, seg, d)
	}
	switch {
	case seg.ID == sel.id:
		if err := st.close(r, d); err != nil {
			return err
		}
		if qualifies(seg, sel) {
			st.started, st.matches = true, true
			st.current = append(st.current[:0], st.keep(seg))
		} else {
			st.remember(seg)
		}
	case len(st.current) > 0 && !st.levelIDs[seg.ID]:
		st.current = append(st.current, st.keep(seg))
	default:
		if len(st.current) > 0 { // an enclosing-level segment ends the occurrence
			if err := st.close(r, d); err != nil {
				return err
			}
		}
		if !st.started {
			st.levelIDs[seg.ID] = true
		}
		st.remember(seg)
	}
	return nil
}

// hlSegment tracks the HL tree: each HL's loop is kept while it is on the
// path to the open HL.
func (st *loopState) hlSegment(r *run, seg *x12.Segment, d x12.Delimiters) error {
	if seg.ID != "HL" {
		if len(st.hlStack) == 0 {
			st.remember(seg) // transaction header
			return nil
		}
		top := st.hlStack[len(st.hlStack)-1]
		top.segs = append(top.segs, st.keep(seg))
		return nil
	}
	if err := st.close(r, d); err != nil {
		return err
	}
	id, parent := string(seg.Element(1)), string(seg.Element(2))
	for len(st.hlStack) > 0 && st.hlStack[len(st.hlStack)-1].id != parent {
		st.release(st.hlStack[len(st.hlStack)-1].segs)
		st.hlStack = st.hlStack[:len(st.hlStack)-1]
	}
	if parent != "" && len(st.hlStack) == 0 {
		pos := segPos(seg, "HL")
		pos.Element = "HL02"
		r.fileError(pos, fmt.Sprintf("HL %s names parent %s, which is not an open HL before it", id, parent), "each HL02 must be the HL01 of an earlier HL on the same path")
	}
	st.hlStack = append(st.hlStack, &hlLoop{id: id, parent: parent, segs: []*x12.Segment{st.keep(seg)}})
	st.started = true
	st.matches = qualifies(seg, st.sel())
	return nil
}

// remember keeps a segment outside occurrences as context: the latest by id
// and by id[qualifier]. (Context is small: header and enclosing segments.)
func (st *loopState) remember(seg *x12.Segment) {
	c := seg.Clone()
	st.context[seg.ID] = c
	if q := seg.Element(1); len(q) > 0 {
		st.context[seg.ID+"["+string(q)+"]"] = c
	}
}

// close maps the open occurrence, if it is one to map.
func (st *loopState) close(r *run, d x12.Delimiters) error {
	sel := st.sel()
	var own []*x12.Segment
	var parents [][]*x12.Segment
	if sel.id == "HL" {
		if len(st.hlStack) == 0 || !st.matches {
			return nil
		}
		own = st.hlStack[len(st.hlStack)-1].segs
		for i := len(st.hlStack) - 2; i >= 0; i-- {
			parents = append(parents, st.hlStack[i].segs)
		}
		st.matches = false
	} else {
		if len(st.current) == 0 {
			return nil
		}
		own = st.current
		st.matches = false
		err := st.emit(r, own, parents, d)
		st.release(own)
		st.current = st.current[:0]
		return err
	}
	return st.emit(r, own, parents, d)
}

func (st *loopState) emit(r *run, own []*x12.Segment, parents [][]*x12.Segment, d x12.Delimiters) error {
	p := st.plan
	start := own[0]
	loop := st.sel().String()
	lookup := func(ref elementRef) (string, *x12.Segment) {
		seg := findSegment(ref.sel, own)
		for i := 0; seg == nil && i < len(parents); i++ {
			seg = findSegment(ref.sel, parents[i])
		}
		if seg == nil {
			key := ref.sel.id
			if ref.sel.qual != "" {
				key += "[" + ref.sel.qual + "]"
			}
			seg = st.context[key]
		}
		if seg == nil {
			return "", nil
		}
		if ref.comp > 0 {
			return string(seg.Component(ref.elem, ref.comp, d)), seg
		}
		return string(seg.Element(ref.elem)), seg
	}
	if sw := p.spec.SkipWhen; sw != nil && sw.src.kind == srcElement {
		if text, _ := lookup(sw.src.elements[0]); sw.skip(text) {
			r.res.Skipped++
			return nil
		}
	}
	var errs []*InputError
	for i := range p.fields {
		fp := &p.fields[i]
		v := cellValue{text: fp.text}
		pos := segPos(start, loop)
		if !fp.constant && fp.spec.src.kind == srcElement {
			parts := make([]string, 0, len(fp.spec.src.elements))
			for _, ref := range fp.spec.src.elements {
				text, seg := lookup(ref)
				if seg != nil && len(fp.spec.src.elements) == 1 {
					pos = segPos(seg, loop)
				}
				parts = append(parts, strings.TrimSpace(text))
			}
			v.text = strings.Join(parts, fp.spec.src.join)
			pos.Element = fp.spec.src.elements[0].text
		}
		errs = r.fill(p, i, v, pos, errs)
	}
	if len(errs) > 0 {
		r.rowErrors(errs)
		return nil
	}
	p.rec.Source = segPos(start, loop)
	return r.send(&p.rec)
}

// findSegment returns the first segment in segs that the selector names.
func findSegment(sel segSelector, segs []*x12.Segment) *x12.Segment {
	for _, s := range segs {
		if s.ID == sel.id && qualifies(s, sel) {
			return s
		}
	}
	return nil
}

// qualifies reports whether seg fits the selector's qualifier: HL's level
// code is HL03, every other segment's qualifier is its first element.
func qualifies(seg *x12.Segment, sel segSelector) bool {
	if sel.qual == "" {
		return true
	}
	if seg.ID == "HL" {
		return string(seg.Element(3)) == sel.qual
	}
	return string(seg.Element(1)) == sel.qual
}
