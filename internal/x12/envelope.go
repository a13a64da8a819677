package x12

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Interchange is one ISA…IEA envelope: the ISA header values, its
// functional groups, and every fault found in its envelope.
//
// Errors holds TA1 codes: Level "interchange" for header and trailer faults,
// Level "segment" for segments found inside the interchange but outside a
// functional group or transaction set, or a segment the Reader cannot read
// (code 024), and for segments after its IEA, before the next ISA (code 022).
// A run of consecutive misplaced segments is one error.
type Interchange struct {
	SenderQual   string // ISA05
	SenderID     string // ISA06, trailing spaces removed
	ReceiverQual string // ISA07
	ReceiverID   string // ISA08, trailing spaces removed
	Date         string // ISA09, YYMMDD
	Time         string // ISA10, HHMM
	Version      string // ISA12, e.g. "00401", "00501"
	Control      string // ISA13 as sent, e.g. "000011566"
	AckRequested bool   // ISA14 == "1": the sender asks for a TA1
	Usage        string // ISA15: "P" production, "T" test, "I" information

	// Delimiters are those the ISA declares; zero when they are invalid,
	// in which case Errors says why and reading stopped there.
	Delimiters Delimiters

	Groups []*Group
	// TechnicalAcks are the TA1 segments the interchange carries between
	// its ISA and IEA, outside functional groups (an inbound TA1).
	TechnicalAcks []*TechnicalAck
	Errors        []*EnvelopeError

	Offset   int64 // byte offset of the ISA
	Line     int   // line of the ISA
	Index    int   // segment index of the ISA
	EndIndex int   // segment index of the IEA; 0 when it is missing
}

// Group is one GS…GE functional group. Errors holds AK9 (AK905) codes.
type Group struct {
	FunctionalID string // GS01, e.g. "SH", "PO", "FA"
	Sender       string // GS02
	Receiver     string // GS03
	Date         string // GS04, CCYYMMDD
	Time         string // GS05
	Control      string // GS06 as sent
	Agency       string // GS07, "X"
	Version      string // GS08, e.g. "004010", "005010X231"

	Sets   []*TransactionSet
	Errors []*EnvelopeError

	StartIndex int // segment index of the GS
	EndIndex   int // segment index of the GE; 0 when it is missing
}

// TransactionSet is one ST…SE transaction set. Errors holds AK5 codes.
type TransactionSet struct {
	ID      string // ST01, e.g. "856"
	Control string // ST02 as sent
	ImplRef string // ST03, the implementation convention (5010), often empty

	// SegmentCount is the number of segments counted from ST to SE
	// inclusive (to the last segment seen when SE is missing); SE01 is
	// checked against it.
	SegmentCount int
	StartIndex   int // segment index of the ST
	EndIndex     int // segment index of the SE; 0 when it is missing

	Errors []*EnvelopeError
}

// TechnicalAck is a TA1 segment received inside an interchange.
type TechnicalAck struct {
	Control  string // TA101, the acknowledged interchange's ISA13
	Date     string // TA102
	Time     string // TA103
	AckCode  string // TA104: "A" accepted, "E" accepted with errors, "R" rejected
	NoteCode string // TA105, the TA1 code
	Index    int    // segment index of the TA1
	Line     int    // line of the TA1
	Offset   int64  // byte offset of the TA1
}

// Levels of EnvelopeError.
const (
	LevelInterchange = "interchange"
	LevelGroup       = "group"
	LevelSet         = "set"
	LevelSegment     = "segment"
)

// EnvelopeError is one envelope fault with the acknowledgement code that
// reports it and the position where it was found.
type EnvelopeError struct {
	// Level is "interchange" (TA1 code), "group" (AK905 code), "set" (AK5
	// code) or "segment" (a misplaced segment, TA1 code).
	Level string
	// Code is the acknowledgement code: a TA1 code such as "001" or "021",
	// an AK905 code such as "4", or an AK5 code such as "3", "4" or "23".
	Code         string
	SegmentID    string // segment where the fault was found; "" at the end of the file
	SegmentIndex int    // its 1-based index in the file (one past the last at the end of the file)
	Offset       int64  // its byte offset (the file size at the end of the file)
	Line         int    // its 1-based line
	Element      int    // the faulty element's position (2 for SE02), 0 when none
	Msg          string // what is wrong, one line
}

