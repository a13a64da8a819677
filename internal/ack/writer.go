package ack

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clearway/clearway/internal/x12"
)

// header holds the ISA values of an acknowledgement interchange.
type header struct {
	senderQual, senderID     string // ISA05, ISA06: the inbound's receiver
	receiverQual, receiverID string // ISA07, ISA08: the inbound's sender
	version                  string // ISA12
	control                  string // ISA13, nine digits
	usage                    string // ISA15
	now                      time.Time
	d                        x12.Delimiters // output delimiters, Repetition set from 00403 on
}

// newHeader checks opt and the inbound ISA values an acknowledgement is
// addressed with, and returns the header of an acknowledgement of ic at
// ISA12 version.
func newHeader(ic *x12.Interchange, opt Options, version string) (*header, error) {
	if opt.Now.IsZero() {
		return nil, errors.New("no time for ISA09/ISA10 (Options.Now is zero)")
	}
	if opt.InterchangeControl < 1 || opt.InterchangeControl > maxControl {
		return nil, fmt.Errorf("interchange control number %d is not 1 to %d", opt.InterchangeControl, maxControl)
	}
	switch opt.LineBreak {
	case "", "\n", "\r\n", "\r":
	default:
		return nil, fmt.Errorf("line break %q is not empty, LF, CRLF or CR", opt.LineBreak)
	}
	usage := opt.Usage
	switch {
	case usage == "" && validUsage(ic.Usage):
		usage = ic.Usage
	case usage == "":
		usage = "P"
	case !validUsage(usage):
		return nil, fmt.Errorf("usage indicator %q is not P, T or I", usage)
	}
	h := &header{
		senderQual:   ic.ReceiverQual,
		senderID:     ic.ReceiverID,
		receiverQual: ic.SenderQual,
		receiverID:   ic.SenderID,
		version:      version,
		control:      fmt.Sprintf("%09d", opt.InterchangeControl),
		usage:        usage,
		now:          opt.Now,
		d:            outputDelimiters(ic, version),
	}
	for _, q := range []struct{ name, v string }{{"ISA07 receiver", h.senderQual}, {"ISA05 sender", h.receiverQual}} {
		if len(q.v) != 2 || !allAlnum(q.v) {
			return nil, fmt.Errorf("inbound %s qualifier %q is not 2 letters or digits", q.name, q.v)
		}
	}
	for _, id := range []struct{ name, v string }{{"ISA08 receiver", h.senderID}, {"ISA06 sender", h.receiverID}} {
		if err := checkID(id.v, h.d); err != nil {
			return nil, fmt.Errorf("inbound %s id %q %w", id.name, id.v, err)
		}
	}
	return h, nil
}

func validUsage(u string) bool {
	return u == "P" || u == "T" || u == "I"
}

// checkID rejects an interchange id that does not fit ISA06/ISA08.
func checkID(v string, d x12.Delimiters) error {
	if strings.TrimSpace(v) == "" || len(v) > 15 {
		return errors.New("is not 1 to 15 characters")
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e || isDelimiter(c, d) {
			return fmt.Errorf("holds %q, which the acknowledgement cannot carry", c)
		}
	}
	return nil
}

// defaultDelimiters are written when the inbound's cannot be: its ISA could
// not be read, or its element separator is a space (the ISA's fixed-width
// fields are padded with spaces).
var defaultDelimiters = x12.Delimiters{Element: '*', Component: ':', Segment: '~'}

// repetitionCandidates are tried in order when the acknowledgement needs a
// repetition separator the inbound did not declare. The ISA ids hold at most
// 30 printable characters, so the control characters at the end guarantee
// a pick.
const repetitionCandidates = "^{}|!`\\@#$%&;~*:<>?/=+-_.,'\"()[]\x1f\x1e\x1d\x1c"

// outputDelimiters returns the delimiters of an acknowledgement of ic at
// ISA12 version: the inbound's, with a repetition separator from 00403 on
// and none before.
func outputDelimiters(ic *x12.Interchange, version string) x12.Delimiters {
	d := ic.Delimiters
	if d.Element == 0 || d.Element == ' ' || d.Component == 0 || d.Segment == 0 {
		d = defaultDelimiters
	}
	if version < "00403" {
		d.Repetition = 0
		return d
	}
	ok := func(c byte) bool {
		return c != 0 && c != ' ' && !isAlnum(c) && c != d.Element && c != d.Component && c != d.Segment &&
			strings.IndexByte(ic.SenderID, c) < 0 && strings.IndexByte(ic.ReceiverID, c) < 0
	}
	if ok(ic.Delimiters.Repetition) {
		d.Repetition = ic.Delimiters.Repetition
		return d
	}
	d.Repetition = 0
	for i := 0; i < len(repetitionCandidates); i++ {
		if c := repetitionCandidates[i]; ok(c) {
			d.Repetition = c
			break
		}
	}
	return d
}

