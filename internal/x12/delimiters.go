package x12

import "fmt"

// Delimiters are the separator bytes an interchange declares in its ISA
// segment. Every interchange in a file may declare its own.
type Delimiters struct {
	Element    byte // byte 4 of the ISA, e.g. '*'
	Component  byte // ISA16, e.g. ':' or '>'
	Segment    byte // the byte after ISA16, e.g. '~', '\n', '\r', 0x15
	Repetition byte // ISA11 when ISA12 >= 00403 and ISA11 is a separator; 0 when none
}

// String renders the delimiters for logs and reports, e.g.
// `element '*' component '>' segment '~' repetition none`.
func (d Delimiters) String() string {
	rep := "none"
	if d.Repetition != 0 {
		rep = fmt.Sprintf("%q", d.Repetition)
	}
	return fmt.Sprintf("element %q component %q segment %q repetition %s", d.Element, d.Component, d.Segment, rep)
}

// isaElements is the number of elements in an ISA segment.
const isaElements = 16

// maxISALen bounds the separator walk through an ISA. A conforming ISA is
// 106 bytes; anything beyond this is not an interchange header.
const maxISALen = 1024

// delimiterFault names a delimiter problem and the TA1 code that reports it.
type delimiterFault struct {
	code string
	msg  string
}

// isAlnum reports whether c is an ASCII letter or digit, which X12 forbids
// as a delimiter.
func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// isSpace reports whether c is the whitespace tolerated between segments.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// repetitionSeparator returns the repetition separator that ISA11 declares,
// or 0: ISA11 is one only when ISA12 is 00403 or later and ISA11 is a single
// byte that is neither alphanumeric nor a space (ISA11 is "U" before 00403).
func repetitionSeparator(isa11, isa12 []byte) byte {
	if len(isa11) != 1 || isAlnum(isa11[0]) || isa11[0] == ' ' {
		return 0
	}
	if len(isa12) != 5 || !allDigits(isa12) || string(isa12) < "00403" {
		return 0
	}
	return isa11[0]
}

// checkDelimiters rejects alphanumeric delimiters and delimiters that are
// equal to each other, naming the TA1 code of the offending ISA element.
func checkDelimiters(d Delimiters) *delimiterFault {
	switch {
	case isAlnum(d.Element):
		return &delimiterFault{"026", fmt.Sprintf("element separator %q is alphanumeric", d.Element)}
	case isAlnum(d.Component):
		return &delimiterFault{"027", fmt.Sprintf("ISA16 component separator %q is alphanumeric", d.Component)}
	case d.Component == d.Element:
		return &delimiterFault{"027", fmt.Sprintf("ISA16 component separator %q equals the element separator", d.Component)}
	case isAlnum(d.Segment):
		return &delimiterFault{"004", fmt.Sprintf("segment terminator %q is alphanumeric", d.Segment)}
	case d.Segment == d.Element || d.Segment == d.Component:
		return &delimiterFault{"004", fmt.Sprintf("segment terminator %q equals another delimiter", d.Segment)}
	case d.Repetition != 0 && (d.Repetition == d.Element || d.Repetition == d.Component || d.Repetition == d.Segment):
		return &delimiterFault{"016", fmt.Sprintf("ISA11 repetition separator %q equals another delimiter", d.Repetition)}
	}
	return nil
}

// allDigits reports whether b is non-empty and all ASCII digits.
func allDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
