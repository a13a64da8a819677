package sqlite

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/clearway"
)

// conflictStore makes two shipments (BL-1, booking BK-2) and a packing
// line naming both, held in an identifier_conflict review.
func conflictStore(t *testing.T) (*DB, *Review) {
	t.Helper()
	db := MustOpenDB(t)
	ingestFile(t, db, "1", invoiceLine("1", "8482105048", "10", "0.62", "6.2", "bill_of_lading", "BL-1"), document("commercial_invoice", "a"))
	ingestFile(t, db, "2", rec(clearway.KindShipment, "booking_number", "BK-2", "vessel", "MSC ANNA"), rec(clearway.KindMilestone, "event", "booked", "at", "2026-02-01T00:00:00Z", "booking_number", "BK-2"))
	ingestFile(t, db, "3", rec(clearway.KindPackingLine, "po_number", "PO-9", "sku", "A", "quantity", "3", "bill_of_lading", "BL-1", "booking_number", "BK-2"))
	rs, err := db.ListReviews(context.Background(), ReviewOpen)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rs, func(r *Review) bool { return r.Kind == ReviewIdentifierConflict })
	if i < 0 {
		t.Fatalf("reviews %+v, want an identifier_conflict", rs)
	}
	return db, rs[i]
}

func TestDecideConflictMerge(t *testing.T) {
	ctx := context.Background()
	db, r := conflictStore(t)
	if _, err := db.DecideReview(ctx, r.ID, Decision{Action: DecisionApprove, Reason: "OTHER", By: "ana", ReasonCodes: reasonCodes}); err == nil || !strings.Contains(err.Error(), "merge") {
		t.Fatalf("approve on a conflict: %v, want a refusal naming merge/separate", err)
	}
	got, err := db.DecideReview(ctx, r.ID, Decision{Action: DecisionMerge, Reason: "OTHER", By: "ana", ReasonCodes: reasonCodes,
		Attachments: []Attachment{{Name: "booking-confirmation.pdf", Size: 12, SHA256: strings.Repeat("c", 64)}}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != ReviewApproved || got.Decision != DecisionMerge {
		t.Errorf("review %s/%s, want approved/merge", got.Status, got.Decision)
	}
	s := show(t, db, "BK-2")
	if s.Ref != "CW-000001" || !slices.Equal(s.Identifiers["booking_number"], []string{"BK-2"}) || len(s.Packing) != 1 || s.Fields["vessel"] != "MSC ANNA" {
		t.Fatalf("after merge %s ids %v packing %d fields %v, want CW-000001 with everything", s.Ref, s.Identifiers, len(s.Packing), s.Fields)
	}
	if !slices.ContainsFunc(s.Timeline, func(e TimelineEvent) bool { return e.Event == "booked" }) {
		t.Error("the milestone of the merged shipment did not move")
	}
	if other := show(t, db, "CW-000002"); other.Ref != "CW-000001" {
		t.Errorf("the merged ref finds %s, want CW-000001", other.Ref)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM shipments`); n != 1 {
		t.Errorf("%d shipments after merge, want 1", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE entity = 'shipment' AND entity_id = 2 AND action = 'merge' AND before LIKE '%BK-2%'`); n != 1 {
		t.Error("no audit entry of the merge with what the shipment held")
	}
	atts, err := db.ShipmentAttachments(ctx, "CW-000001")
	if err != nil || len(atts) != 1 || atts[0].Name != "booking-confirmation.pdf" || atts[0].AddedBy != "ana" {
		t.Errorf("attachments %+v %v, want the booking confirmation by ana", atts, err)
	}
}

func TestDecideConflictSeparate(t *testing.T) {
	ctx := context.Background()
	db, r := conflictStore(t)
	if _, err := db.DecideReview(ctx, r.ID, Decision{Action: DecisionSeparate, Reason: "OTHER", By: "ana", ReasonCodes: reasonCodes}); err != nil {
		t.Fatal(err)
	}
	if a, b := show(t, db, "BL-1"), show(t, db, "BK-2"); a.Ref == b.Ref || len(a.Packing) != 1 || len(b.Packing) != 0 {
		t.Fatalf("after separate: %s packing %d, %s packing %d; want two shipments, the line with the first", a.Ref, len(a.Packing), b.Ref, len(b.Packing))
	}
	// The same pair again: no new question.
	ingestFile(t, db, "4", rec(clearway.KindPackingLine, "po_number", "PO-10", "sku", "B", "quantity", "3", "bill_of_lading", "BL-1", "booking_number", "BK-2"))
	if n := count(t, db, `SELECT COUNT(*) FROM reviews WHERE kind = 'identifier_conflict'`); n != 1 {
		t.Errorf("%d conflict reviews, want the one decided", n)
	}
	if got := show(t, db, "BL-1"); len(got.Packing) != 2 {
		t.Errorf("BL-1 packing %d, want 2", len(got.Packing))
	}
}

// HS_MISMATCH_PO is "→ review": it opens a finding review; accepting it
// makes the shipment ready for the data as it stands; a new invoice
// version with the same mismatch asks again.
func TestFindingReview(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ingestFile(t, db, "1", poLine("1", "8483405010", "100", "0.62"))
	ingestFile(t, db, "2", invoiceLine("1", "8482105048", "100", "0.62", "62"), rec(clearway.KindValuation, "bill_of_lading", "MAEU240312345", "freight", "0"),
		document("commercial_invoice", "a"), document("bill_of_lading", "b"))
	open := findingReviews(t, db, ReviewOpen)
	if len(open) != 1 || !strings.Contains(open[0].Summary, "HS_MISMATCH_PO") {
		t.Fatalf("finding reviews %+v, want one for HS_MISMATCH_PO", open)
	}
	if s := show(t, db, "MAEU240312345"); s.State == "FILE_READY" {
		t.Fatalf("ready before the review, findings %+v", s.Findings)
	}
	if _, err := db.DecideReview(ctx, open[0].ID, Decision{Approve: true, Reason: "CLASSIFICATION_CORRECTION", By: "ana", ReasonCodes: reasonCodes}); err != nil {
		t.Fatal(err)
	}
	s := show(t, db, "MAEU240312345")
	if s.State != "FILE_READY" || !s.Ready {
		t.Fatalf("after accepting: %s, findings %+v", s.State, s.Findings)
	}
	f, _ := findRule(s.Findings, "HS_MISMATCH_PO")
	if !strings.Contains(f.Message, "accepted in review") {
		t.Errorf("accepted finding reads %q, want it to say who accepted it", f.Message)
	}
	// A new invoice version (another file, a changed description) with the
	// same mismatch: asked again.
	ingestFile(t, db, "3", invoiceLine("1", "8482105048", "100", "0.62", "62", "description", "bearing, revised invoice"))
	if open := findingReviews(t, db, ReviewOpen); len(open) != 1 || open[0].ID == findingReviewsAll(t, db)[0].ID {
		t.Fatalf("after a new version: open finding reviews %+v, want a new one", open)
	}
	if s := show(t, db, "MAEU240312345"); s.State == "FILE_READY" {
		t.Error("ready with the new version's mismatch unreviewed")
	}
}

func findingReviews(t *testing.T, db *DB, status string) []*Review {
	t.Helper()
	rs, err := db.ListReviews(context.Background(), status)
	if err != nil {
		t.Fatal(err)
	}
	var out []*Review
	for _, r := range rs {
		if r.Kind == "finding" {
			out = append(out, r)
		}
	}
	return out
}

func findingReviewsAll(t *testing.T, db *DB) []*Review { return findingReviews(t, db, "") }

// A state set by hand is evidence in event-time order: later messages
// still apply on top.
func TestSetState(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ingestFile(t, db, "1", rec(clearway.KindStatusEvent, "code_list", "cargowise", "code", "CCC", "at", "2026-03-01T10:00:00Z", "entry_number", "59726031178", "bill_of_lading", "BL-1"))
	if _, err := db.SetState(ctx, "BL-1", ManualState{State: "FILE_READY", Reason: "OTHER", By: "ana", ReasonCodes: reasonCodes}); err == nil {
		t.Error("a readiness state was set by hand")
	}
	if _, err := db.SetState(ctx, "BL-1", ManualState{State: "RELEASED", Reason: "MADE_UP", By: "ana", ReasonCodes: reasonCodes}); err == nil {
		t.Error("a made-up reason was taken")
	}
	s, err := db.SetState(ctx, "BL-1", ManualState{State: "released", Reason: "OTHER", By: "ana", Note: "broker phoned: CBP released", At: time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC), ReasonCodes: reasonCodes})
	if err != nil {
		t.Fatal(err)
	}
	if s.State != "RELEASED" {
		t.Fatalf("state %s, want RELEASED", s.State)
	}
	i := slices.IndexFunc(s.Timeline, func(e TimelineEvent) bool { return e.CodeList == "manual" })
	if i < 0 || s.Timeline[i].Source != "user:ana: set by hand" || !strings.Contains(s.Timeline[i].Message, "broker phoned") {
		t.Errorf("timeline %+v, want the manual event with who and why", s.Timeline)
	}
	// A later hold still applies.
	ingestFile(t, db, "2", rec(clearway.KindStatusEvent, "code_list", "cbp_disposition", "code", "1H", "at", "2026-03-02T10:00:00Z", "entry_number", "59726031178", "bill_of_lading", "BL-1"))
	if s := show(t, db, "BL-1"); s.State != "ON_HOLD" {
		t.Errorf("after a later 1H: %s, want ON_HOLD", s.State)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE entity = 'manual_event' AND actor = 'user:ana'`); n != 1 {
		t.Errorf("%d audit entries of the manual event, want 1", n)
	}
}

// A status time given as a date is the start of that day in the partner's
// zone; one that cannot be read is an error at its position.
func TestStatusEventTime(t *testing.T) {
	db := MustOpenDB(t)
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	rules.Timezones = map[string]*time.Location{"acme": la}
	db.Rules = rules
	ingestFile(t, db, "1", rec(clearway.KindStatusEvent, "code_list", "cbp_disposition", "code", "1H", "at", "2026-03-21", "entry_number", "59726031178"))
	s := show(t, db, "59726031178")
	if i := slices.IndexFunc(s.Timeline, func(e TimelineEvent) bool { return e.Code == "1H" }); i < 0 || s.Timeline[i].At != "2026-03-21T07:00:00Z" {
		t.Errorf("timeline %+v, want 1H at 2026-03-21T07:00:00Z (midnight in Los Angeles)", s.Timeline)
	}
	ctx := context.Background()
	f := &clearway.File{Partner: "acme", Channel: clearway.ChannelCLI, Name: "inbox/bad", Size: 1, SHA256: strings.Repeat("9", 64)}
	if err := db.CreateFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	in, err := db.BeginIngest(ctx, f, "m", "h")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Rollback()
	err = in.Apply(rec(clearway.KindStatusEvent, "code_list", "cbp_disposition", "code", "1C", "at", "21/03/2026", "entry_number", "59726031178"))
	var re *RecordError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), `"21/03/2026" is not a date or time`) || !strings.HasPrefix(err.Error(), "row 2") {
		t.Errorf("error %v, want a record error at row 2 naming the value", err)
	}
}

// An unmapped code opens a review; once a table maps it, re-assessing
// closes the review as superseded, saying why.
func TestUnmappedStatusSupersededByTable(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ingestAs(t, db, "fastclear", "1", rec(clearway.KindStatusEvent, "code_list", "partner:fastclear", "code", "XYZ", "at", "2026-03-01T10:00:00Z", "entry_number", "59726031178"))
	open := func() []*Review {
		rs, err := db.ListReviews(ctx, ReviewOpen)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	if rs := open(); len(rs) != 1 || rs[0].Kind != "unmapped_status" {
		t.Fatalf("reviews %+v, want one unmapped_status", rs)
	}
	rules, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	if err := rules.Codes.Load("partner:fastclear", []byte("codes:\n  - {code: XYZ, events: [ACCEPTED]}\n")); err != nil {
		t.Fatal(err)
	}
	db.Rules = rules
	if n, err := db.ReassessIfRulesChanged(ctx); err != nil || n != 1 {
		t.Fatalf("re-assessed %d: %v", n, err)
	}
	if rs := open(); len(rs) != 0 {
		t.Fatalf("open reviews %+v after the code was mapped, want none", rs)
	}
	rs, _ := db.ListReviews(ctx, ReviewSuperseded)
	if len(rs) != 1 || !strings.Contains(rs[0].Note, "mapped now") {
		t.Errorf("superseded %+v, want the unmapped_status review with the reason", rs)
	}
	if s := show(t, db, "59726031178"); s.State != "ACCEPTED" {
		t.Errorf("state %s, want ACCEPTED by the mapped code", s.State)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE entity = 'review' AND action = 'supersede'`); n != 1 {
		t.Errorf("%d supersede audit entries, want 1", n)
	}
}

// A manual state settles the status review it names.
func TestSetStateResolvesReview(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ingestAs(t, db, "fastclear", "1", rec(clearway.KindStatusEvent, "code_list", "partner:fastclear", "code", "XYZ", "at", "2026-03-01T10:00:00Z", "entry_number", "59726031178"))
	rs, _ := db.ListReviews(ctx, ReviewOpen)
	if _, err := db.SetState(ctx, "59726031178", ManualState{State: "ACCEPTED", Reason: "OTHER", By: "ana", Note: "broker: XYZ means accepted", Resolves: []int64{rs[0].ID + 100}, ReasonCodes: reasonCodes}); err == nil {
		t.Error("a review that does not exist was settled")
	}
	s, err := db.SetState(ctx, "59726031178", ManualState{State: "ACCEPTED", Reason: "OTHER", By: "ana", Note: "broker: XYZ means accepted", Resolves: []int64{rs[0].ID}, ReasonCodes: reasonCodes})
	if err != nil {
		t.Fatal(err)
	}
	if s.State != "ACCEPTED" || s.Reviews[0].Status != ReviewApproved {
		t.Errorf("state %s review %+v, want ACCEPTED and the review settled", s.State, s.Reviews)
	}
}

// A 350 releasing fewer packages (X4-02) than the packing list declared for
// the B/L is a partial release.
func TestPartialRelease(t *testing.T) {
	db := MustOpenDB(t)
	ingestFile(t, db, "1",
		rec(clearway.KindPackingLine, "invoice_number", "INV-1", "sku", "A", "cartons", "250", "bill_of_lading", "BL-1"),
		rec(clearway.KindPackingLine, "invoice_number", "INV-1", "sku", "B", "cartons", "400", "bill_of_lading", "BL-1"))
	ingestAs(t, db, "fastclear", "2", rec(clearway.KindStatusEvent, "code_list", "cbp_disposition", "code", "1C", "at", "2026-03-21T15:15:00Z",
		"entry_number", "59726031178", "bill_of_lading", "BL-1", "released_quantity", "400"))
	s := show(t, db, "BL-1")
	if s.State != "RELEASED" || s.StateLabel != "RELEASED (partial: 400 of 650)" {
		t.Fatalf("state %s label %q, want RELEASED (partial: 400 of 650)", s.State, s.StateLabel)
	}
	ingestAs(t, db, "fastclear", "3", rec(clearway.KindStatusEvent, "code_list", "cbp_disposition", "code", "1C", "at", "2026-03-22T15:15:00Z",
		"entry_number", "59726031178", "bill_of_lading", "BL-1", "released_quantity", "650"))
	if s := show(t, db, "BL-1"); s.StateLabel != "" || s.Entries[0].Release == nil || s.Entries[0].Release.Partial {
		t.Errorf("after the rest: label %q release %+v, want a full release", s.StateLabel, s.Entries[0].Release)
	}
}
