// Package ack writes the X12 acknowledgements Clearway sends back for an
// inbound interchange it has read: a 997 or 999 per interchange, with one
// acknowledgement transaction set per functional group, and a standalone
// TA1 for the interchange envelope (docs/EDI.md §2).
//
// Everything an acknowledgement says comes from what x12.Validate found
// (envelope faults with their TA1, AK905 and AK5 codes) and from the mapping
// problems the caller locates in a transaction set (AK3/AK4, IK3/IK4 detail).
// The package only writes bytes: choosing 997 or 999 per partner, keeping
// the control-number counters and sending the files are the caller's.
//
// Decisions worth knowing:
//
//   - Envelope: sender and receiver are the inbound's swapped (ISA05–08 and
//     GS02/GS03); the delimiters are the inbound's. ISA14 is always 0 (an
//     acknowledgement asks for no TA1), ISA01–04 are 00 and blanks.
//   - Version: a 997 interchange keeps the inbound ISA12 and each 997 group
//     the acknowledged group's GS08; a 999 interchange is at least 00501 and
//     its groups are 005010X231A1. ISA11 is the repetition separator from
//     00403 on (the inbound's, or one picked that clashes with nothing when
//     the inbound had none), "U" before.
//   - Groups: the 997/999 sets go into one FA group per distinct application
//     sender, receiver (and, for 997, version), numbered GS06 =
//     Options.GroupControl, +1, … (GroupCount says how many). Transaction set
//     control numbers run 0001, 0002, … through the interchange.
//   - Verdicts: a set with envelope faults or mapping problems is rejected
//     (AK501/IK501 R) with its AK5 codes, plus 5 ("one or more segments in
//     error") when it has problems; other sets are accepted (A). A group with
//     group-level faults (AK905 codes 3, 4, 5, 6) is rejected (AK901 R)
//     whatever its sets; otherwise AK901 is A when every set is accepted, P
//     when some are, and R when none is (an empty group included). AK902 and
//     AK903 both carry the sets counted (the tokenizer does not keep GE01 as
//     sent); AK904 the sets accepted.
//   - Detail: one AK3/IK3 per segment with problems, at its position in the
//     set counting ST as 1, with AK304 the segment-level code or 8 ("segment
//     has data element errors"), then one AK4/IK4 per element problem (at
//     most 99), position n or n:m (with the output component separator), the
//     data element reference left empty, and the bad value without
//     delimiters or control characters, cut to 99 bytes. A loop id longer
//     than 4 characters (AK303 is 1–4) is left out rather than cut. A
//     problem that does not fall inside its set still rejects it, without
//     AK3. No CTX segments are written in a 999.
//   - TA1: A with note 000 when the interchange has no TA1-coded faults, R
//     with the first fault's code otherwise. Segment-level faults (a
//     misplaced segment, code 022/024) count: Clearway rejects a file with
//     any envelope fault, so E ("accepted with errors") is never sent.
//   - No acknowledgements for acknowledgements: FA groups (inbound 997/999)
//     are never acknowledged, and an interchange that carries only FA
//     groups and TA1 segments gets neither a 997/999 nor a TA1.
//   - Line breaks: each segment ends with the inbound's terminator followed
//     by Options.LineBreak ("" by default); LineBreakOf reads what the
//     inbound put after its ISA terminator so the ack can look the same.
package ack

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/x12"
)

// Kind is the acknowledgement transaction set to write: "997" or "999".
type Kind string

// Kinds of acknowledgement.
const (
	Kind997 Kind = "997" // functional acknowledgement, any version
	Kind999 Kind = "999" // implementation acknowledgement, 005010X231A1
)

// ErrNoAck is wrapped by Build and TA1 for an interchange that must not be
// acknowledged that way: one carrying only acknowledgements (FA groups, TA1
// segments), or, for Build, one without a functional group.
var ErrNoAck = errors.New("no acknowledgement for this interchange")