// Error renders the fault for a partner report, e.g. "line 12 (segment 34,
// byte 1045): SE01 segment count 49 does not match 46 segments counted
// [AK5 4]".
func (e *EnvelopeError) Error() string {
	return fmt.Sprintf("line %d (segment %d, byte %d): %s [%s %s]", e.Line, e.SegmentIndex, e.Offset, e.Msg, e.ackSegment(), e.Code)
}

// ackSegment names the acknowledgement segment that carries Code.
func (e *EnvelopeError) ackSegment() string {
	switch e.Level {
	case LevelGroup:
		return "AK9"
	case LevelSet:
		return "AK5"
	}
	return "TA1"
}

// Validate reads an X12 file once, checks every interchange, functional
// group and transaction set envelope, and returns the envelopes with every
// fault found in their Errors.
//
// visit, when not nil, is called for every segment from ST to SE inclusive,
// in order, with the envelopes that hold it, so a mapper can work in the same
// pass; the segment is valid only during the call. The ST call sees a fresh
// TransactionSet; the SE call sees it with its trailer checks done. An error
// from visit stops Validate and is returned wrapped.
//
// Validate returns an error only when the input cannot be read, is not X12
// (wrapping ErrNotX12), or visit fails. A header whose delimiters cannot be
// read ends the reading, as an Interchange with that error; envelopes still
// open there or at the end of the file get "trailer missing" errors (AK5 2,
// AK9 3, TA1 023).
//
// Counts (IEA01, GE01, SE01) and the numeric control numbers (ISA13/IEA02,
// GS06/GE02) compare as numbers, so zero padding does not matter; ST02/SE02
// are alphanumeric and compare exactly.
func Validate(r io.Reader, visit func(ic *Interchange, g *Group, ts *TransactionSet, seg *Segment) error) ([]*Interchange, error) {
	rd := NewReader(r)
	v := &validator{visit: visit, isaSeen: make(map[isaKey]int)}
	for {
		seg, err := rd.Next()
		if err != nil {
			return v.end(rd, err)
		}
		if err := v.segment(seg, rd.Delimiters()); err != nil {
			return nil, fmt.Errorf("visit %s segment %d at line %d: %w", seg.ID, seg.Index, seg.Line, err)
		}
	}
}

// end finishes validation on the Reader's error: the end of the input,
// a syntax fault recorded as an envelope error, or a failure returned.
func (v *validator) end(rd *Reader, err error) ([]*Interchange, error) {
	v.finishStray()
	if errors.Is(err, io.EOF) {
		off, line := rd.endPosition()
		v.closeAll(position{index: rd.index + 1, offset: off, line: line}, "the file ends")
		return v.interchanges, nil
	}
	var syn *SyntaxError
	if errors.As(err, &syn) {
		v.syntaxFault(syn)
		return v.interchanges, nil
	}
	return nil, err
}

// position is where an envelope fault was found.
type position struct {
	id     string
	index  int
	offset int64
	line   int
}

func positionOf(s *Segment) position {
	return position{id: s.ID, index: s.Index, offset: s.Offset, line: s.Line}
}

// describe names a position in a message: "segment GE" or "the file ends".
func (p position) describe() string {
	if p.id == "" {
		return "the file ends"
	}
	return p.id + " segment " + fmt.Sprint(p.index)
}

// isaKey identifies an interchange for duplicate detection.
type isaKey struct {
	senderQual, sender, receiverQual, receiver, control string
}

// validator is the envelope state machine of Validate.
type validator struct {
	visit func(*Interchange, *Group, *TransactionSet, *Segment) error

	interchanges []*Interchange
	ic           *Interchange
	g            *Group
	ts           *TransactionSet

	isaSeen map[isaKey]int // ISA13 per sender/receiver in the file → ISA index
	gsSeen  map[string]int // GS06 in the current interchange → GS index
	stSeen  map[string]int // ST02 in the current group → ST index
	stray   *EnvelopeError // first segment of the current run of misplaced segments
	strayN  int            // further segments in that run
	strayAt int            // index of the last segment of the run
}

func newError(level, code string, p position, element int, msg string) *EnvelopeError {
	return &EnvelopeError{
		Level:        level,
		Code:         code,
		SegmentID:    p.id,
		SegmentIndex: p.index,
		Offset:       p.offset,
		Line:         p.line,
		Element:      element,
		Msg:          msg,
	}
}

