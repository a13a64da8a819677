// Package x12 reads ASC X12 interchanges: a streaming tokenizer that finds
// the delimiters in each ISA segment and returns one segment at a time with
// its position in the file, and an envelope validator that checks
// ISA/IEA, GS/GE and ST/SE and reports faults with the TA1, AK9 (AK905) and
// AK5 codes an acknowledgement needs.
//
// It is written by hand on the standard library because no good Go library
// exists for this: the best-known one, omniparser, declares the delimiters in
// its schema instead of reading them from the ISA, does not check envelopes,
// and reports only the first error, while acknowledgements and partner
// reports need every envelope fault with its code, line, byte offset and
// segment index, read in one streaming pass.
//
// Reading rules (docs/EDI.md §2): a UTF-8 byte order mark and leading
// whitespace are skipped and the data must start with "ISA"; the element
// separator is the byte after "ISA"; the component separator (ISA16) is the
// byte after the 16th element separator and the segment terminator the byte
// after that; ISA11 is the repetition separator only when ISA12 is 00403 or
// later and ISA11 is not alphanumeric. After each terminator, CR, LF, space and
// tab are skipped, except the terminator byte itself (so a CR terminator
// followed by LF and indentation reads cleanly, and an LF terminator is never
// swallowed). Empty segments are skipped. Every ISA re-reads the delimiters,
// so a file may hold several interchanges with different delimiters.
package x12

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxSegmentSize is the longest segment, in bytes without its terminator,
// that a Reader accepts. Longer input is reported as an error rather than
// buffered without bound.
const MaxSegmentSize = 1 << 20

const (
	// readBufferSize is the initial buffer; it grows only for segments
	// longer than itself, up to about twice MaxSegmentSize.
	readBufferSize = 64 << 10
	// maxInternedIDs bounds the segment-ID cache that keeps Next free of
	// allocations.
	maxInternedIDs = 1024
)

// ErrNotX12 is wrapped by the error a Reader returns when the input does not
// start with an ISA segment (after an optional byte order mark and
// whitespace), including empty input.
var ErrNotX12 = errors.New("not an X12 file")

// SyntaxError reports input the Reader cannot tokenize past: an ISA whose
// delimiters cannot be determined or are invalid, or a segment longer than
// MaxSegmentSize. It carries the position where the bad segment starts.
type SyntaxError struct {
	SegmentID string // "ISA" for an interchange header fault, else the segment's id if known
	Code      string // TA1 code for ISA faults ("004", "016", "022", "026", "027"), else ""
	Index     int    // 1-based index the segment would have had in the file
	Offset    int64  // byte offset of the segment's first byte
	Line      int    // 1-based line of the segment's first byte
	Msg       string // what is wrong, one line
	// Segment is the ISA as split on its element separator when the
	// separators could be walked but the delimiters are invalid, so the
	// header can still be reported; nil otherwise.
	Segment *Segment
}

// Error renders the fault on one line with its position and code.
func (e *SyntaxError) Error() string {
	s := fmt.Sprintf("line %d (segment %d, byte %d): %s", e.Line, e.Index, e.Offset, e.Msg)
	if e.Code != "" {
		s += " [TA1 " + e.Code + "]"
	}
	return s
}

// Segment is one X12 segment as read from the file.
//
// A Segment returned by Reader.Next, and the byte slices in its Elements,
// point into the Reader's buffer and are valid only until the next call to
// Next: copy what must be kept, or call Clone.
type Segment struct {
	ID string // segment id: "ISA", "ST", "N1", ...
	// Elements holds the elements after the id: Elements[0] is element 01,
	// so X4.07 is Elements[6]. An element present but empty is a non-nil
	// empty slice. Components and repetitions are not split here; see
	// Component and Repetitions.
	Elements [][]byte
	Index    int   // 1-based index of the segment within the file
	Offset   int64 // byte offset of the segment's first byte in the raw file (a byte order mark counts)
	Line     int   // 1-based line of the segment's first byte (LF, CRLF and a lone CR end a line)

	buf []byte // CopyTo's storage for the element bytes
}

// Element returns element n, counting from 1 as X12 references do (N1.02 is
// Element(2)), or nil when the segment has fewer elements.
func (s *Segment) Element(n int) []byte {
	if n < 1 || n > len(s.Elements) {
		return nil
	}
	return s.Elements[n-1]
}

// Component returns component m (from 1) of element n (from 1), split on
// d.Component, or nil when absent. An element without component separators
// is its own first component.
func (s *Segment) Component(n, m int, d Delimiters) []byte {
	e := s.Element(n)
	if e == nil || m < 1 {
		return nil
	}
	return nthField(e, d.Component, m)
}

