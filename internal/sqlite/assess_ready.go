package sqlite

import (
	"encoding/json"
	"fmt"

	"github.com/clearway/clearway/internal/lifecycle"
	"github.com/clearway/clearway/internal/readiness"
	"github.com/clearway/clearway/internal/validate"
)

// decideReadiness works out whether the shipment is ready to file, opens
// the reviews its "→ review" findings need, marks the findings reviewers
// accepted, and closes finding reviews whose finding went away.
func (a *assessment) decideReadiness(s *snapshot, findings []validate.Finding) (bool, error) {
	decided, notes, err := a.findingDecisions(s.id)
	if err != nil {
		return false, err
	}
	out := readiness.Decide(s.preAlerted(), findings, s.dataVersion, decided, s.openReviews)
	live := map[string]bool{}
	for i, subject := range out.Subjects {
		live[lifecycle.ReviewFinding+"\x00"+subject] = true
		if out.Overridden[i] {
			findings[i].Message += " — " + notes[subject]
		}
	}
	for _, f := range out.ToOpen {
		subject := readiness.Subject(f, s.dataVersion)
		summary := fmt.Sprintf("%s %s: %s", ShipmentRef(s.id), f.Rule, f.Message)
		detail, _ := json.Marshal(map[string]any{"rule": f.Rule, "severity": f.Severity, "field": f.Field, "line": f.Line, "message": f.Message, "data_version": s.dataVersion})
		if err := a.openReview(lifecycle.ReviewFinding, s.id, subject, summary, detail, a.fileID); err != nil {
			return false, err
		}
	}
	err = a.supersede(s.id, `kind = 'finding' AND subject LIKE 'finding:%'`, live,
		"the finding no longer arises for the data as it stands")
	return out.Ready, err
}

// findingDecisions returns what became of the shipment's finding reviews,
// by subject, and for accepted ones a note saying who accepted them.
func (a *assessment) findingDecisions(shipment int64) (readiness.Decided, map[string]string, error) {
	rows, err := a.tx.QueryContext(a.ctx, `SELECT id, subject, status, COALESCE(decided_by, ''), COALESCE(reason, '') FROM reviews
		WHERE shipment_id = ? AND kind = 'finding' AND subject LIKE 'finding:%' AND status != 'superseded'`, shipment)
	if err != nil {
		return nil, nil, fmt.Errorf("finding reviews: %w", err)
	}
	defer rows.Close()
	decided, notes := readiness.Decided{}, map[string]string{}
	for rows.Next() {
		var id int64
		var subject, status, by, reason string
		if err := rows.Scan(&id, &subject, &status, &by, &reason); err != nil {
			return nil, nil, err
		}
		decided[subject] = status
		if status == ReviewApproved {
			notes[subject] = fmt.Sprintf("accepted in review %d by %s (%s)", id, by, reason)
		}
	}
	return decided, notes, rows.Err()
}
