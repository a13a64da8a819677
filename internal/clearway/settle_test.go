package clearway

import (
	"testing"
	"time"
)

func TestSettler(t *testing.T) {
	var s Settler
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	m1, m2 := t0.Add(-time.Minute), t0
	steps := []struct {
		size  int64
		mtime time.Time
		at    time.Duration
		want  Settle
	}{
		{10, m1, 0, Changing},
		{10, m1, time.Second, Settling},
		{20, m2, 3 * time.Second, Changing}, // still being written
		{20, m2, 4 * time.Second, Settling},
		{20, m2, 5 * time.Second, Settled}, // two looks 2 s apart agree
	}
	for i, st := range steps {
		if got := s.Look("a.csv", st.size, st.mtime, t0.Add(st.at), 2*time.Second); got != st.want {
			t.Errorf("look %d: %v, want %v", i, got, st.want)
		}
	}
	s.Look("empty.csv", 0, m1, t0, time.Second)
	if got := s.Look("empty.csv", 0, m1, t0.Add(time.Second), time.Second); got != Empty {
		t.Errorf("an empty file: %v, want Empty", got)
	}
	if !s.FirstEmpty("empty.csv") || s.FirstEmpty("empty.csv") {
		t.Error("FirstEmpty says so once")
	}
	s.Keep(map[string]bool{"a.csv": true})
	if s.Known("empty.csv") || !s.Known("a.csv") {
		t.Error("Keep forgets the files not seen")
	}
	s.Forget("a.csv")
	if s.Look("a.csv", 20, m2, t0.Add(time.Hour), time.Second) != Changing {
		t.Error("a forgotten file starts over")
	}
}
