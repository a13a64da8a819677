// Package retention decides when the originals of a customs entry may be
// deleted (issue 15). 19 CFR 163.4 asks an importer to keep the records of
// an entry for five years; Clearway counts them from the entry's release
// and keeps them, whatever their age, while any entry of the shipment is
// open or compliance has put the shipment under a legal hold.
//
// The package is pure: the store loads what it needs, the job deletes.
package retention

import (
	"fmt"
	"slices"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/lifecycle"
)

// year is how many days of a retention period count as a calendar year.
const year = 365 * 24 * time.Hour

// Policy is the configured retention (config block retention).
type Policy struct {
	// Archive is how long after its release an entry's originals are kept;
	// 0 keeps them forever.
	Archive time.Duration
}

// Cutoff returns the release time before which an entry is past retention
// at now, and false when the policy keeps everything. Every whole 365 days
// of Archive count as a calendar year, because the law counts years:
// "1825d" keeps an entry released on 2024-03-01 until 2029-03-01, where
// counting 1825 days across 2028-02-29 would let it go a day early.
func (p Policy) Cutoff(now time.Time) (time.Time, bool) {
	if p.Archive <= 0 {
		return time.Time{}, false
	}
	years, rest := int(p.Archive/year), p.Archive%year
	return now.UTC().AddDate(-years, 0, 0).Add(-rest), true
}

// String is the policy as the configuration writes it: "1825d", "0"
// (keep forever), or a Go duration when it is no whole number of days.
func (p Policy) String() string {
	const day = 24 * time.Hour
	switch {
	case p.Archive <= 0:
		return "0"
	case p.Archive%day == 0:
		return fmt.Sprintf("%dd", p.Archive/day)
	}
	return p.Archive.String()
}

// Entry is one customs entry of a shipment as retention sees it.
type Entry struct {
	Number  string
	State   lifecycle.State
	Partial bool // released for part of the cargo only
}

// Shipment is what decides whether a shipment's originals may go.
type Shipment struct {
	Ref string
	// State is the shipment's overall state: its least advanced entry.
	State   lifecycle.State
	Entries []Entry
	// ReleasedAt is the latest release of its entries (event time); zero
	// when none was released.
	ReleasedAt time.Time
	// LegalHold is set while compliance holds the shipment.
	LegalHold bool
	// OpenReviews counts its undecided reviews: someone still has to
	// look at its evidence.
	OpenReviews int
}

// ClosedStates are the states of an entry released or beyond, the only
// ones whose records start to age. The terminal exceptions (REFUSED,
// SEIZED, GENERAL_ORDER) and CANCELLED have no release to count from:
// their records are kept.
var ClosedStates = []lifecycle.State{lifecycle.Released, lifecycle.SummaryFiled, lifecycle.Finalized, lifecycle.Closed}

// Closed reports whether an entry in state s is one of ClosedStates.
func Closed(s lifecycle.State) bool { return slices.Contains(ClosedStates, s) }

// Expired reports whether the shipment's originals are past retention for
// a policy cutoff (Policy.Cutoff), and otherwise why they are kept.
func Expired(s Shipment, cutoff time.Time) (bool, string) {
	if s.LegalHold {
		return false, "under legal hold"
	}
	if !Closed(s.State) {
		return false, fmt.Sprintf("entry open (%s)", s.State)
	}
	for _, e := range s.Entries {
		// A cancelled entry beside released ones is over; it has no
		// release of its own and does not keep the others.
		if e.State == lifecycle.Cancelled {
			continue
		}
		if !Closed(e.State) {
			return false, fmt.Sprintf("entry %s open (%s)", entryName(e), e.State)
		}
		if e.Partial {
			return false, fmt.Sprintf("entry %s released in part only", entryName(e))
		}
	}
	if s.OpenReviews > 0 {
		return false, fmt.Sprintf("%d open review(s)", s.OpenReviews)
	}
	if s.ReleasedAt.IsZero() {
		return false, "no release date"
	}
	if !s.ReleasedAt.Before(cutoff) {
		return false, "released " + Day(s.ReleasedAt) + ", within retention"
	}
	return true, "released " + Day(s.ReleasedAt) + ", past retention"
}

func entryName(e Entry) string {
	if e.Number == "" {
		return "(not yet numbered)"
	}
	return e.Number
}

// Links is everything that refers to one archive object: the journal
// entries holding its bytes and what they contributed to.
type Links struct {
	// Pending is set while a journal entry with these bytes still waits
	// for the pipeline: what it will link to is not known yet.
	Pending bool
	// Unshipped is set when an entry contributed to something that is no
	// shipment: purchase-order lines (they belong to the order, which
	// later shipments still draw on), a review of no shipment.
	Unshipped bool
	// Shipments are the refs of the shipments it contributed to.
	Shipments []string
}

// Keep says why an object with these links must stay, "" when it may go:
// only when it belongs to shipments alone and every one of them is past
// retention (expired). An object linked to nothing at all (a rejected
// file, a duplicate alone) is kept: nothing says its retention began.
func (l Links) Keep(expired func(ref string) bool) string {
	switch {
	case l.Pending:
		return "a journal entry with these bytes is still being processed"
	case l.Unshipped:
		return "linked to something other than a shipment (purchase-order lines, a review)"
	case len(l.Shipments) == 0:
		return "linked to no shipment"
	}
	for _, ref := range l.Shipments {
		if !expired(ref) {
			return "also belongs to " + ref + ", which is not past retention"
		}
	}
	return ""
}

// Candidate is an archive object past retention: its bytes may be
// deleted.
type Candidate struct {
	SHA256 string `json:"sha256"`
	// Files are every journal entry holding these bytes.
	Files []int64 `json:"files"`
	// Shipments are the refs of the shipments they contributed to.
	Shipments []string `json:"shipments"`
	// ReleasedAt is the latest release among those shipments.
	ReleasedAt time.Time `json:"released_at"`
}

// SentCopy is a file delivered to a partner about a shipment past
// retention: its outbound/sent copy and its spool may be deleted.
type SentCopy struct {
	Run     int64  `json:"run"`
	Partner string `json:"partner"`
	Job     string `json:"job"`
	Name    string `json:"name"` // under outbound/sent/<partner>/
	Spool   string `json:"-"`
	// SpoolShared is set when another run has the same spool file: it
	// stays.
	SpoolShared bool      `json:"-"`
	Shipment    string    `json:"shipment"`
	ReleasedAt  time.Time `json:"released_at"`
}

// MayHold reports whether users of role r may set or clear a legal hold
// (PRODUCT.md §11.1): compliance and admin; nobody else.
func MayHold(r account.Role) bool {
	return r == account.Admin || r == account.Compliance
}

// Day formats a time as the day it names, in UTC, for logs and reasons.
func Day(t time.Time) string { return t.UTC().Format("2006-01-02") }