// Repetitions returns the repetitions of element n (from 1), split on
// d.Repetition; an element is a single repetition when d.Repetition is 0 or
// absent from it. It returns nil when the element is absent.
func (s *Segment) Repetitions(n int, d Delimiters) [][]byte {
	e := s.Element(n)
	if e == nil {
		return nil
	}
	if d.Repetition == 0 {
		return [][]byte{e}
	}
	return bytes.Split(e, []byte{d.Repetition})
}

// Clone returns a deep copy of s that stays valid after the next call to
// Reader.Next.
func (s *Segment) Clone() *Segment {
	c := *s
	c.Elements = make([][]byte, len(s.Elements))
	for i, e := range s.Elements {
		c.Elements[i] = append([]byte{}, e...)
	}
	return &c
}

// CopyTo copies the segment into dst, reusing dst's storage, and returns
// dst (a new segment when dst is nil). Callers that keep many segments for a
// short while (a loop being mapped) recycle them through it instead of
// allocating a Clone per segment.
func (s *Segment) CopyTo(dst *Segment) *Segment {
	if dst == nil {
		dst = &Segment{}
	}
	n := 0
	for _, e := range s.Elements {
		n += len(e)
	}
	buf := dst.buf[:0]
	if cap(buf) < n {
		buf = make([]byte, 0, n)
	}
	elems := dst.Elements[:0]
	for _, e := range s.Elements {
		start := len(buf)
		buf = append(buf, e...)
		elems = append(elems, buf[start:len(buf):len(buf)])
	}
	dst.ID, dst.Elements, dst.Index, dst.Offset, dst.Line, dst.buf = s.ID, elems, s.Index, s.Offset, s.Line, buf
	return dst
}

// nthField returns field m (from 1) of b split on sep, or nil.
func nthField(b []byte, sep byte, m int) []byte {
	if sep == 0 {
		if m == 1 {
			return b
		}
		return nil
	}
	for i := 1; ; i++ {
		j := bytes.IndexByte(b, sep)
		if i == m {
			if j < 0 {
				return b
			}
			return b[:j:j]
		}
		if j < 0 {
			return nil
		}
		b = b[j+1:]
	}
}

// Reader tokenizes an X12 file segment by segment. It streams through a
// 64 KiB buffer that grows only to hold a longer segment (up to
// MaxSegmentSize), and never reads the whole input into memory.
type Reader struct {
	src   io.Reader
	buf   []byte
	start int   // first unread byte in buf
	end   int   // end of buffered data in buf
	base  int64 // file offset of buf[0]
	eof   bool  // src has returned io.EOF
	err   error // sticky error, io.EOF at the end

	started   bool
	delims    Delimiters
	index     int   // segments returned so far
	lines     int   // line breaks before buf[start]
	lastCR    int64 // file offset of the last CR counted as a line break
	lastByte  byte  // last byte read from src
	readBytes int64 // bytes read from src

	seg   Segment
	elems [][]byte
	ids   map[string]string
}

// NewReader returns a Reader that tokenizes the X12 data read from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{
		src:    r,
		buf:    make([]byte, readBufferSize),
		lastCR: -2,
		elems:  make([][]byte, 0, 32),
		ids:    make(map[string]string),
	}
}

// Delimiters returns the delimiters of the interchange being read: those of
// the most recent ISA segment returned by Next.
func (r *Reader) Delimiters() Delimiters {
	return r.delims
}

// Next returns the next segment. It returns io.EOF after the last segment, an
// error wrapping ErrNotX12 when the input does not start with ISA, a
// *SyntaxError when an ISA or a segment cannot be tokenized, or the read
// error. Errors are sticky: once Next fails it keeps returning that error.
// Data left at the end of the input without a terminator is returned as a
// last segment (files whose LF terminator was trimmed are common); a file
// cut inside a transaction set is caught by Validate's missing-trailer checks.
//
// The returned Segment is reused by the next call; see Segment.
func (r *Reader) Next() (*Segment, error) {
	if r.err != nil {
		return nil, r.err
	}
	seg, err := r.next()
	if err != nil {
		r.err = err
		return nil, err
	}
	return seg, nil
}

