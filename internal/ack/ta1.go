package ack

import (
	"fmt"

	"github.com/clearway/clearway/internal/x12"
)

// TA1 returns a standalone TA1 interchange (ISA, TA1, IEA) for the inbound
// interchange ic, addressed back to its sender: TA104 A with TA105 000 when
// its envelope has no TA1-coded fault, else R with the first fault's code.
// Send it when Needed reports ta1 (the sender asked with ISA14 = 1, or the
// envelope is bad). It keeps the inbound ISA12 ("00501" when invalid) and
// delimiters, or "*", ":", "~" when the inbound's could not be read.
//
// TA1 returns an error wrapping ErrNoAck for an interchange that carries only
// acknowledgements, and an error when opt is invalid or the inbound ISA
// cannot be addressed. opt.Kind and opt.GroupControl are not used.
func TA1(ic *x12.Interchange, opt Options) ([]byte, error) {
	if ic == nil {
		return nil, fmt.Errorf("build TA1: no interchange")
	}
	if ackOnly(ic) {
		return nil, fmt.Errorf("build TA1 for interchange %q: it carries only acknowledgements: %w", ic.Control, ErrNoAck)
	}
	version := ic.Version
	if len(version) != 5 || !allDigits(version) {
		version = "00501"
	}
	h, err := newHeader(ic, opt, version)
	if err != nil {
		return nil, fmt.Errorf("build TA1 for interchange %q: %w", ic.Control, err)
	}
	verdict, note := "A", "000"
	if e := ta1Fault(ic); e != nil {
		verdict, note = "R", e.Code
	}
	w := newWriter(h.d, opt.LineBreak)
	w.isa(h)
	w.segment("TA1", w.cut(ic.Control, 9), w.cut(ic.Date, 6), w.cut(ic.Time, 4), verdict, w.cut(note, 3))
	w.segment("IEA", "0", h.control)
	return w.buf, nil
}
