// Package readiness decides whether a shipment's packet may go to the
// broker (FILE_READY): its findings, the "→ review" rules of DOMAIN.md §0
// and what reviewers decided about them. It is pure: the store hands in the
// findings and the decisions and saves what comes out.
package readiness

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/clearway/clearway/internal/validate"
)

// ReviewRules are the rules whose findings open a review of their own
// (DOMAIN.md §0 "→ review"): they block readiness until a reviewer accepts
// them with a reason code, for the data as it stands.
var ReviewRules = []string{
	validate.RuleHSMismatchPO, validate.RulePriceDeviation,
	validate.RuleValuationDeductionMissing, validate.RuleValuationAdditionMissing,
}

// NeedsReview reports whether a finding of rule opens a review.
func NeedsReview(rule string) bool { return slices.Contains(ReviewRules, rule) }

// Subject is what a finding review is about: the rule, the line, the
// message (which names the values) and the version of the data it was
// raised on, so a new version of that data raises it again.
func Subject(f validate.Finding, dataVersion string) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%s\x00%s\x00%s", f.Rule, f.Line, f.Field, f.Message, dataVersion)))
	return "finding:" + f.Rule + ":" + hex.EncodeToString(h[:8])
}

// Decided is what reviewers did with finding reviews, by subject:
// "approved", "rejected" or "open".
type Decided map[string]string

// Outcome is the readiness of one shipment.
type Outcome struct {
	// Ready: pre-alerted, no blocking finding, no open review.
	Ready bool
	// Overridden are the subjects of findings a reviewer accepted.
	Overridden map[int]bool // index into the findings
	// ToOpen are the findings that need a review opened now.
	ToOpen []validate.Finding
	// Subjects are the subjects of every "→ review" finding, by index.
	Subjects map[int]string
}

// Decide works out readiness. preAlerted: something beyond PO lines is
// known; openReviews: reviews still open on the shipment, other than the
// finding reviews Decide is told about in decided.
func Decide(preAlerted bool, findings []validate.Finding, dataVersion string, decided Decided, openReviews int) Outcome {
	out := Outcome{Overridden: map[int]bool{}, Subjects: map[int]string{}}
	blocked := openReviews > 0
	for i, f := range findings {
		if !NeedsReview(f.Rule) {
			if f.Severity == validate.SeverityError {
				blocked = true
			}
			continue
		}
		subject := Subject(f, dataVersion)
		out.Subjects[i] = subject
		switch decided[subject] {
		case "approved":
			out.Overridden[i] = true
		case "":
			out.ToOpen = append(out.ToOpen, f)
			blocked = true
		default: // open, or rejected: the finding stands
			blocked = true
		}
	}
	out.Ready = preAlerted && !blocked
	return out
}