func (r *Reader) next() (*Segment, error) {
	if !r.started {
		if err := r.begin(); err != nil {
			return nil, err
		}
		return r.readISA()
	}
	for {
		if err := r.skipSpace(r.delims.Segment); err != nil {
			return nil, err
		}
		if r.start == r.end {
			return nil, io.EOF
		}
		if r.buf[r.start] != r.delims.Segment {
			break
		}
		r.noteBreak(r.delims.Segment, r.base+int64(r.start))
		r.start++ // empty segment
	}
	if r.buf[r.start] == 'I' {
		if err := r.ensure(4); err != nil {
			return nil, err
		}
		p := r.buf[r.start:r.end]
		if len(p) >= 3 && p[1] == 'S' && p[2] == 'A' && (len(p) == 3 || !isAlnum(p[3])) {
			return r.readISA()
		}
	}
	return r.readSegment()
}

// begin skips a byte order mark and leading whitespace and checks that the
// data starts with "ISA".
func (r *Reader) begin() error {
	r.started = true
	if err := r.ensure(3); err != nil {
		return err
	}
	if bytes.HasPrefix(r.buf[r.start:r.end], []byte("\xEF\xBB\xBF")) {
		r.start += 3
	}
	if err := r.skipSpace(0); err != nil {
		return err
	}
	if err := r.ensure(4); err != nil {
		return err
	}
	p := r.buf[r.start:r.end]
	switch {
	case r.readBytes == 0:
		return fmt.Errorf("%w: empty input", ErrNotX12)
	case len(p) == 0:
		return fmt.Errorf("%w: no data, only whitespace", ErrNotX12)
	case !bytes.HasPrefix(p, []byte("ISA")):
		return fmt.Errorf("%w: does not start with ISA (found %q)", ErrNotX12, p[:min(len(p), 4)])
	}
	return nil
}

// skipSpace skips CR, LF, space and tab, except the byte term, counting
// line breaks.
func (r *Reader) skipSpace(term byte) error {
	for {
		for r.start < r.end {
			c := r.buf[r.start]
			if c == term || !isSpace(c) {
				return nil
			}
			r.noteBreak(c, r.base+int64(r.start))
			r.start++
		}
		if r.eof {
			return nil
		}
		if err := r.fill(); err != nil {
			return err
		}
	}
}

// noteBreak counts c at file offset off as a line break when it is a LF not
// preceded by a CR, or a CR.
func (r *Reader) noteBreak(c byte, off int64) {
	switch c {
	case '\r':
		r.lines++
		r.lastCR = off
	case '\n':
		if r.lastCR != off-1 {
			r.lines++
		}
	}
}

// ensure buffers at least n unread bytes, or all that is left.
func (r *Reader) ensure(n int) error {
	for r.end-r.start < n && !r.eof {
		if err := r.fill(); err != nil {
			return err
		}
	}
	return nil
}

// fill reads more data into the buffer, moving unread data to the front or
// growing the buffer when it is full. It invalidates earlier segments.
func (r *Reader) fill() error {
	if r.start == r.end {
		r.base += int64(r.start)
		r.start, r.end = 0, 0
	} else if r.end == len(r.buf) && r.start > 0 {
		n := copy(r.buf, r.buf[r.start:r.end])
		r.base += int64(r.start)
		r.start, r.end = 0, n
	}
	if r.end == len(r.buf) {
		grown := make([]byte, 2*len(r.buf))
		copy(grown, r.buf[:r.end])
		r.buf = grown
	}
	for range 100 {
		n, err := r.src.Read(r.buf[r.end:])
		if n > 0 {
			r.end += n
			r.readBytes += int64(n)
			r.lastByte = r.buf[r.end-1]
		}
		if err == io.EOF {
			r.eof = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("read x12 at byte %d: %w", r.readBytes, err)
		}
		if n > 0 {
			return nil
		}
	}
	return fmt.Errorf("read x12 at byte %d: %w", r.readBytes, io.ErrNoProgress)
}

// syntaxError builds a SyntaxError positioned at the unread segment.
func (r *Reader) syntaxError(id, code, msg string) *SyntaxError {
	return &SyntaxError{
		SegmentID: id,
		Code:      code,
		Index:     r.index + 1,
		Offset:    r.base + int64(r.start),
		Line:      r.lines + 1,
		Msg:       msg,
	}
}

