package sqlite

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/dashboard"
	"github.com/clearway/clearway/internal/governance"
)

// A partner with 3 rejected files out of 100 in the window opens exactly
// one partner_error_rate review, due in 48 h; a second check in the same
// window opens no second one.
func TestCheckGovernance(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	for i := range 100 {
		f := &clearway.File{Partner: "acme", Channel: clearway.ChannelSFTP, Name: fmt.Sprintf("inbox/f%d.csv", i), Size: 1, SHA256: fmt.Sprintf("%064d", i)}
		if err := db.CreateFile(ctx, f); err != nil {
			t.Fatal(err)
		}
		state := clearway.FileDone
		if i < 3 {
			state = clearway.FileRejected
		}
		if err := db.UpdateFileState(ctx, f.ID, state, ""); err != nil {
			t.Fatal(err)
		}
	}
	// An old rejection, outside the 7-day window, does not count.
	now = now.Add(-8 * 24 * time.Hour)
	old := &clearway.File{Partner: "beta", Channel: clearway.ChannelSFTP, Name: "inbox/old.csv", Size: 1, SHA256: strings.Repeat("b", 64)}
	db.CreateFile(ctx, old)
	db.UpdateFileState(ctx, old.ID, clearway.FileRejected, "")
	now = now.Add(8 * 24 * time.Hour)

	check, err := db.CheckGovernance(ctx, governance.DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	opened := check.Opened
	if len(opened) != 1 || opened[0].Partner != "acme" || opened[0].Rejected != 3 || opened[0].Received != 100 {
		t.Fatalf("opened %+v, want acme's breach only", opened)
	}
	rs, _ := db.ListReviews(ctx, ReviewOpen)
	if len(rs) != 1 || rs[0].Kind != ReviewPartnerErrorRate || rs[0].DueAt == nil || !rs[0].DueAt.Equal(now.Add(48*time.Hour)) {
		t.Fatalf("reviews %+v, want one partner_error_rate due in 48 h", rs)
	}
	now = now.Add(6 * time.Hour)
	if again, err := db.CheckGovernance(ctx, governance.DefaultPolicy()); err != nil || len(again.Opened) != 0 {
		t.Errorf("second check in the window: %+v %v, want nothing new", again, err)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM reviews WHERE kind = 'partner_error_rate'`); n != 1 {
		t.Errorf("%d governance reviews, want 1", n)
	}
	// It shows on the governance dashboard: acme above the threshold with
	// its open review and due time, beta's old rejection outside the window.
	q := dashboard.Query{Name: "governance", From: now.AddDate(0, 0, -30), To: now}
	policy := dashboard.Policy{ThresholdPct: 2, Window: 7 * 24 * time.Hour, ReviewDue: 48 * time.Hour, ResolutionSLA: 24 * time.Hour, FinanceThreshold: 10000}
	in, err := db.View(account.Scope{Login: "ana", Role: account.Compliance}).DashboardInput(ctx, q, map[string]string{"acme": "supplier"}, policy)
	if err != nil {
		t.Fatal(err)
	}
	d, err := dashboard.Build(q, in)
	if err != nil {
		t.Fatal(err)
	}
	rows := d.Find("error-rates").Rows
	due := now.Add(-6 * time.Hour).Add(48 * time.Hour).Format("2006-01-02 15:04 UTC")
	want := []any{"acme", 100, 3, 0, 3.0, 2.0, "yes", fmt.Sprintf("#%d", rs[0].ID), due}
	if len(rows) != 1 || !reflect.DeepEqual(rows[0].Cells, want) {
		t.Errorf("error-rate rows %+v, want one: %v", rows, want)
	}
	aging := d.Find("review-aging").Rows
	if len(aging) != 1 || aging[0].Key != "partner_error_rate / acme" || aging[0].Cells[2] != 1 || aging[0].Cells[3] != 0 {
		t.Errorf("review aging %+v, want acme's one open review, not overdue", aging)
	}
}
