// Package sensitive decides which changes to a line already stored wait
// for a person (PRODUCT.md §8): a classification (HS code) change, a money
// value moving beyond the tolerance, a new preference claim. The rest of an
// update applies at once. It is pure: the store reads the line before and
// after, and opens the reviews this returns.
package sensitive

import (
	"maps"

	"github.com/clearway/clearway/internal/validate"
)

// Review kinds of changes that wait for a person.
const (
	ClassificationChange = "classification_change"
	ValuationChange      = "valuation_change"
	PreferenceClaim      = "preference_claim"
)

// Line kinds whose changes can be held.
const (
	InvoiceLine = "invoice_line"
	Valuation   = "valuation"
)

// valueFields are the money fields whose change beyond the tolerance waits
// for review, per kind.
var valueFields = map[string][]string{
	InvoiceLine: {"unit_price", "line_value"},
	Valuation:   {"freight", "insurance", "assists", "other_additions", "deductions"},
}

// Change is one field of a held change.
type Change struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Held maps a review kind to the fields whose change it holds.
type Held map[string]map[string]Change

// Split takes an update of a stored line of kind (old → next) apart: it
// returns the fields to store now (next, with every held field back at its
// old value) and the changes that wait, by review kind (empty when none).
// tolerancePct bounds how far a money value may move on its own.
func Split(kind string, old, next map[string]string, tolerancePct float64) (map[string]string, Held) {
	keep := maps.Clone(next)
	held := Held{}
	hold := func(review, field string) {
		if held[review] == nil {
			held[review] = map[string]Change{}
		}
		held[review][field] = Change{From: old[field], To: next[field]}
		if v, ok := old[field]; ok {
			keep[field] = v
		} else {
			delete(keep, field)
		}
	}
	if kind == InvoiceLine {
		if o, n := old["hs_code"], next["hs_code"]; o != "" && n != "" && o != n {
			hold(ClassificationChange, "hs_code")
		}
		if n := next["preference_program"]; n != "" && n != old["preference_program"] {
			hold(PreferenceClaim, "preference_program")
		}
	}
	for _, field := range valueFields[kind] {
		if validate.BeyondTolerance(old[field], next[field], tolerancePct) {
			hold(ValuationChange, field)
		}
	}
	return keep, held
}

// NewClaim is the change a new line's preference claim is: it waits like a
// changed one.
func NewClaim(program string) Held {
	return Held{PreferenceClaim: {"preference_program": {To: program}}}
}
