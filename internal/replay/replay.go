// Package replay says what re-reading an archived file through another
// mapping version changes: lines added, removed and changed field by field,
// findings that appear or clear, shipments whose state moves, and files
// that would now be accepted or rejected. It decides and describes; the
// store and the pipeline do the reading and writing.
package replay

import (
	"maps"
	"slices"
	"time"

	"github.com/clearway/clearway/internal/validate"
)

// Op is what a replay does to one stored line.
type Op string

const (
	Added   Op = "added"
	Changed Op = "changed"
	Removed Op = "removed"
	// Kept: a later file wrote the line since, so the replay leaves it
	// alone (a replay never turns a line back to an older file's values).
	Kept Op = "kept"
)

// FieldChange is one field of a line before and after ("" = absent).
type FieldChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// LineChange is one stored line the replay adds, changes, removes or keeps.
type LineChange struct {
	Op       Op            `json:"op"`
	Kind     string        `json:"kind"`
	Key      string        `json:"key"`
	Shipment string        `json:"shipment,omitempty"` // ref, when the line is on one
	Fields   []FieldChange `json:"fields,omitempty"`
	// Held: part of the change waits for a person (a review opens).
	Held bool   `json:"held,omitempty"`
	Note string `json:"note,omitempty"`
}

// Line builds the change between a line's stored fields and the replay's.
func Line(op Op, kind, key string, before, after map[string]string) LineChange {
	return LineChange{Op: op, Kind: kind, Key: key, Fields: Diff(before, after)}
}

// Diff lists the fields whose values differ, by field name.
func Diff(before, after map[string]string) []FieldChange {
	names := map[string]bool{}
	for k := range before {
		names[k] = true
	}
	for k := range after {
		names[k] = true
	}
	var out []FieldChange
	for _, k := range slices.Sorted(maps.Keys(names)) {
		if before[k] != after[k] {
			out = append(out, FieldChange{Field: k, Before: before[k], After: after[k]})
		}
	}
	return out
}

// ShipmentChange is a shipment whose state or findings the replay moves.
type ShipmentChange struct {
	Ref         string             `json:"ref"`
	StateBefore string             `json:"state_before"` // "" for a shipment the replay creates
	StateAfter  string             `json:"state_after"`
	Appeared    []validate.Finding `json:"findings_appeared,omitempty"`
	Cleared     []validate.Finding `json:"findings_cleared,omitempty"`
}

// Compare returns the change of one shipment, and false when its state and
// findings stay as they were. Findings are the same finding when rule,
// field, line and document agree (the message may name new values).
func Compare(ref, stateBefore, stateAfter string, before, after []validate.Finding) (ShipmentChange, bool) {
	c := ShipmentChange{Ref: ref, StateBefore: stateBefore, StateAfter: stateAfter,
		Appeared: missingFrom(after, before), Cleared: missingFrom(before, after)}
	return c, stateBefore != stateAfter || len(c.Appeared) > 0 || len(c.Cleared) > 0
}

// missingFrom lists the findings of a that b does not have.
func missingFrom(a, b []validate.Finding) []validate.Finding {
	have := map[findingID]bool{}
	for _, f := range b {
		have[idOf(f)] = true
	}
	var out []validate.Finding
	for _, f := range a {
		if !have[idOf(f)] {
			out = append(out, f)
		}
	}
	return out
}

type findingID struct {
	rule, field, document string
	line                  int
}

func idOf(f validate.Finding) findingID {
	return findingID{f.Rule, f.Field, f.Document, f.Line}
}

// Outcome sums up a file's replay in the words an admin scans for.
type Outcome string

const (
	NewlyAccepted Outcome = "newly accepted" // was rejected, now reads
	NowRejected   Outcome = "now rejected"   // was accepted, would no longer read
	StillRejected Outcome = "still rejected"
	Changes       Outcome = "changed"
	Unchanged     Outcome = "unchanged"
	Failed        Outcome = "failed" // could not be replayed (archived copy gone, …)
)

// Counts are a file's line changes, complete even when the list is cut.
type Counts struct {
	Added   int `json:"added"`
	Changed int `json:"changed"`
	Removed int `json:"removed"`
	Kept    int `json:"kept"`
	Held    int `json:"held"`
	Reviews int `json:"reviews"`
}