// SetProblem is a mapping problem located in one transaction set, reported
// as AK3/AK4 (IK3/IK4) detail.
type SetProblem struct {
	SegmentIndex int    // 1-based index of the segment in the file (mapping.InputError.Pos.Segment)
	SegmentID    string // e.g. "X4"
	LoopID       string // e.g. "X4" or "HL" (optional; left out when longer than 4)
	Element      int    // element position (7 for X4.07), 0 = segment-level
	Component    int    // component position, 0 when not a component
	// Code is the AK403/IK403 element error code ("1" mandatory element
	// missing, "6" invalid character, "7" invalid code value, "8" invalid
	// date, …), or the AK304/IK304 segment error code when Element is 0.
	Code  string
	Value string // the bad value (AK404), cut to 99 bytes and with delimiters removed
}

// Options are the values of the acknowledgement that do not come from the
// inbound interchange.
type Options struct {
	Kind Kind // "997" (the default when empty) or "999"; TA1 ignores it
	// InterchangeControl is ISA13/IEA02 of the acknowledgement
	// (1–999999999): the caller's persistent per-partner counter.
	InterchangeControl int64
	// GroupControl is GS06/GE02 of the first acknowledgement group; further
	// groups take the next numbers (GroupCount says how many Build needs).
	GroupControl int64
	Now          time.Time // ISA09/ISA10 and GS04/GS05, in Now's location; required
	Usage        string    // ISA15 "P", "T" or "I"; default the inbound's ("P" when it is invalid)
	// RejectAll says the whole file was refused (nothing of it applied):
	// every set is acknowledged R, those without an error of their own
	// with AK5/IK5 code 5 and no AK3 detail.
	RejectAll bool
	// LineBreak is written after every segment terminator: "", "\n",
	// "\r\n" or "\r" (LineBreakOf gives the inbound's). It is dropped when
	// the terminator is LF, and only "\n" is kept after a CR terminator.
	LineBreak string
}

// maxControl is the largest ISA13 or GS06 (nine digits).
const maxControl = 999_999_999

// Needed reports whether an interchange gets a 997/999 (ack: it has a
// functional group that is not itself an acknowledgement) and whether it
// gets a TA1 (ta1: the sender asked for one with ISA14 = 1, or the
// interchange has TA1-coded faults). An interchange carrying only
// acknowledgements (FA groups, TA1 segments) gets neither.
func Needed(ic *x12.Interchange) (ack, ta1 bool) {
	if ic == nil || ackOnly(ic) {
		return false, false
	}
	return len(ackedGroups(ic)) > 0, ic.AckRequested || ta1Fault(ic) != nil
}

// ackOnly reports whether ic carries acknowledgements and nothing else.
func ackOnly(ic *x12.Interchange) bool {
	if len(ic.Groups) == 0 && len(ic.TechnicalAcks) == 0 {
		return false
	}
	return len(ackedGroups(ic)) == 0
}

// ackedGroups returns the groups that get an acknowledgement: all but FA.
func ackedGroups(ic *x12.Interchange) []*x12.Group {
	var gs []*x12.Group
	for _, g := range ic.Groups {
		if g.FunctionalID != "FA" {
			gs = append(gs, g)
		}
	}
	return gs
}

// ta1Fault returns the first fault with a TA1 code, or nil.
func ta1Fault(ic *x12.Interchange) *x12.EnvelopeError {
	for _, e := range ic.Errors {
		if e.Level == x12.LevelInterchange || e.Level == x12.LevelSegment {
			return e
		}
	}
	return nil
}

// SetOf returns the StartIndex of the transaction set that holds the
// segment at segmentIndex (1-based, in the file), to key the problems
// passed to Build. A set without SE runs to the last segment read in it.
func SetOf(ics []*x12.Interchange, segmentIndex int) (start int, ok bool) {
	for _, ic := range ics {
		for _, g := range ic.Groups {
			for _, ts := range g.Sets {
				if segmentIndex >= ts.StartIndex && segmentIndex < ts.StartIndex+ts.SegmentCount {
					return ts.StartIndex, true
				}
			}
		}
	}
	return 0, false
}

