package governance

import (
	"strings"
	"testing"
	"time"
)

func TestBreaches(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	counts := []Counts{
		{Partner: "acme", Received: 100, Rejected: 3},                // 3 %: breach
		{Partner: "beta", Received: 100, Rejected: 1, WithErrors: 1}, // 2 %: at the threshold, not above
		{Partner: "gamma", Received: 0},
		{Partner: "delta", Received: 40, WithErrors: 2}, // 5 %
	}
	got := DefaultPolicy().Breaches(counts, now)
	if len(got) != 2 || got[0].Partner != "acme" || got[1].Partner != "delta" {
		t.Fatalf("breaches %+v, want acme and delta", got)
	}
	if got[0].RatePct != 3 || !got[0].Due.Equal(now.Add(48*time.Hour)) || !got[0].From.Equal(now.AddDate(0, 0, -7)) {
		t.Errorf("acme %+v", got[0])
	}
	s := got[0].Summary(2)
	for _, want := range []string{"acme", "3 of its 100 files", "7 days", "3.0 %", "threshold 2 %", "2026-03-12 12:00 UTC"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary %q lacks %q", s, want)
		}
	}
}