// readISA walks the element separators of the ISA at buf[start] to find the
// delimiters, checks them, and returns the ISA segment.
func (r *Reader) readISA() (*Segment, error) {
	if err := r.ensure(4); err != nil {
		return nil, err
	}
	if r.end-r.start < 4 {
		return nil, r.syntaxError("ISA", "022", "input ends inside the ISA segment")
	}
	es := r.buf[r.start+3]
	// j walks from the element separator after "ISA" to the 16th one.
	j, seps := 3, 0
	for seps < isaElements {
		if r.start+j == r.end {
			if r.eof {
				return nil, r.syntaxError("ISA", "022", fmt.Sprintf("input ends inside the ISA segment after %d of %d elements", max(seps-1, 0), isaElements))
			}
			if err := r.fill(); err != nil {
				return nil, err
			}
			continue
		}
		if j >= maxISALen {
			return nil, r.syntaxError("ISA", "022", fmt.Sprintf("ISA segment has %d of %d element separators %q in its first %d bytes", seps, isaElements, es, maxISALen))
		}
		if r.buf[r.start+j] == es {
			seps++
		}
		j++
	}
	// j is now just past the 16th separator: ISA16, then the terminator.
	if err := r.ensure(j + 2); err != nil {
		return nil, err
	}
	if r.end-r.start < j+1 {
		return nil, r.syntaxError("ISA", "027", "input ends before ISA16, the component separator")
	}
	if r.end-r.start < j+2 {
		return nil, r.syntaxError("ISA", "004", "input ends before the segment terminator after ISA16")
	}
	p := r.buf[r.start : r.start+j+1]
	d := Delimiters{Element: es, Component: p[j], Segment: r.buf[r.start+j+1]}
	fields := bytes.Split(p, []byte{es}) // "ISA" and at least 16 elements
	d.Repetition = repetitionSeparator(fields[11], fields[12])
	if f := checkDelimiters(d); f != nil {
		e := r.syntaxError("ISA", f.code, f.msg)
		e.Segment = &Segment{ID: "ISA", Elements: fields[1 : isaElements+1], Index: e.Index, Offset: e.Offset, Line: e.Line}
		e.Segment = e.Segment.Clone()
		return nil, e
	}
	r.delims = d
	seg := r.split(p, es)
	r.noteBreak(d.Segment, r.base+int64(r.start+j+1))
	r.start += j + 2
	return seg, nil
}

// readSegment finds the terminator of the segment at buf[start] and returns
// the segment. Data left at the end of the input without a terminator is
// returned as a last segment.
func (r *Reader) readSegment() (*Segment, error) {
	term := r.delims.Segment
	scanned := 0
	for {
		if i := bytes.IndexByte(r.buf[r.start+scanned:r.end], term); i >= 0 {
			n := scanned + i
			seg := r.split(r.buf[r.start:r.start+n], r.delims.Element)
			r.noteBreak(term, r.base+int64(r.start+n))
			r.start += n + 1
			return seg, nil
		}
		scanned = r.end - r.start
		if scanned > MaxSegmentSize {
			id, _, _ := bytes.Cut(r.buf[r.start:r.start+min(scanned, 16)], []byte{r.delims.Element})
			return nil, r.syntaxError(string(id), "", fmt.Sprintf("segment %q has no terminator %q within %d bytes", id, term, MaxSegmentSize))
		}
		if r.eof {
			seg := r.split(r.buf[r.start:r.end], r.delims.Element)
			r.start = r.end
			return seg, nil
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
}

// split fills the reused Segment from p, the bytes of one segment at
// buf[start] without its terminator, splitting elements on es and counting
// line breaks inside it.
func (r *Reader) split(p []byte, es byte) *Segment {
	off := r.base + int64(r.start)
	line := r.lines + 1
	elems := r.elems[:0]
	idEnd, last := -1, 0
	for i, c := range p {
		if c == es {
			if idEnd < 0 {
				idEnd = i
			} else {
				elems = append(elems, p[last:i:i])
			}
			last = i + 1
		} else if c <= '\r' && (c == '\n' || c == '\r') {
			r.noteBreak(c, off+int64(i))
		}
	}
	id := p
	if idEnd >= 0 {
		id = p[:idEnd]
		elems = append(elems, p[last:len(p):len(p)])
	}
	r.elems = elems
	r.index++
	r.seg = Segment{ID: r.intern(id), Elements: elems, Index: r.index, Offset: off, Line: line}
	return &r.seg
}

// intern returns id as a string without allocating for ids seen before.
func (r *Reader) intern(id []byte) string {
	if s, ok := r.ids[string(id)]; ok {
		return s
	}
	s := string(id)
	if len(r.ids) < maxInternedIDs {
		r.ids[s] = s
	}
	return s
}

// endPosition returns the byte offset of the end of the input and the line
// of its last byte, where an error about a missing trailer belongs.
func (r *Reader) endPosition() (int64, int) {
	line := r.lines + 1
	if r.lines > 0 && (r.lastByte == '\n' || r.lastByte == '\r') {
		line--
	}
	return r.readBytes, line
}