func isDelimiter(c byte, d x12.Delimiters) bool {
	return c == d.Element || c == d.Component || c == d.Segment || (d.Repetition != 0 && c == d.Repetition)
}

// clean removes delimiters and control characters from a value copied into
// the acknowledgement.
func clean(s string, d x12.Delimiters) string {
	keep := func(c byte) bool { return c >= 0x20 && c != 0x7f && !isDelimiter(c, d) }
	i := 0
	for i < len(s) && keep(s[i]) {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s[:i])
	for ; i < len(s); i++ {
		if keep(s[i]) {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// writer builds an acknowledgement interchange.
type writer struct {
	buf   []byte
	d     x12.Delimiters
	eol   string // terminator and line break
	count int    // segments written since the count was reset (at ST)
}

func newWriter(d x12.Delimiters, lineBreak string) *writer {
	eol := string([]byte{d.Segment})
	switch d.Segment {
	case '\n':
	case '\r':
		if lineBreak == "\n" {
			eol += lineBreak
		}
	default:
		eol += lineBreak
	}
	return &writer{d: d, eol: eol}
}

// cut returns v cleaned of delimiters and cut to at most n bytes, at a
// character boundary.
func (w *writer) cut(v string, n int) string {
	v = clean(v, w.d)
	if len(v) <= n {
		return v
	}
	for n > 0 && !utf8.RuneStart(v[n]) {
		n--
	}
	return v[:n]
}

// segment writes one segment, leaving out trailing empty elements. The
// elements must be free of delimiters.
func (w *writer) segment(id string, elems ...string) {
	n := len(elems)
	for n > 0 && elems[n-1] == "" {
		n--
	}
	w.buf = append(w.buf, id...)
	for _, e := range elems[:n] {
		w.buf = append(w.buf, w.d.Element)
		w.buf = append(w.buf, e...)
	}
	w.buf = append(w.buf, w.eol...)
	w.count++
}

// isa writes the fixed-width ISA segment of h.
func (w *writer) isa(h *header) {
	rep := "U"
	if h.d.Repetition != 0 {
		rep = string([]byte{h.d.Repetition})
	}
	fields := []string{
		"00", "          ", "00", "          ", // no authorization or security information
		h.senderQual, fmt.Sprintf("%-15s", h.senderID),
		h.receiverQual, fmt.Sprintf("%-15s", h.receiverID),
		h.now.Format("060102"), h.now.Format("1504"),
		rep, h.version, h.control,
		"0", // an acknowledgement asks for no TA1
		h.usage,
		string([]byte{h.d.Component}),
	}
	w.buf = append(w.buf, "ISA"...)
	for _, f := range fields {
		w.buf = append(w.buf, h.d.Element)
		w.buf = append(w.buf, f...)
	}
	w.buf = append(w.buf, w.eol...)
}

// LineBreakOf returns the line break the inbound file puts after the
// terminator of ic's ISA segment ("\r\n", "\n", "\r" or ""), for
// Options.LineBreak, so an acknowledgement is laid out like the file it
// answers. inbound is the whole file ic was read from; a terminator that is
// itself a line break gives "" (or "\n" for a CR followed by LF).
func LineBreakOf(inbound []byte, ic *x12.Interchange) string {
	if ic == nil || ic.Offset < 0 || ic.Offset+4 > int64(len(inbound)) {
		return ""
	}
	p := inbound[ic.Offset:]
	if !bytes.HasPrefix(p, []byte("ISA")) {
		return ""
	}
	es, seps, j := p[3], 0, 3
	for ; j < len(p) && seps < 16; j++ {
		if p[j] == es {
			seps++
		}
	}
	if seps < 16 || j+1 >= len(p) {
		return ""
	}
	term, after := p[j+1], p[j+2:]
	switch {
	case term == '\n':
		return ""
	case term == '\r':
		if len(after) > 0 && after[0] == '\n' {
			return "\n"
		}
		return ""
	case bytes.HasPrefix(after, []byte("\r\n")):
		return "\r\n"
	case len(after) > 0 && after[0] == '\n':
		return "\n"
	case len(after) > 0 && after[0] == '\r':
		return "\r"
	}
	return ""
}