// segment advances the state machine by one segment.
func (v *validator) segment(s *Segment, d Delimiters) error {
	strayAt := v.strayAt
	switch s.ID {
	case "ISA":
		v.startInterchange(s, d)
	case "IEA":
		v.endInterchange(s)
	case "GS":
		v.startGroup(s)
	case "GE":
		v.endGroup(s)
	case "ST":
		if v.g == nil {
			v.misplaced(s)
			break
		}
		v.startSet(s)
		return v.visitSegment(s)
	case "SE":
		if v.ts == nil {
			v.misplaced(s)
			break
		}
		v.ts.SegmentCount++
		v.endSet(s)
		err := v.visitSegment(s)
		v.ts = nil
		return err
	default:
		switch {
		case v.ts != nil:
			v.ts.SegmentCount++
			return v.visitSegment(s)
		case s.ID == "TA1" && v.ic != nil && v.g == nil:
			v.ic.TechnicalAcks = append(v.ic.TechnicalAcks, &TechnicalAck{
				Control:  string(s.Element(1)),
				Date:     string(s.Element(2)),
				Time:     string(s.Element(3)),
				AckCode:  string(s.Element(4)),
				NoteCode: string(s.Element(5)),
				Index:    s.Index,
				Line:     s.Line,
				Offset:   s.Offset,
			})
		default:
			v.misplaced(s)
		}
	}
	if v.strayAt == strayAt {
		v.finishStray()
	}
	return nil
}

func (v *validator) visitSegment(s *Segment) error {
	v.finishStray()
	if v.visit == nil {
		return nil
	}
	return v.visit(v.ic, v.g, v.ts, s)
}

// misplaced reports a segment outside the envelope that should hold it.
// Consecutive misplaced segments are reported once, as a run.
func (v *validator) misplaced(s *Segment) {
	if v.stray != nil && v.strayAt == s.Index-1 {
		v.strayN++
		v.strayAt = s.Index
		return
	}
	v.finishStray()
	code, where, list := "024", "inside interchange "+v.controlOf()+" but outside a functional group", (*[]*EnvelopeError)(nil)
	switch {
	case v.ic == nil:
		code, where = "022", "outside an interchange (after IEA, before any ISA)"
		list = &v.interchanges[len(v.interchanges)-1].Errors
	case v.g != nil:
		where = "inside functional group " + v.g.Control + " but outside a transaction set"
		list = &v.ic.Errors
	default:
		list = &v.ic.Errors
	}
	e := newError(LevelSegment, code, positionOf(s), 0, fmt.Sprintf("%s segment %s", s.ID, where))
	*list = append(*list, e)
	v.stray, v.strayN, v.strayAt = e, 0, s.Index
}

// finishStray closes the current run of misplaced segments.
func (v *validator) finishStray() {
	if v.stray != nil && v.strayN > 0 {
		v.stray.Msg += fmt.Sprintf(" (and %d more segments through segment %d)", v.strayN, v.strayAt)
	}
	v.stray, v.strayN = nil, 0
}

func (v *validator) controlOf() string {
	if v.ic == nil {
		return ""
	}
	return v.ic.Control
}

// closeAll reports the trailers still missing at p.
func (v *validator) closeAll(p position, why string) {
	if v.ic == nil {
		return
	}
	v.closeGroup(p, why)
	v.ic.Errors = append(v.ic.Errors, newError(LevelInterchange, "023", p, 0,
		fmt.Sprintf("interchange %s (ISA segment %d, line %d) has no IEA: %s", v.ic.Control, v.ic.Index, v.ic.Line, why)))
	v.ic = nil
}

// closeGroup reports a missing GE (and SE) at p.
func (v *validator) closeGroup(p position, why string) {
	if v.g == nil {
		return
	}
	v.closeSet(p, why)
	v.g.Errors = append(v.g.Errors, newError(LevelGroup, "3", p, 0,
		fmt.Sprintf("functional group %s (GS segment %d) has no GE: %s", v.g.Control, v.g.StartIndex, why)))
	v.g = nil
}

// closeSet reports a missing SE at p.
func (v *validator) closeSet(p position, why string) {
	if v.ts == nil {
		return
	}
	v.ts.Errors = append(v.ts.Errors, newError(LevelSet, "2", p, 0,
		fmt.Sprintf("transaction set %s %s (ST segment %d) has no SE: %s after %d segments", v.ts.ID, v.ts.Control, v.ts.StartIndex, why, v.ts.SegmentCount)))
	v.ts = nil
}

