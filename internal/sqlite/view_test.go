package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
)

// A partner's users see only the shipments their partner is party to; what
// they do not see is not found, like what does not exist.
func TestViewScope(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ingestAs(t, db, "acme", "1", rec(clearway.KindInvoiceLine, "invoice_number", "INV-1", "line_no", "1", "quantity", "1", "bill_of_lading", "BL-ACME"))
	ingestAs(t, db, "beta", "2", rec(clearway.KindInvoiceLine, "invoice_number", "INV-1", "line_no", "1", "quantity", "1", "bill_of_lading", "BL-BETA"))
	acme := db.View(account.Scope{Login: "sam", Role: account.Supplier, Partner: "acme"})
	rows, next, err := acme.Shipments(ctx, ShipmentFilter{})
	if err != nil || len(rows) != 1 || rows[0].Identifiers["bill_of_lading"][0] != "BL-ACME" || next != "" {
		t.Fatalf("acme's portfolio %+v %q %v, want its one shipment", rows, next, err)
	}
	if _, err := acme.Shipment(ctx, "BL-BETA"); clearway.ErrorCode(err) != clearway.ENOTFOUND {
		t.Errorf("beta's shipment for acme: %v, want not found", err)
	}
	if files, _ := acme.Files(ctx, clearway.FileFilter{}); len(files) != 1 || files[0].Partner != "acme" {
		t.Errorf("acme's files %+v, want its own", files)
	}
	if err := db.AssignShipment(ctx, "BL-BETA", "acme", "user:root"); err != nil {
		t.Fatal(err)
	}
	if _, err := acme.Shipment(ctx, "BL-BETA"); err != nil {
		t.Errorf("assigned shipment: %v", err)
	}
	all := db.View(account.Scope{Login: "ana", Role: account.Compliance})
	page1, next, err := all.Shipments(ctx, ShipmentFilter{Limit: 1})
	if err != nil || len(page1) != 1 || next == "" {
		t.Fatalf("page 1: %v %q %v", page1, next, err)
	}
	page2, next2, err := all.Shipments(ctx, ShipmentFilter{Limit: 1, Cursor: next})
	if err != nil || len(page2) != 1 || next2 != "" || page2[0].Ref == page1[0].Ref {
		t.Errorf("page 2: %v %q %v", page2, next2, err)
	}
	if rows, _, _ := all.Shipments(ctx, ShipmentFilter{Q: "bl-be"}); len(rows) != 1 {
		t.Errorf("search bl-be: %d rows, want 1", len(rows))
	}
	if _, _, err := all.Shipments(ctx, ShipmentFilter{Cursor: "junk"}); clearway.ErrorCode(err) != clearway.EINVALID {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestQuestions(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ingestAs(t, db, "acme", "1", rec(clearway.KindInvoiceLine, "invoice_number", "INV-1", "line_no", "1", "quantity", "1", "bill_of_lading", "BL-1"))
	if err := db.AssignShipment(ctx, "BL-1", "fastclear", "user:root"); err != nil {
		t.Fatal(err)
	}
	broker := db.View(account.Scope{Login: "fc", Role: account.Broker, Partner: "fastclear"})
	logistics := db.View(account.Scope{Login: "lee", Role: account.Logistics})
	supplier := db.View(account.Scope{Login: "sam", Role: account.Supplier, Partner: "acme"})
	q, err := broker.Ask(ctx, "BL-1", "line:1", "Is line 1 the 6204 or the 6205 bearing?")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := supplier.Ask(ctx, "BL-1", "", "may I?"); clearway.ErrorCode(err) != clearway.EFORBIDDEN {
		t.Errorf("supplier asking: %v, want forbidden", err)
	}
	if _, err := logistics.Answer(ctx, q.ID, "The 6204-2RS, as on the PO."); err != nil {
		t.Fatal(err)
	}
	got, err := broker.Question(ctx, q.ID)
	if err != nil || len(got.Answers) != 1 || got.Answers[0].By != "lee" {
		t.Fatalf("broker sees %+v %v, want lee's answer", got, err)
	}
	if _, err := broker.CloseQuestion(ctx, q.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE entity = 'question' AND action = 'close' AND actor = 'user:fc'`); n != 1 {
		t.Errorf("%d audited closes, want 1", n)
	}
	other := db.View(account.Scope{Login: "zed", Role: account.Broker, Partner: "otherbroker"})
	if _, err := other.Question(ctx, q.ID); clearway.ErrorCode(err) != clearway.ENOTFOUND {
		t.Errorf("another broker reads the question: %v", err)
	}
}

func TestUsersTokensSessions(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if _, err := db.CreateUser(ctx, account.User{Login: "ana", Role: account.Compliance}, "$2a$hash", "user:root"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, account.User{Login: "ana", Role: account.Viewer}, "x", "user:root"); clearway.ErrorCode(err) != clearway.ECONFLICT {
		t.Errorf("duplicate login: %v", err)
	}
	tok, err := db.CreateToken(ctx, "ana", "ci", "h1", "user:root")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := db.UserByToken(ctx, "h1"); err != nil || u.Login != "ana" {
		t.Fatalf("token user %v %v", u, err)
	}
	if ts, _ := db.ListTokens(ctx, "ana"); len(ts) != 1 || ts[0].LastUsedAt == nil {
		t.Errorf("tokens %+v, want one, used", ts)
	}
	if err := db.RevokeToken(ctx, tok.ID, "", "user:root"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UserByToken(ctx, "h1"); clearway.ErrorCode(err) != clearway.ENOTFOUND {
		t.Errorf("revoked token: %v", err)
	}
	if err := db.CreateSession(ctx, "ana", "s1"); err != nil {
		t.Fatal(err)
	}
	if u, err := db.SessionUser(ctx, "s1", time.Hour); err != nil || u.Login != "ana" {
		t.Fatalf("session %v %v", u, err)
	}
	if err := db.SetUserDisabled(ctx, "ana", true, "user:root"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionUser(ctx, "s1", time.Hour); clearway.ErrorCode(err) != clearway.ENOTFOUND {
		t.Errorf("a disabled user's session: %v", err)
	}
	now := db.Now()
	db.CreateSession(ctx, "ana", "s2") // disabled: refused
	if err := db.SetUserDisabled(ctx, "ana", false, "user:root"); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(ctx, "ana", "s3"); err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return now.Add(13 * time.Hour) }
	if _, err := db.SessionUser(ctx, "s3", 12*time.Hour); clearway.ErrorCode(err) != clearway.ENOTFOUND {
		t.Errorf("an idle session: %v", err)
	}
}
