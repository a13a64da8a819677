// Package governance decides when a partner's data quality needs a data
// steward (seed 001's governance checklist): its error rate over a trailing
// window — rejected files and files whose facts raised error findings, over
// the files it sent — above a threshold opens a partner_error_rate review,
// due within a set time. It is pure: the store counts, this decides.
package governance

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Policy is the governance configuration (config block governance).
type Policy struct {
	// ThresholdPct is the error rate, in percent, above which a partner
	// is reviewed (default 2).
	ThresholdPct float64
	// Window is the trailing window the rate is counted over (7 days).
	Window time.Duration
	// ReviewDue is how soon a data steward must review a breach (48 h).
	ReviewDue time.Duration
}

// DefaultPolicy is seed 001's: 2 % over 7 days, reviewed within 48 hours.
func DefaultPolicy() Policy {
	return Policy{ThresholdPct: 2, Window: 7 * 24 * time.Hour, ReviewDue: 48 * time.Hour}
}

// Counts is what one partner sent in the window.
type Counts struct {
	Partner    string `json:"partner"`
	Received   int    `json:"received"`    // files it sent (duplicates left out)
	Rejected   int    `json:"rejected"`    // of those, rejected
	WithErrors int    `json:"with_errors"` // of those, done but their facts raised error findings
}

// Errors is the number of files that count against the partner.
func (c Counts) Errors() int { return c.Rejected + c.WithErrors }

// RatePct is the error rate in percent (0 when nothing was received).
func (c Counts) RatePct() float64 {
	if c.Received == 0 {
		return 0
	}
	return 100 * float64(c.Errors()) / float64(c.Received)
}

// Breach is a partner above the threshold.
type Breach struct {
	Counts
	RatePct  float64   `json:"rate_pct"`
	From, To time.Time `json:"-"`
	Due      time.Time `json:"due_at"`
}

// Summary says the breach in one line for the review queue.
func (b Breach) Summary(threshold float64) string {
	return fmt.Sprintf("partner %s: %d of its %d files in the %s to %s were rejected or raised error findings (%.1f %%, threshold %g %%); a data steward must review by %s",
		b.Partner, b.Errors(), b.Received, windowText(b.To.Sub(b.From)), b.To.UTC().Format("2006-01-02 15:04 UTC"), b.RatePct, threshold, b.Due.UTC().Format("2006-01-02 15:04 UTC"))
}

// Breaches returns the partners whose rate is strictly above the threshold
// at now, by partner id.
func (p Policy) Breaches(counts []Counts, now time.Time) []Breach {
	var out []Breach
	for _, c := range counts {
		if c.Received == 0 || c.RatePct() <= p.ThresholdPct {
			continue
		}
		out = append(out, Breach{Counts: c, RatePct: c.RatePct(), From: now.Add(-p.Window), To: now, Due: now.Add(p.ReviewDue)})
	}
	slices.SortFunc(out, func(a, b Breach) int { return strings.Compare(a.Partner, b.Partner) })
	return out
}

// windowText says a window as people do: "7 days", "36 hours".
func windowText(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return fmt.Sprintf("%g hours", d.Hours())
}