// Total is the number of lines the replay would write.
func (c Counts) Total() int { return c.Added + c.Changed + c.Removed }

// File is what replaying one file does (or did, when Applied).
type File struct {
	ID            int64     `json:"file_id"`
	Partner       string    `json:"partner"`
	Name          string    `json:"name"`
	ReceivedAt    time.Time `json:"received_at"`
	Mapping       string    `json:"mapping"`
	MappingBefore string    `json:"mapping_hash_before"`
	MappingAfter  string    `json:"mapping_hash"`
	StateBefore   string    `json:"state_before"`
	StateAfter    string    `json:"state_after"`
	Outcome       Outcome   `json:"outcome"`
	// Errors are why the file is (still, or now) rejected, or why it
	// could not be replayed.
	Errors    []string         `json:"errors,omitempty"`
	Counts    Counts           `json:"counts"`
	Lines     []LineChange     `json:"lines"`
	MoreLines int              `json:"more_lines,omitempty"` // changes beyond the listed ones
	Shipments []ShipmentChange `json:"shipments"`
	Records   int              `json:"records"`
	Applied   bool             `json:"applied"`
	ReplayID  int64            `json:"replay_id,omitempty"`
	// Note says what apply did or left alone, in a sentence.
	Note string `json:"note,omitempty"`
}

// Limit is how many line changes a File lists by default; counts are
// always complete.
const Limit = 100

// Collector gathers a file's line changes, listing the first max (all
// when max < 0) and counting every one.
type Collector struct {
	File *File
	Max  int
}

// Sink takes a replay's line changes: Count counts every one and says
// whether its detail is wanted, Keep takes the detail of those it wanted.
// A million changed lines are counted without building each one's diff.
type Sink interface {
	Count(op Op, held bool) bool
	Keep(LineChange)
}

// Add counts and lists one line change.
func (c *Collector) Add(l LineChange) {
	if c.Count(l.Op, l.Held) {
		c.Keep(l)
	}
}

// Count counts one line change; it is wanted while the list has room.
func (c *Collector) Count(op Op, held bool) bool {
	n := &c.File.Counts
	switch op {
	case Added:
		n.Added++
	case Changed:
		n.Changed++
	case Removed:
		n.Removed++
	case Kept:
		n.Kept++
	}
	if held {
		n.Held++
	}
	if c.Max >= 0 && len(c.File.Lines) >= c.Max {
		c.File.MoreLines++
		return false
	}
	return true
}

// Keep lists one line change.
func (c *Collector) Keep(l LineChange) { c.File.Lines = append(c.File.Lines, l) }

// Settle sets the outcome from the states and the changes found.
func (f *File) Settle() {
	switch {
	case f.Outcome == Failed:
	case f.StateBefore == "rejected" && f.StateAfter == "done":
		f.Outcome = NewlyAccepted
	case f.StateBefore == "done" && f.StateAfter == "rejected":
		f.Outcome = NowRejected
	case f.StateAfter == "rejected":
		f.Outcome = StillRejected
	case f.Counts.Total() > 0 || f.Counts.Reviews > 0 || len(f.Shipments) > 0:
		f.Outcome = Changes
	default:
		f.Outcome = Unchanged
	}
}

// Changes reports whether applying the replay would write anything.
func (f *File) Changes() bool {
	return f.Outcome == NewlyAccepted || f.Outcome == Changes
}

// Summary counts files by outcome over a replay run.
type Summary struct {
	Files    int             `json:"files"`
	Outcomes map[Outcome]int `json:"outcomes"`
	Lines    Counts          `json:"lines"`
	Applied  int             `json:"applied"`
}

// Add counts one file.
func (s *Summary) Add(f *File) {
	if s.Outcomes == nil {
		s.Outcomes = map[Outcome]int{}
	}
	s.Files++
	s.Outcomes[f.Outcome]++
	s.Lines.Added += f.Counts.Added
	s.Lines.Changed += f.Counts.Changed
	s.Lines.Removed += f.Counts.Removed
	s.Lines.Kept += f.Counts.Kept
	s.Lines.Held += f.Counts.Held
	s.Lines.Reviews += f.Counts.Reviews
	if f.Applied {
		s.Applied++
	}
}
