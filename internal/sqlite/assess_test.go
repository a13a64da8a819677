package sqlite

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/validate"
)

var reasonCodes = []string{"CLASSIFICATION_CORRECTION", "SUPPLIER_ERROR", "OTHER"}

func poLine(no, hs, qty, price string) clearway.Record {
	return rec(clearway.KindPurchaseOrderLine, "po_number", "PO-1", "line_no", no, "sku", "SKU"+no, "hs_code", hs,
		"origin_country", "CN", "quantity", qty, "uom", "NO", "unit_price", price, "currency", "USD",
		"incoterm", "FOB", "incoterm_place", "Ningbo", "mode", "SEA")
}

func invoiceLine(no, hs, qty, price, value string, extra ...string) clearway.Record {
	kv := append([]string{"invoice_number", "INV-1", "line_no", no, "po_number", "PO-1", "po_line", no, "sku", "SKU" + no,
		"hs_code", hs, "origin_country", "CN", "quantity", qty, "uom", "NO", "unit_price", price, "line_value", value,
		"currency", "USD", "bill_of_lading", "MAEU240312345"}, extra...)
	return rec(clearway.KindInvoiceLine, kv...)
}

func packingLine(container string) clearway.Record {
	return rec(clearway.KindPackingLine, "invoice_number", "INV-1", "sku", "SKU1", "quantity", "100", "container_number", container)
}

func document(docType, sum string) clearway.Record {
	return rec(clearway.KindDocument, "doc_type", docType, "sha256", strings.Repeat(sum, 64)[:64], "original_name", docType+".pdf",
		"invoice_number", "INV-1", "bill_of_lading", "MAEU240312345")
}

func status(list, code, at string) clearway.Record {
	return rec(clearway.KindStatusEvent, "code_list", list, "code", code, "at", at, "entry_number", "ABC-1234567-6", "bill_of_lading", "MAEU240312345")
}

