package retention

import (
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/lifecycle"
)

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCutoff(t *testing.T) {
	now := date("2029-03-01T12:00:00Z")
	for _, tc := range []struct {
		name    string
		archive time.Duration
		want    string
	}{
		// Five years back to the day, though 2028 has a 29 February:
		// 1825 days counted as days would give 2024-03-02.
		{"FiveYears", 1825 * 24 * time.Hour, "2024-03-01T12:00:00Z"},
		{"Days", 60 * 24 * time.Hour, "2028-12-31T12:00:00Z"},
		{"YearAndDays", 400 * 24 * time.Hour, "2028-01-26T12:00:00Z"},
		{"Hours", 36 * time.Hour, "2029-02-28T00:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Policy{Archive: tc.archive}.Cutoff(now)
			if !ok || !got.Equal(date(tc.want)) {
				t.Errorf("got %v %v, want %s", got, ok, tc.want)
			}
		})
	}
	t.Run("String", func(t *testing.T) {
		for d, want := range map[time.Duration]string{1825 * 24 * time.Hour: "1825d", 0: "0", 36 * time.Hour: "36h0m0s"} {
			if got := (Policy{Archive: d}).String(); got != want {
				t.Errorf("%s: got %q, want %q", d, got, want)
			}
		}
	})
	t.Run("KeepForever", func(t *testing.T) {
		if _, ok := (Policy{}).Cutoff(now); ok {
			t.Error("archive 0 gave a cutoff, want none (keep forever)")
		}
	})
}

func TestExpired(t *testing.T) {
	cutoff := date("2021-06-01T00:00:00Z")
	released := func(at string, mod ...func(*Shipment)) Shipment {
		s := Shipment{Ref: "CW-000001", State: lifecycle.Released, ReleasedAt: date(at),
			Entries: []Entry{{Number: "59726031178", State: lifecycle.Released}}}
		for _, m := range mod {
			m(&s)
		}
		return s
	}
	for _, tc := range []struct {
		name string
		s    Shipment
		want bool
		why  string
	}{
		{"ReleasedLongAgo", released("2019-03-21T08:00:00Z"), true, "past retention"},
		{"ClosedLongAgo", released("2019-03-21T08:00:00Z", func(s *Shipment) {
			s.State, s.Entries[0].State = lifecycle.Closed, lifecycle.Closed
		}), true, "past retention"},
		{"JustBeforeCutoff", released("2021-05-31T23:59:59Z"), true, "past retention"},
		{"AtCutoff", released("2021-06-01T00:00:00Z"), false, "within retention"},
		{"Recent", released("2025-01-01T00:00:00Z"), false, "within retention"},
		{"LegalHold", released("2019-03-21T08:00:00Z", func(s *Shipment) { s.LegalHold = true }), false, "legal hold"},
		{"Open", released("2019-03-21T08:00:00Z", func(s *Shipment) {
			s.State, s.Entries[0].State = lifecycle.OnHold, lifecycle.OnHold
		}), false, "entry open (ON_HOLD)"},
		// One entry of a split shipment still open keeps the shipment,
		// whatever the stored overall state says.
		{"SecondEntryOpen", released("2019-03-21T08:00:00Z", func(s *Shipment) {
			s.Entries = append(s.Entries, Entry{Number: "59726031186", State: lifecycle.Accepted})
		}), false, "entry 59726031186 open"},
		{"CancelledEntryBeside", released("2019-03-21T08:00:00Z", func(s *Shipment) {
			s.Entries = append(s.Entries, Entry{Number: "59726031186", State: lifecycle.Cancelled})
		}), true, "past retention"},
		{"Cancelled", released("2019-03-21T08:00:00Z", func(s *Shipment) {
			s.State, s.Entries[0].State = lifecycle.Cancelled, lifecycle.Cancelled
		}), false, "entry open (CANCELLED)"},
		{"Seized", released("2019-03-21T08:00:00Z", func(s *Shipment) { s.State = lifecycle.Seized }), false, "entry open (SEIZED)"},
		{"Partial", released("2019-03-21T08:00:00Z", func(s *Shipment) { s.Entries[0].Partial = true }), false, "released in part only"},
		{"OpenReview", released("2019-03-21T08:00:00Z", func(s *Shipment) { s.OpenReviews = 1 }), false, "1 open review"},
		{"NoReleaseDate", released("2019-03-21T08:00:00Z", func(s *Shipment) { s.ReleasedAt = time.Time{} }), false, "no release date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := Expired(tc.s, cutoff)
			if got != tc.want || !strings.Contains(why, tc.why) {
				t.Errorf("got %v (%s), want %v (%s)", got, why, tc.want, tc.why)
			}
		})
	}
}

func TestLinksKeep(t *testing.T) {
	expired := func(ref string) bool { return ref == "CW-000001" || ref == "CW-000002" }
	for _, tc := range []struct {
		name  string
		links Links
		keep  string // "" when it may go
	}{
		{"AllExpired", Links{Shipments: []string{"CW-000001", "CW-000002"}}, ""},
		{"SharedWithOpen", Links{Shipments: []string{"CW-000001", "CW-000003"}}, "CW-000003"},
		{"POLines", Links{Unshipped: true, Shipments: []string{"CW-000001"}}, "other than a shipment"},
		{"Nothing", Links{}, "no shipment"},
		{"Pending", Links{Pending: true, Shipments: []string{"CW-000001"}}, "still being processed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.links.Keep(expired)
			if (tc.keep == "") != (got == "") || !strings.Contains(got, tc.keep) {
				t.Errorf("keep %q, want %q", got, tc.keep)
			}
		})
	}
}

func TestMayHold(t *testing.T) {
	for _, r := range account.Roles {
		want := r == account.Admin || r == account.Compliance
		if got := MayHold(r); got != want {
			t.Errorf("%s: got %v, want %v", r, got, want)
		}
	}
}
