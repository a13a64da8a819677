package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/governance"
	"github.com/clearway/clearway/internal/notify"
)

// notifyStore is a store with notify rules and a user per role.
func notifyStore(t *testing.T, clock *time.Time, rules ...notify.Rule) *DB {
	t.Helper()
	db := MustOpenDB(t)
	db.Now = func() time.Time { return *clock }
	db.Planner = &notify.Planner{Rules: rules, PartnerRoles: map[string]string{"acme": "supplier", "fastclear": "broker"}, Email: true}
	ctx := context.Background()
	for _, u := range []account.User{
		{Login: "ana", Role: account.Compliance, Email: "ana@example.com"}, {Login: "root", Role: account.Admin},
		{Login: "lee", Role: account.Logistics}, {Login: "sam", Role: account.Supplier, Partner: "acme", Email: "sam@acme.example"},
	} {
		if _, err := db.CreateUser(ctx, u, "x", "test"); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func rule(id, event string, to ...string) notify.Rule {
	r := notify.Rule{ID: id, When: notify.When{Event: event}}
	for _, s := range to {
		rc, err := notify.ParseRecipient(s)
		if err != nil {
			panic(err)
		}
		r.To = append(r.To, rc)
	}
	return r
}

func inbox(t *testing.T, db *DB, login string) []*Notification {
	t.Helper()
	ns, err := db.View(account.Scope{Login: login}).Inbox(context.Background(), true, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// A rejected file tells the partner's users, in the inbox and by mail, in
// the transaction that rejects it; the same event twice is one notification.
func TestNotifyFileRejected(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	db := notifyStore(t, &now, rule("rejected", notify.EventFileRejected, "sender"))
	f := &clearway.File{Partner: "acme", Channel: clearway.ChannelSFTP, Name: "inbox/invoices/bad.xlsx", Size: 1, SHA256: strings.Repeat("a", 64)}
	if err := db.CreateFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateFileState(ctx, f.ID, clearway.FileRejected, "row 5, column \"Invoice No\": required value is missing\nmore"); err != nil {
		t.Fatal(err)
	}
	got := inbox(t, db, "sam")
	if len(got) != 1 || got[0].Event != notify.EventFileRejected || !strings.Contains(got[0].Subject, "inbox/invoices/bad.xlsx") ||
		!strings.Contains(got[0].Subject, "Invoice No") {
		t.Fatalf("sam's inbox %+v, want the rejection with the file and why", got)
	}
	if n := inbox(t, db, "ana"); len(n) != 0 {
		t.Errorf("ana was told: %+v", n)
	}
	due, _ := db.DueNotifications(ctx, now, 10)
	if len(due) != 1 || due[0].Channel != notify.ChannelEmail || due[0].Address != "sam@acme.example" {
		t.Fatalf("due mails %+v, want one to sam@acme.example", due)
	}
	// Rejected again (a replay): the same event key, nothing new.
	if err := db.UpdateFileState(ctx, f.ID, clearway.FileRejected, "again"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM notifications`); n != 2 {
		t.Errorf("%d notifications after the second rejection, want the first two", n)
	}
	// A failed attempt waits; a delivered one is done.
	if err := db.NotificationFailed(ctx, due[0].ID, "451 try later", now.Add(time.Minute), false); err != nil {
		t.Fatal(err)
	}
	if d, _ := db.DueNotifications(ctx, now, 10); len(d) != 0 {
		t.Errorf("due right after a failure: %+v", d)
	}
	now = now.Add(2 * time.Minute)
	if err := db.NotificationDelivered(ctx, due[0].ID); err != nil {
		t.Fatal(err)
	}
	list, _ := db.ListNotifications(ctx, NotificationFilter{Channel: notify.ChannelEmail})
	if len(list) != 1 || list[0].State != "delivered" || list[0].Attempts != 2 || len(list[0].AttemptLog) != 2 || list[0].AttemptLog[0].Error != "451 try later" {
		t.Errorf("notify list %+v, want delivered after 2 attempts with the first error", list[0])
	}
}

// An undecided review climbs the ladder at 24 h and 48 h (injected clock),
// once per step; review_overdue fires once at its due time; the
// unacknowledged notification climbs too, an acknowledged one does not.
func TestNotifyEscalation(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	db := notifyStore(t, &now, rule("reviews", notify.EventReviewOpened, "role:logistics"), rule("late", notify.EventReviewOverdue, "role:compliance"),
		rule("rejected", notify.EventFileRejected, "role:logistics"))
	for i := range 10 { // one of ten rejected: 10 %, a breach
		f := &clearway.File{Partner: "acme", Channel: clearway.ChannelSFTP, Name: fmt.Sprintf("inbox/f%d.csv", i), Size: 1, SHA256: fmt.Sprintf("%064d", i)}
		db.CreateFile(ctx, f)
		state := clearway.FileDone
		if i == 0 {
			state = clearway.FileRejected
		}
		db.UpdateFileState(ctx, f.ID, state, "bad")
	}
	if _, err := db.CheckGovernance(ctx, governance.DefaultPolicy()); err != nil {
		t.Fatal(err)
	}
	if got := inbox(t, db, "lee"); len(got) != 2 || got[0].Event != notify.EventReviewOpened || got[1].Event != notify.EventFileRejected {
		t.Fatalf("lee's inbox %+v, want the rejection and the partner_error_rate review", got)
	}
	ladder := []EscalationStep{
		{After: 24 * time.Hour, To: []notify.Recipient{{Kind: notify.ToRole, Value: "compliance"}}},
		{After: 48 * time.Hour, To: []notify.Recipient{{Kind: notify.ToRole, Value: "admin"}}},
	}
	escalations := func(login string) int {
		n := 0
		for _, x := range inbox(t, db, login) {
			if x.Event == notify.EventEscalation {
				n++
			}
		}
		return n
	}
	now = now.Add(23 * time.Hour)
	if run, _ := db.Escalate(ctx, ladder, 24*time.Hour); run.Escalated != 0 || escalations("ana") != 0 {
		t.Fatalf("at 23 h: %+v", run)
	}
	now = now.Add(2 * time.Hour) // 25 h: step 1 for the review and for lee's unacknowledged rejection
	run, err := db.Escalate(ctx, ladder, 24*time.Hour)
	if err != nil || run.Escalated != 2 || escalations("ana") != 2 || escalations("root") != 0 {
		t.Fatalf("at 25 h: %+v %v; ana has %d escalations, root %d", run, err, escalations("ana"), escalations("root"))
	}
	if run, _ := db.Escalate(ctx, ladder, 24*time.Hour); run.Escalated != 0 {
		t.Errorf("the same step twice: %+v", run)
	}
	lee := db.View(account.Scope{Login: "lee"})
	if _, err := lee.AckAll(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(24 * time.Hour) // 49 h: step 2 for the review only (lee acknowledged); overdue (due 48 h)
	run, _ = db.Escalate(ctx, ladder, 24*time.Hour)
	if run.Escalated != 1 || run.Overdue != 1 || escalations("root") != 1 {
		t.Errorf("at 49 h: %+v, root has %d escalations; want the review's step 2 and its overdue notice", run, escalations("root"))
	}
	overdue := 0
	for _, x := range inbox(t, db, "ana") {
		if x.Event == notify.EventReviewOverdue {
			overdue++
		}
	}
	if run, _ := db.Escalate(ctx, ladder, 24*time.Hour); overdue != 1 || run.Overdue != 0 || run.Escalated != 0 {
		t.Errorf("overdue notices %d, then a rerun %+v: want one, then nothing", overdue, run)
	}
	if n := count(t, db, `SELECT escalated FROM reviews`); n != 2 {
		t.Errorf("the review climbed %d steps, want 2", n)
	}
}