func show(t *testing.T, db *DB, ref string) *Shipment {
	t.Helper()
	s, err := db.FindShipment(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rules(fs []validate.Finding) []string {
	var out []string
	for _, f := range fs {
		if !slices.Contains(out, f.Rule) {
			out = append(out, f.Rule)
		}
	}
	return out
}

func openReviews(t *testing.T, db *DB, kind string) []*Review {
	t.Helper()
	all, err := db.ListReviews(context.Background(), ReviewOpen)
	if err != nil {
		t.Fatal(err)
	}
	var out []*Review
	for _, r := range all {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// TestPacketStory is the story at the store: a wrong HS code and a
// bad container block filing; the corrections wait for review or replace
// the packing list; approval makes the packet FILE_READY; broker statuses
// then drive the entry to ON_HOLD and RELEASED.
func TestPacketStory(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	ingestFile(t, db, "1", poLine("1", "8482105048", "100", "0.62"), poLine("2", "8483405010", "10", "38.50"))
	ingestFile(t, db, "2", invoiceLine("1", "8482105048", "100", "0.62", "62.00"), invoiceLine("2", "8482105048", "10", "38.50", "385.00"))
	ingestFile(t, db, "3", packingLine("CSQU3054384"))

	s := show(t, db, "PO-1")
	got := rules(s.Findings)
	for _, want := range []string{validate.RuleHSMismatchPO, validate.RuleContainerCheckDigit, validate.RuleDocRequiredMissing} {
		if !slices.Contains(got, want) {
			t.Errorf("findings %v lack %s", got, want)
		}
	}
	if s.State != "DOCS_INCOMPLETE" || s.Ready {
		t.Fatalf("state %s ready %v, want DOCS_INCOMPLETE and not ready", s.State, s.Ready)
	}

	// The corrected invoice: the HS change on the accepted line 2 waits.
	ingestFile(t, db, "4", invoiceLine("1", "8482105048", "100", "0.62", "62.00"), invoiceLine("2", "8483405010", "10", "38.50", "385.00"))
	held := openReviews(t, db, ReviewClassificationChange)
	if len(held) != 1 {
		t.Fatalf("classification_change reviews %d, want 1", len(held))
	}
	// The same correction sent again opens no second review.
	ingestFile(t, db, "5", invoiceLine("2", "8483405010", "10", "38.50", "385.00"))
	if n := len(openReviews(t, db, ReviewClassificationChange)); n != 1 {
		t.Fatalf("after a resend: %d classification_change reviews, want 1", n)
	}
	s = show(t, db, "INV-1")
	if hs := s.Lines[1]["hs_code"]; hs != "8482105048" {
		t.Fatalf("line 2 hs_code %s before approval, want the accepted 8482105048", hs)
	}
	// The corrected packing list replaces the first: the bad container is gone.
	ingestFile(t, db, "6", packingLine("CSQU3054383"))
	ingestFile(t, db, "7", document("commercial_invoice", "a"), document("packing_list", "b"), document("bill_of_lading", "c"))
	s = show(t, db, "INV-1")
	if got := rules(s.Findings); !slices.Equal(got, []string{validate.RuleHSMismatchPO}) {
		t.Fatalf("findings before approval %v, want only HS_MISMATCH_PO", got)
	}
	if len(s.Packing) != 1 || s.Packing[0]["container_number"] != "CSQU3054383" {
		t.Fatalf("packing lines %v, want only the corrected one", s.Packing)
	}
	audit, err := db.ShipmentAudit(ctx, s.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(audit, func(e AuditEntry) bool {
		return e.Entity == "fact" && e.Action == "delete" && strings.Contains(string(e.Before), "CSQU3054384")
	}) {
		t.Errorf("the audit trail lacks the replaced packing line")
	}

	if _, err := db.DecideReview(ctx, held[0].ID, Decision{Approve: true, Reason: "MADE_UP", By: "ana", ReasonCodes: reasonCodes}); err == nil || !strings.Contains(err.Error(), `"MADE_UP" is not one of`) {
		t.Fatalf("made-up reason code: %v", err)
	}
	if _, err := db.DecideReview(ctx, held[0].ID, Decision{Approve: true, Reason: "CLASSIFICATION_CORRECTION", By: "ana", Note: "supplier confirmed", ReasonCodes: reasonCodes}); err != nil {
		t.Fatal(err)
	}
	s = show(t, db, "MAEU240312345")
	if s.State != "FILE_READY" || !s.Ready || s.Lines[1]["hs_code"] != "8483405010" {
		t.Fatalf("after approval: state %s ready %v hs %s findings %v", s.State, s.Ready, s.Lines[1]["hs_code"], s.Findings)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE actor = 'user:ana' AND entity = 'fact' AND action = 'update'`); n != 1 {
		t.Errorf("audited fact updates by ana: %d, want 1", n)
	}
	if _, err := db.DecideReview(ctx, held[0].ID, Decision{Approve: false, Reason: "OTHER", By: "bo", ReasonCodes: reasonCodes}); err == nil {
		t.Fatal("deciding a decided review again was accepted")
	}

	// A second commercial invoice is version 2 and supersedes version 1.
	ingestFile(t, db, "8", document("commercial_invoice", "d"))
	s = show(t, db, "INV-1")
	var ci []DocumentVersion
	for _, d := range s.Documents {
		if d.DocType == "commercial_invoice" {
			ci = append(ci, d)
		}
	}
	if len(ci) != 2 || !ci[0].Superseded || ci[1].Superseded || ci[1].Version != 2 {
		t.Fatalf("commercial invoices %+v", ci)
	}

	// Broker statuses: CEN, CCC, 1H, CLR; then 1I in a later file; an unknown code.
	ingestFile(t, db, "9",
		status("cargowise", "CEN", "2026-03-20T14:05:00Z"), status("cargowise", "CCC", "2026-03-20T14:07:00Z"),
		status("cbp_disposition", "1H", "2026-03-21T08:12:00Z"), status("cargowise", "CLR", "2026-03-22T10:00:00Z"))
	s = show(t, db, "ABC-1234567-6")
	if s.State != "ON_HOLD" || len(s.Holds) != 1 || !s.ReleaseAuthorized {
		t.Fatalf("after CLR: state %s holds %v authorised %v", s.State, s.Holds, s.ReleaseAuthorized)
	}
	ingestFile(t, db, "a", status("cbp_disposition", "1I", "2026-03-25T10:22:00Z"), status("cargowise", "ZZZ", "2026-03-25T11:00:00Z"))
	s = show(t, db, "ABC-1234567-6")
	if s.State != "RELEASED" || len(s.Holds) != 0 {
		t.Fatalf("after 1I: state %s holds %v", s.State, s.Holds)
	}
	if n := len(openReviews(t, db, "unmapped_status")); n != 1 {
		t.Fatalf("unmapped_status reviews %d, want 1", n)
	}
	var codes []string
	for _, e := range s.Timeline {
		if e.CodeList != "clearway" {
			codes = append(codes, e.Code)
		}
	}
	if want := []string{"CEN", "CCC", "1H", "CLR", "1I", "ZZZ"}; !slices.Equal(codes, want) {
		t.Fatalf("timeline codes %v, want %v", codes, want)
	}
	if !slices.ContainsFunc(s.Timeline, func(e TimelineEvent) bool { return e.Event == "VALIDATION_PASSED" && e.State == "FILE_READY" }) {
		t.Errorf("timeline has no FILE_READY event: %+v", s.Timeline)
	}
	// The same status file again changes nothing.
	before := count(t, db, `SELECT COUNT(*) FROM timeline`)
	ingestFile(t, db, "b", status("cbp_disposition", "1I", "2026-03-25T10:22:00Z"))
	if after := count(t, db, `SELECT COUNT(*) FROM timeline`); after != before {
		t.Errorf("a redelivered status added timeline rows: %d → %d", before, after)
	}
}

// TestStatusOutOfOrder checks messages are applied in event-time order even
// when a later file brings an earlier message.
func TestStatusOutOfOrder(t *testing.T) {
	db := MustOpenDB(t)
	ingestFile(t, db, "1", poLine("1", "8482105048", "100", "0.62"), invoiceLine("1", "8482105048", "100", "0.62", "62.00"),
		document("commercial_invoice", "a"), document("bill_of_lading", "c"))
	if s := show(t, db, "PO-1"); s.State != "FILE_READY" {
		t.Fatalf("state %s findings %v, want FILE_READY", s.State, s.Findings)
	}
	ingestFile(t, db, "2", status("cargowise", "CCC", "2026-03-20T14:07:00Z"), status("cbp_disposition", "1I", "2026-03-25T10:22:00Z"),
		status("cargowise", "CLR", "2026-03-25T10:00:00Z"))
	// 1H (earlier than the 1I already stored) arrives last.
	ingestFile(t, db, "3", status("cbp_disposition", "1H", "2026-03-21T08:12:00Z"))
	s := show(t, db, "PO-1")
	if s.State != "RELEASED" || len(s.Holds) != 0 {
		t.Fatalf("state %s holds %v, want RELEASED with none", s.State, s.Holds)
	}
	// A new fact that breaks validation after submission leaves the entry alone.
	ingestFile(t, db, "4", invoiceLine("2", "0000000000", "1", "1", "1"))
	if s := show(t, db, "PO-1"); s.State != "RELEASED" || s.Ready {
		t.Fatalf("after a bad line: state %s ready %v", s.State, s.Ready)
	}
}

// TestReadinessFallsBack checks a new fact that breaks a ready packet moves
// it back to DOCS_INCOMPLETE, on the timeline.
func TestReadinessFallsBack(t *testing.T) {
	db := MustOpenDB(t)
	ingestFile(t, db, "1", poLine("1", "8482105048", "100", "0.62"), invoiceLine("1", "8482105048", "100", "0.62", "62.00"),
		document("commercial_invoice", "a"), document("bill_of_lading", "c"))
	ingestFile(t, db, "2", invoiceLine("2", "8482105048", "5", "0.62", "3.10"))
	s := show(t, db, "PO-1")
	if s.State != "DOCS_INCOMPLETE" || s.Ready {
		t.Fatalf("state %s, want DOCS_INCOMPLETE (a second line needs a packing list)", s.State)
	}
	var events []string
	for _, e := range s.Timeline {
		events = append(events, e.Event+":"+e.State)
	}
	if want := []string{"VALIDATION_PASSED:FILE_READY", "VALIDATION_FAILED:DOCS_INCOMPLETE"}; !slices.Equal(events, want) {
		t.Fatalf("timeline %v, want %v", events, want)
	}
}

// TestHeldChanges checks value changes beyond the tolerance and preference
// claims wait for review, and a rejected change is dropped.
func TestHeldChanges(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	ingestFile(t, db, "1", poLine("1", "8482105048", "100", "0.62"), invoiceLine("1", "8482105048", "100", "0.62", "62.00"))
	// 2 % is within the 5 % tolerance: applied at once.
	ingestFile(t, db, "2", invoiceLine("1", "8482105048", "100", "0.6324", "63.24"))
	if n := len(openReviews(t, db, ReviewValuationChange)); n != 0 {
		t.Fatalf("a change within tolerance opened %d reviews", n)
	}
	// 50 % more: held.
	ingestFile(t, db, "3", invoiceLine("1", "8482105048", "100", "0.93", "93.00", "description", "bearing"))
	vc := openReviews(t, db, ReviewValuationChange)
	if len(vc) != 1 {
		t.Fatalf("valuation_change reviews %d, want 1", len(vc))
	}
	line := show(t, db, "PO-1").Lines[0]
	if line["unit_price"] != "0.6324" || line["description"] != "bearing" {
		t.Fatalf("line %v: the held price must wait, the description apply", line)
	}
	if _, err := db.DecideReview(ctx, vc[0].ID, Decision{Approve: false, Reason: "SUPPLIER_ERROR", By: "ana", ReasonCodes: reasonCodes}); err != nil {
		t.Fatal(err)
	}
	if line := show(t, db, "PO-1").Lines[0]; line["unit_price"] != "0.6324" {
		t.Fatalf("a rejected change was applied: %v", line)
	}

	// A new line claiming a preference: stored without the claim until approved.
	ingestFile(t, db, "4", invoiceLine("2", "8482105048", "1", "0.62", "0.62", "preference_program", "JO"))
	pc := openReviews(t, db, ReviewPreferenceClaim)
	if len(pc) != 1 {
		t.Fatalf("preference_claim reviews %d, want 1", len(pc))
	}
	if line := show(t, db, "PO-1").Lines[1]; line["preference_program"] != "" {
		t.Fatalf("claim applied before approval: %v", line)
	}
	var detail heldChange
	json.Unmarshal(pc[0].Detail, &detail)
	if detail.Changes["preference_program"].To != "JO" {
		t.Fatalf("held change %+v", detail)
	}
	if _, err := db.DecideReview(ctx, pc[0].ID, Decision{Approve: true, Reason: "OTHER", By: "ana", ReasonCodes: reasonCodes}); err != nil {
		t.Fatal(err)
	}
	if line := show(t, db, "PO-1").Lines[1]; line["preference_program"] != "JO" {
		t.Fatalf("approved claim not applied: %v", line)
	}
	// Resending the claimed line changes nothing and opens nothing.
	ingestFile(t, db, "5", invoiceLine("2", "8482105048", "1", "0.62", "0.62", "preference_program", "JO"))
	if n := len(openReviews(t, db, ReviewPreferenceClaim)); n != 0 {
		t.Fatalf("a resent approved claim opened %d reviews", n)
	}
}

// TestFindShipmentPrintedForms finds a shipment by an identifier as people
// print it: lower case, with hyphens.
func TestFindShipmentPrintedForms(t *testing.T) {
	db := MustOpenDB(t)
	ingestFile(t, db, "1", rec(clearway.KindStatusEvent, "code_list", "cargowise", "code", "CEN", "at", "2026-03-20T14:05:00Z",
		"entry_number", "59726031178", "bill_of_lading", "MAEU240312345"))
	for _, ref := range []string{"59726031178", "597-2603117-8", "maeu240312345", "cw-000001"} {
		if s := show(t, db, ref); s.Ref != "CW-000001" {
			t.Errorf("%s found %s", ref, s.Ref)
		}
	}
	if _, err := db.FindShipment(context.Background(), "597-0000000-0"); err == nil {
		t.Error("an unknown entry number found a shipment")
	}
}