// ParseElementRef splits an element reference as positions carry it
// ("X4.07", "X4.07.2", "REF[BM].02", or "SE01" from envelope faults) into
// the segment id and the element and component positions (component 0 when
// none).
func ParseElementRef(ref string) (segmentID string, element, component int, ok bool) {
	head, rest, dotted := strings.Cut(ref, ".")
	if !dotted {
		if len(ref) < 4 || len(ref) > 5 {
			return "", 0, 0, false
		}
		head, rest = ref[:len(ref)-2], ref[len(ref)-2:]
	} else if i := strings.IndexByte(head, '['); i >= 0 && strings.HasSuffix(head, "]") {
		head = head[:i]
	}
	if !isSegmentID(head) {
		return "", 0, 0, false
	}
	el, comp, hasComp := strings.Cut(rest, ".")
	element, err := strconv.Atoi(el)
	if err != nil || element < 1 || element > 99 || len(el) > 2 {
		return "", 0, 0, false
	}
	if hasComp {
		component, err = strconv.Atoi(comp)
		if err != nil || component < 1 || component > 99 || len(comp) > 2 {
			return "", 0, 0, false
		}
	}
	return head, element, component, true
}

// isSegmentID reports whether s looks like a segment id: a letter, then one
// or two letters or digits.
func isSegmentID(s string) bool {
	if len(s) < 2 || len(s) > 3 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// GroupCount returns how many functional groups Build writes for ic, so the
// caller can reserve GS06 numbers GroupControl through GroupControl+n-1.
func GroupCount(ic *x12.Interchange, kind Kind) int {
	if ic == nil {
		return 0
	}
	if kind == "" {
		kind = Kind997
	}
	version := ackVersion(ic, kind)
	return len(planGroups(ic, kind, outputDelimiters(ic, version)))
}

// ackGroup is one FA group of the acknowledgement and the inbound groups
// it acknowledges.
type ackGroup struct {
	sender, receiver, version string // GS02, GS03, GS08
	groups                    []*x12.Group
}

// planGroups assigns the inbound groups to acknowledgement groups by
// application sender, receiver and (997) version, in order of first
// appearance.
func planGroups(ic *x12.Interchange, kind Kind, d x12.Delimiters) []*ackGroup {
	var plan []*ackGroup
	for _, g := range ackedGroups(ic) {
		ag := &ackGroup{
			sender:   appID(g.Receiver, ic.ReceiverID, d),
			receiver: appID(g.Sender, ic.SenderID, d),
			version:  "005010X231A1",
		}
		if kind != Kind999 {
			ag.version = groupVersion(g.Version, ic.Version, d)
		}
		i := slices.IndexFunc(plan, func(p *ackGroup) bool {
			return p.sender == ag.sender && p.receiver == ag.receiver && p.version == ag.version
		})
		if i < 0 {
			plan = append(plan, ag)
			i = len(plan) - 1
		}
		plan[i].groups = append(plan[i].groups, g)
	}
	return plan
}

// appID returns a GS02/GS03 application id: the inbound's when it is 2–15
// characters without delimiters or control characters, else the
// interchange id.
func appID(v, fallback string, d x12.Delimiters) string {
	if len(v) >= 2 && len(v) <= 15 && strings.TrimSpace(v) != "" && clean(v, d) == v {
		return v
	}
	return fallback
}

// groupVersion returns the GS08 of a 997 group: the acknowledged group's,
// or one made from the inbound ISA12 when that is missing or invalid.
func groupVersion(gs08, isa12 string, d x12.Delimiters) string {
	if len(gs08) >= 1 && len(gs08) <= 12 && allAlnum(gs08) && clean(gs08, d) == gs08 {
		return gs08
	}
	if len(isa12) == 5 && allDigits(isa12) {
		return isa12[:5] + "0"
	}
	return "005010"
}

// Build returns one acknowledgement interchange for the inbound interchange
// ic: per functional group one 997 or 999 transaction set (AK1, per set AK2,
// AK3/AK4 or IK3/IK4 detail and AK5/IK5, then AK9), addressed back to the
// sender with the inbound's delimiters and the control numbers in opt.
//
// problems holds mapping problems by the StartIndex of their transaction
// set (SetOf finds it); keys naming no set of ic are ignored. See the
// package documentation for how verdicts and codes are chosen. Build
// returns an error wrapping ErrNoAck when Needed reports no ack for ic, and
// an error when opt or a problem is invalid or the inbound ISA cannot be
// addressed (qualifiers and ids that would not make a valid ISA).
func Build(ic *x12.Interchange, problems map[int][]SetProblem, opt Options) ([]byte, error) {
	if ic == nil {
		return nil, errors.New("build acknowledgement: no interchange")
	}
	kind := opt.Kind
	if kind == "" {
		kind = Kind997
	}
	if kind != Kind997 && kind != Kind999 {
		return nil, fmt.Errorf("build acknowledgement for interchange %q: kind %q is not 997 or 999", ic.Control, kind)
	}
	if ack, _ := Needed(ic); !ack {
		return nil, fmt.Errorf("build %s for interchange %q: no functional group to acknowledge: %w", kind, ic.Control, ErrNoAck)
	}
	h, err := newHeader(ic, opt, ackVersion(ic, kind))
	if err != nil {
		return nil, fmt.Errorf("build %s for interchange %q: %w", kind, ic.Control, err)
	}
	plan := planGroups(ic, kind, h.d)
	if opt.GroupControl < 1 || opt.GroupControl+int64(len(plan))-1 > maxControl {
		return nil, fmt.Errorf("build %s for interchange %q: group control number %d is not 1 to %d for %d groups", kind, ic.Control, opt.GroupControl, maxControl, len(plan))
	}
	for start, ps := range problems {
		for i := range ps {
			if err := ps[i].check(); err != nil {
				return nil, fmt.Errorf("build %s for interchange %q: problem %d of set at segment %d: %w", kind, ic.Control, i+1, start, err)
			}
		}
	}

	w := newWriter(h.d, opt.LineBreak)
	w.isa(h)
	set := 0
	for i, ag := range plan {
		gs06 := strconv.FormatInt(opt.GroupControl+int64(i), 10)
		w.segment("GS", "FA", ag.sender, ag.receiver, h.now.Format("20060102"), h.now.Format("1504"), gs06, "X", ag.version)
		for _, g := range ag.groups {
			set++
			st02 := fmt.Sprintf("%04d", set)
			w.count = 0
			if kind == Kind999 {
				w.segment("ST", "999", st02, "005010X231A1")
			} else {
				w.segment("ST", "997", st02)
			}
			w.groupAck(g, problems, kind, opt.RejectAll)
			w.segment("SE", strconv.Itoa(w.count+1), st02)
		}
		w.segment("GE", strconv.Itoa(len(ag.groups)), gs06)
	}
	w.segment("IEA", strconv.Itoa(len(plan)), h.control)
	return w.buf, nil
}

// ackVersion returns ISA12 of the acknowledgement: the inbound's ("00501"
// when invalid), at least 00501 for a 999.
func ackVersion(ic *x12.Interchange, kind Kind) string {
	v := ic.Version
	if len(v) != 5 || !allDigits(v) || (kind == Kind999 && v < "00501") {
		return "00501"
	}
	return v
}

// check rejects a problem that cannot be written as AK3/AK4.
func (p *SetProblem) check() error {
	switch {
	case len(p.Code) < 1 || len(p.Code) > 3 || !allAlnum(p.Code):
		return fmt.Errorf("code %q is not 1 to 3 letters or digits", p.Code)
	case p.Element < 0 || p.Element > 99:
		return fmt.Errorf("element position %d is not 0 to 99", p.Element)
	case p.Component < 0 || p.Component > 99 || (p.Component > 0 && p.Element == 0):
		return fmt.Errorf("component position %d is not 0 to 99 within an element", p.Component)
	}
	return nil
}

// groupAck writes the body of one 997/999 set: AK1, the AK2 loops, AK9.
func (w *writer) groupAck(g *x12.Group, problems map[int][]SetProblem, kind Kind, rejectAll bool) {
	seg := func(ak, ik string) string {
		if kind == Kind999 {
			return ik
		}
		return ak
	}
	ak1 := []string{w.cut(g.FunctionalID, 2), w.cut(g.Control, 9)}
	if kind == Kind999 {
		ak1 = append(ak1, w.cut(g.Version, 12))
	}
	w.segment("AK1", ak1...)
	accepted := 0
	for _, ts := range g.Sets {
		ak2 := []string{w.cut(ts.ID, 3), w.cut(ts.Control, 9)}
		if kind == Kind999 {
			ak2 = append(ak2, w.cut(ts.ImplRef, 35))
		}
		w.segment("AK2", ak2...)
		probs := problems[ts.StartIndex]
		w.segmentErrors(ts, probs, seg("AK3", "IK3"), seg("AK4", "IK4"))
		var codes []string
		for _, e := range ts.Errors {
			codes = append(codes, e.Code)
		}
		if len(probs) > 0 || (rejectAll && len(codes) == 0) {
			codes = append(codes, "5")
		}
		verdict := "A"
		if len(codes) > 0 {
			verdict = "R"
		} else {
			accepted++
		}
		w.segment(seg("AK5", "IK5"), append([]string{verdict}, w.codes(codes)...)...)
	}
	var codes []string
	for _, e := range g.Errors {
		codes = append(codes, e.Code)
	}
	verdict := "A"
	switch {
	case len(codes) > 0 || accepted == 0:
		verdict = "R"
	case accepted < len(g.Sets):
		verdict = "P"
	}
	n := strconv.Itoa(len(g.Sets))
	w.segment("AK9", append([]string{verdict, n, n, strconv.Itoa(accepted)}, w.codes(codes)...)...)
}

// codes returns up to five distinct, writable codes for AK502–AK506 or
// AK905–AK909.
func (w *writer) codes(in []string) []string {
	var out []string
	for _, c := range in {
		c = w.cut(c, 3)
		if c != "" && !slices.Contains(out, c) && len(out) < 5 {
			out = append(out, c)
		}
	}
	return out
}

// maxElementErrors is the most AK4/IK4 segments under one AK3/IK3.
const maxElementErrors = 99

// segmentErrors writes the AK3/AK4 (IK3/IK4) loops of one set's problems,
// one AK3 per segment in segment order.
func (w *writer) segmentErrors(ts *x12.TransactionSet, probs []SetProblem, ak3, ak4 string) {
	var in []SetProblem
	for _, p := range probs {
		if p.SegmentIndex >= ts.StartIndex && p.SegmentIndex < ts.StartIndex+ts.SegmentCount {
			in = append(in, p)
		}
	}
	slices.SortStableFunc(in, func(a, b SetProblem) int { return cmp.Compare(a.SegmentIndex, b.SegmentIndex) })
	for len(in) > 0 {
		n := 1
		for n < len(in) && in[n].SegmentIndex == in[0].SegmentIndex {
			n++
		}
		w.segmentError(in[0].SegmentIndex-ts.StartIndex+1, in[:n], ak3, ak4)
		in = in[n:]
	}
}

// segmentError writes the AK3 (and AK4s) for the problems of one segment at
// position pos in its set.
func (w *writer) segmentError(pos int, probs []SetProblem, ak3, ak4 string) {
	var id, loop string
	var segCodes []string
	var elems []SetProblem
	for _, p := range probs {
		if id == "" && isSegmentID(p.SegmentID) && clean(p.SegmentID, w.d) == p.SegmentID {
			id = p.SegmentID
		}
		if loop == "" && len(p.LoopID) <= 4 && allAlnum(p.LoopID) && clean(p.LoopID, w.d) == p.LoopID {
			loop = p.LoopID
		}
		if p.Element == 0 {
			if !slices.Contains(segCodes, p.Code) {
				segCodes = append(segCodes, p.Code)
			}
		} else {
			elems = append(elems, p)
		}
	}
	if id == "" {
		return // AK301 is mandatory: the set is rejected without detail
	}
	first := "8" // segment has data element errors
	if len(segCodes) > 0 {
		first, segCodes = segCodes[0], segCodes[1:]
	}
	p := strconv.Itoa(pos)
	w.segment(ak3, id, p, loop, w.cut(first, 3))
	for i, e := range elems {
		if i == maxElementErrors {
			break
		}
		at := strconv.Itoa(e.Element)
		if e.Component > 0 {
			at += string([]byte{w.d.Component}) + strconv.Itoa(e.Component)
		}
		w.segment(ak4, at, "", w.cut(e.Code, 3), w.cut(e.Value, 99))
	}
	for _, c := range segCodes {
		w.segment(ak3, id, p, loop, w.cut(c, 3))
	}
}

// allAlnum reports whether every byte of s is an ASCII letter or digit.
func allAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// allDigits reports whether s is non-empty and all ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}