// syntaxFault records an error that stops the Reader and closes whatever
// is open there.
func (v *validator) syntaxFault(e *SyntaxError) {
	p := position{id: e.SegmentID, index: e.Index, offset: e.Offset, line: e.Line}
	if e.SegmentID == "ISA" {
		v.closeAll(p, "another ISA starts at "+p.describe())
		ic := &Interchange{Offset: e.Offset, Line: e.Line, Index: e.Index}
		if e.Segment != nil {
			ic = newInterchange(e.Segment, Delimiters{})
		}
		ic.Errors = append(ic.Errors, newError(LevelInterchange, e.Code, p, 0, e.Msg))
		v.interchanges = append(v.interchanges, ic)
		return
	}
	code := e.Code
	if code == "" {
		code = "024"
	}
	if v.ic != nil {
		v.ic.Errors = append(v.ic.Errors, newError(LevelSegment, code, p, 0, e.Msg))
	} else if len(v.interchanges) > 0 {
		last := v.interchanges[len(v.interchanges)-1]
		last.Errors = append(last.Errors, newError(LevelSegment, code, p, 0, e.Msg))
	}
	v.closeAll(p, "reading stopped at "+p.describe())
}

func (v *validator) startInterchange(s *Segment, d Delimiters) {
	p := positionOf(s)
	v.closeAll(p, "another ISA starts at "+p.describe())
	ic := newInterchange(s, d)
	for _, f := range checkISA(s, d) {
		ic.Errors = append(ic.Errors, newError(LevelInterchange, f.code, p, f.element, f.msg))
	}
	key := isaKey{ic.SenderQual, ic.SenderID, ic.ReceiverQual, ic.ReceiverID, numericKey(ic.Control)}
	if first, ok := v.isaSeen[key]; ok {
		ic.Errors = append(ic.Errors, newError(LevelInterchange, "025", p, 13,
			fmt.Sprintf("ISA13 interchange control number %s from %s/%s to %s/%s repeats the ISA at segment %d",
				ic.Control, ic.SenderQual, ic.SenderID, ic.ReceiverQual, ic.ReceiverID, first)))
	} else {
		v.isaSeen[key] = s.Index
	}
	v.interchanges = append(v.interchanges, ic)
	v.ic = ic
	v.gsSeen = make(map[string]int)
}

// newInterchange reads the header values of the ISA s.
func newInterchange(s *Segment, d Delimiters) *Interchange {
	el := func(n int) string { return string(s.Element(n)) }
	return &Interchange{
		SenderQual:   el(5),
		SenderID:     string(bytes.TrimRight(s.Element(6), " ")),
		ReceiverQual: el(7),
		ReceiverID:   string(bytes.TrimRight(s.Element(8), " ")),
		Date:         el(9),
		Time:         el(10),
		Version:      el(12),
		Control:      el(13),
		AckRequested: el(14) == "1",
		Usage:        el(15),
		Delimiters:   d,
		Offset:       s.Offset,
		Line:         s.Line,
		Index:        s.Index,
	}
}

func (v *validator) endInterchange(s *Segment) {
	if v.ic == nil {
		v.misplaced(s)
		return
	}
	p := positionOf(s)
	v.closeGroup(p, "IEA found at "+p.describe())
	ic := v.ic
	if n, ok := parseCount(s.Element(1)); !ok || n != len(ic.Groups) {
		ic.Errors = append(ic.Errors, newError(LevelInterchange, "021", p, 1,
			fmt.Sprintf("IEA01 group count %s does not match %d functional groups counted", quoteUnlessDigits(s.Element(1)), len(ic.Groups))))
	}
	if !sameNumber(s.Element(2), ic.Control) {
		ic.Errors = append(ic.Errors, newError(LevelInterchange, "001", p, 2,
			fmt.Sprintf("IEA02 control number %q does not match ISA13 %q", s.Element(2), ic.Control)))
	}
	ic.EndIndex = s.Index
	v.ic = nil
}

func (v *validator) startGroup(s *Segment) {
	if v.ic == nil {
		v.misplaced(s)
		return
	}
	p := positionOf(s)
	v.closeGroup(p, "another GS starts at "+p.describe())
	el := func(n int) string { return string(s.Element(n)) }
	g := &Group{
		FunctionalID: el(1),
		Sender:       el(2),
		Receiver:     el(3),
		Date:         el(4),
		Time:         el(5),
		Control:      el(6),
		Agency:       el(7),
		Version:      el(8),
		StartIndex:   s.Index,
	}
	if c := s.Element(6); !allDigits(c) || len(c) > 9 {
		g.Errors = append(g.Errors, newError(LevelGroup, "6", p, 6,
			fmt.Sprintf("GS06 group control number %q is not 1 to 9 digits", c)))
	}
	if first, ok := v.gsSeen[numericKey(g.Control)]; ok {
		g.Errors = append(g.Errors, newError(LevelGroup, "6", p, 6,
			fmt.Sprintf("GS06 group control number %s repeats the GS at segment %d in interchange %s", g.Control, first, v.ic.Control)))
	} else {
		v.gsSeen[numericKey(g.Control)] = s.Index
	}
	v.ic.Groups = append(v.ic.Groups, g)
	v.g = g
	v.stSeen = make(map[string]int)
}

