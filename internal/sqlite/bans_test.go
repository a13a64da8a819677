package sqlite

import (
	"net"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/defender"
)

// Two nodes' defenders on one store: failures on either count together,
// a ban made by one closes the other's doors, and a repeat offender's
// ban doubles wherever it failed.
func TestSharedLoginBans(t *testing.T) {
	db := MustOpenDB(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	node := func() *defender.Defender {
		return &defender.Defender{Threshold: 3, Window: time.Minute, BanTime: 10 * time.Minute, MaxBanTime: time.Hour,
			Now: func() time.Time { return now }, Shared: db}
	}
	a, b := node(), node()
	scanner := &net.TCPAddr{IP: net.IPv4(203, 0, 113, 9), Port: 40000}
	if a.Fail(scanner) || a.Fail(scanner) {
		t.Fatal("banned before the threshold")
	}
	if !b.Fail(scanner) {
		t.Fatal("the third failure, on the other node, did not ban")
	}
	if banned, until := a.Banned(scanner); !banned || until.Sub(now) != 10*time.Minute {
		t.Fatalf("node A sees the ban: %v until %v", banned, until)
	}
	if banned, _ := a.Banned(&net.TCPAddr{IP: net.IPv4(203, 0, 113, 10)}); banned {
		t.Fatal("another source is banned")
	}
	now = now.Add(11 * time.Minute)
	if banned, _ := b.Banned(scanner); banned {
		t.Fatal("the ban did not end")
	}
	a.Fail(scanner)
	b.Fail(scanner)
	a.Fail(scanner)
	if _, until := b.Banned(scanner); until.Sub(now) != 20*time.Minute {
		t.Fatalf("second ban lasts %v, want 20m", until.Sub(now))
	}
	// Failures spread wider than the window do not add up.
	now = now.Add(time.Hour)
	other := &net.TCPAddr{IP: net.IPv4(198, 51, 100, 1)}
	for range 4 {
		if a.Fail(other) {
			t.Fatal("failures two minutes apart banned, window one minute")
		}
		now = now.Add(2 * time.Minute)
	}
}
