package lifecycle

import (
	"fmt"
	"slices"
	"strings"
)

// cesCode is CargoWise's "Customs Entry Status": its status is in the text.
const cesCode = "CES"

// ces resolves a CargoWise CES message from its text: a CargoWise code in
// it means what the cargowise table (and the partner's overrides) say; a
// status word means its event; otherwise the message is informational.
func (t *Tables) ces(m Message) resolved {
	st := parseCES(m.Text)
	if st.code != "" {
		if mp, ok := t.find(m, CodeListCargoWise, st.code); ok {
			return resolved{mapping: mp, note: fmt.Sprintf("CES status read from its text as %s", st.code)}
		}
	}
	if st.event != "" {
		return resolved{mapping: mapping{events: []Event{st.event}},
			note: fmt.Sprintf("CES status read from its text as %q", st.word)}
	}
	note := "CES status text not recognised: informational"
	if st.ambiguous {
		note = "CES status text names several statuses: informational"
	}
	return resolved{mapping: mapping{events: []Event{Info}}, note: note}
}

// cesStatus is what parseCES found in a CES text.
type cesStatus struct {
	code      string // a CargoWise event code (CLR, CCC, DCR, CEN)
	event     Event  // else the event a status word means
	word      string // that word
	ambiguous bool   // several different statuses: none is taken
}

// cesCodes are the CargoWise codes a CES text may name as its new status.
var cesCodes = []string{"CLR", "CCC", "DCR", "CEN"}

// cesWords maps the status words a CES text may use to their event.
var cesWords = map[string]Event{
	"released": ReleaseAuth, "cleared": ReleaseAuth,
	"rejected": EventRejected,
	"hold":     HoldAdded, "held": HoldAdded,
	"accepted": EventAccepted,
}

// parseCES reads the new declaration status from a CargoWise CES text. Words
// are compared whole and case-insensitively. When the text has a "to" (as in
// "status changed from CCC to CLR") only what follows the last "to" is read,
// if it names a status. A CargoWise code wins over words; two different
// codes, or two words of different meaning, are ambiguous and name nothing.
// It does not understand negation ("not released" reads as released).
func parseCES(text string) cesStatus {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9')
	})
	if i := lastIndex(words, "to"); i >= 0 {
		if st := cesStatusOf(words[i+1:]); st.code != "" || st.event != "" {
			return st
		}
	}
	return cesStatusOf(words)
}

// lastIndex is the index of the last w in words, or -1.
func lastIndex(words []string, w string) int {
	for i := len(words) - 1; i >= 0; i-- {
		if words[i] == w {
			return i
		}
	}
	return -1
}

// cesStatusOf finds the single status named in words (see parseCES).
func cesStatusOf(words []string) cesStatus {
	var codes, found []string
	var events []Event
	for _, w := range words {
		if c := strings.ToUpper(w); slices.Contains(cesCodes, c) && !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
		if ev, ok := cesWords[w]; ok && !slices.Contains(events, ev) {
			events = append(events, ev)
			found = append(found, w)
		}
	}
	switch {
	case len(codes) == 1:
		return cesStatus{code: codes[0]}
	case len(codes) > 1:
		return cesStatus{ambiguous: true}
	case len(events) == 1:
		return cesStatus{event: events[0], word: found[0]}
	}
	return cesStatus{ambiguous: len(events) > 1}
}
