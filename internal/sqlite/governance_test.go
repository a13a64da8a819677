package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/clearway"
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
}