func (v *validator) endGroup(s *Segment) {
	if v.g == nil {
		v.misplaced(s)
		return
	}
	p := positionOf(s)
	v.closeSet(p, "GE found at "+p.describe())
	g := v.g
	if n, ok := parseCount(s.Element(1)); !ok || n != len(g.Sets) {
		g.Errors = append(g.Errors, newError(LevelGroup, "5", p, 1,
			fmt.Sprintf("GE01 transaction set count %s does not match %d transaction sets counted", quoteUnlessDigits(s.Element(1)), len(g.Sets))))
	}
	if !sameNumber(s.Element(2), g.Control) {
		g.Errors = append(g.Errors, newError(LevelGroup, "4", p, 2,
			fmt.Sprintf("GE02 control number %q does not match GS06 %q", s.Element(2), g.Control)))
	}
	g.EndIndex = s.Index
	v.g = nil
}

func (v *validator) startSet(s *Segment) {
	p := positionOf(s)
	v.closeSet(p, "another ST starts at "+p.describe())
	ts := &TransactionSet{
		ID:           string(s.Element(1)),
		Control:      string(s.Element(2)),
		ImplRef:      string(s.Element(3)),
		SegmentCount: 1,
		StartIndex:   s.Index,
	}
	if id := s.Element(1); len(id) != 3 || !allDigits(id) {
		ts.Errors = append(ts.Errors, newError(LevelSet, "6", p, 1,
			fmt.Sprintf("ST01 transaction set identifier %q is not 3 digits", id)))
	}
	if c := s.Element(2); len(c) < 4 || len(c) > 9 {
		ts.Errors = append(ts.Errors, newError(LevelSet, "7", p, 2,
			fmt.Sprintf("ST02 control number %q is not 4 to 9 characters", c)))
	}
	if first, ok := v.stSeen[ts.Control]; ok {
		ts.Errors = append(ts.Errors, newError(LevelSet, "23", p, 2,
			fmt.Sprintf("ST02 control number %s repeats the ST at segment %d in group %s", ts.Control, first, v.g.Control)))
	} else {
		v.stSeen[ts.Control] = s.Index
	}
	v.g.Sets = append(v.g.Sets, ts)
	v.ts = ts
}

func (v *validator) endSet(s *Segment) {
	p := positionOf(s)
	ts := v.ts
	if n, ok := parseCount(s.Element(1)); !ok || n != ts.SegmentCount {
		ts.Errors = append(ts.Errors, newError(LevelSet, "4", p, 1,
			fmt.Sprintf("SE01 segment count %s does not match %d segments counted", quoteUnlessDigits(s.Element(1)), ts.SegmentCount)))
	}
	if string(s.Element(2)) != ts.Control {
		ts.Errors = append(ts.Errors, newError(LevelSet, "3", p, 2,
			fmt.Sprintf("SE02 control number %q does not match ST02 %q", s.Element(2), ts.Control)))
	}
	ts.EndIndex = s.Index
}

// quoteUnlessDigits renders a count as sent: bare when numeric, quoted
// otherwise.
func quoteUnlessDigits(b []byte) string {
	if allDigits(b) {
		return string(b)
	}
	return fmt.Sprintf("%q", b)
}

// parseCount parses a non-negative decimal count, ignoring zero padding.
func parseCount(b []byte) (int, bool) {
	if !allDigits(b) {
		return 0, false
	}
	b = bytes.TrimLeft(b, "0")
	if len(b) > 15 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n, true
}

// numericKey normalises a numeric control number so that zero padding does
// not matter; other values are returned unchanged.
func numericKey(s string) string {
	if !allDigits([]byte(s)) {
		return s
	}
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

// sameNumber reports whether a trailer's control number equals the
// header's, as numbers when both are numeric.
func sameNumber(trailer []byte, header string) bool {
	return numericKey(string(trailer)) == numericKey(header)
}
