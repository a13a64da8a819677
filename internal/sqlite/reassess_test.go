package sqlite

import (
	"context"
	"slices"
	"testing"
)

// TestReassessWhenRulesChange checks a changed rule reaches shipments
// already stored at the next start, and that an unchanged rule set leaves
// the store alone (no pass, no new timeline rows).
func TestReassessWhenRulesChange(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	reassess := func() int {
		t.Helper()
		n, err := db.ReassessIfRulesChanged(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := reassess(); n != 0 {
		t.Fatalf("empty store: re-assessed %d shipments", n)
	}
	// 103 invoiced against 100 ordered: within the default 5 %.
	ingestFile(t, db, "1", poLine("1", "8482105048", "100", "0.62"), invoiceLine("1", "8482105048", "103", "0.62", "63.86"),
		document("commercial_invoice", "a"), document("bill_of_lading", "c"))
	if s := show(t, db, "PO-1"); s.State != "FILE_READY" {
		t.Fatalf("state %s, want FILE_READY; findings %v", s.State, rules(s.Findings))
	}
	if n := reassess(); n != 0 {
		t.Fatalf("unchanged rules: re-assessed %d shipments", n)
	}
	if _, err := db.ReassessAll(ctx); err != nil { // a forced pass changes nothing either
		t.Fatal(err)
	}
	if s := show(t, db, "PO-1"); len(s.Timeline) != 1 {
		t.Fatalf("a pass with unchanged rules added timeline rows: %+v", s.Timeline)
	}

	// The site now wants a packing list with every invoice.
	db.Rules.Validation.RequiredDocs = map[string][]string{"": {"commercial_invoice", "packing_list"}}
	if n := reassess(); n != 1 {
		t.Fatalf("changed rules: re-assessed %d shipments, want 1", n)
	}
	s := show(t, db, "PO-1")
	if s.State != "DOCS_INCOMPLETE" || !slices.Contains(rules(s.Findings), "DOC_REQUIRED_MISSING") {
		t.Fatalf("after requiring a packing list: state %s findings %v, want DOCS_INCOMPLETE with DOC_REQUIRED_MISSING", s.State, rules(s.Findings))
	}
	if last := s.Timeline[len(s.Timeline)-1]; last.Event != "VALIDATION_FAILED" {
		t.Fatalf("last timeline event %s, want VALIDATION_FAILED", last.Event)
	}
	if n := reassess(); n != 0 {
		t.Fatalf("second start with the same rules: re-assessed %d shipments", n)
	}
}
