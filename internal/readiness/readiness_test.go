package readiness

import (
	"testing"

	"github.com/clearway/clearway/internal/validate"
)

func TestDecide(t *testing.T) {
	hs := validate.Finding{Rule: validate.RuleHSMismatchPO, Severity: validate.SeverityError, Field: "hs_code", Line: 1, Message: "HS 8471.30 differs from PO 8471.41"}
	warn := validate.Finding{Rule: validate.RuleIncotermPlaceMissing, Severity: validate.SeverityWarning}
	missing := validate.Finding{Rule: validate.RuleDocRequiredMissing, Severity: validate.SeverityError}
	fs := []validate.Finding{hs, warn}

	got := Decide(true, fs, "v1", Decided{}, 0)
	if got.Ready || len(got.ToOpen) != 1 || got.ToOpen[0].Rule != validate.RuleHSMismatchPO {
		t.Fatalf("undecided: got %+v, want not ready and one review to open", got)
	}
	subject := got.Subjects[0]
	if got := Decide(true, fs, "v1", Decided{subject: "open"}, 0); got.Ready || len(got.ToOpen) != 0 {
		t.Errorf("open review: got %+v, want not ready, nothing to open", got)
	}
	if got := Decide(true, fs, "v1", Decided{subject: "approved"}, 0); !got.Ready || !got.Overridden[0] {
		t.Errorf("approved: got %+v, want ready with the finding overridden", got)
	}
	if got := Decide(true, fs, "v1", Decided{subject: "rejected"}, 0); got.Ready || len(got.ToOpen) != 0 {
		t.Errorf("rejected: got %+v, want the finding to stand without a new review", got)
	}
	if got := Decide(true, fs, "v2", Decided{subject: "approved"}, 0); got.Ready || len(got.ToOpen) != 1 {
		t.Errorf("new data version: got %+v, want the finding raised again", got)
	}
	if got := Decide(true, []validate.Finding{hs, missing}, "v1", Decided{subject: "approved"}, 0); got.Ready {
		t.Errorf("other error finding: got ready, want blocked")
	}
	if got := Decide(true, []validate.Finding{warn}, "v1", nil, 1); got.Ready {
		t.Errorf("open review of another kind: got ready, want blocked")
	}
	if got := Decide(false, []validate.Finding{warn}, "v1", nil, 0); got.Ready {
		t.Errorf("not pre-alerted: got ready")
	}
}
