package clearway

import "time"

// Settler applies the "stable" readiness rule of watched folders and pulls
// from partners' servers (Apache Camel's readLock=changed): a file is
// finished when two looks at least a delay apart show the same size and
// modification time, and it has content — writers often create a file
// long before its first byte. One tracker for both channels, so they
// agree on when a file is finished.
type Settler struct {
	looks map[string]settleLook
}

type settleLook struct {
	size  int64
	mtime time.Time
	at    time.Time // when it was first seen like this
	empty bool      // reported as waiting for content
}

// Settle is what one look says of a file.
type Settle int

const (
	Changing Settle = iota // new, or changed since the last look
	Settling               // unchanged, but not yet for the delay
	Settled                // unchanged for the delay, with content: finished
	Empty                  // unchanged for the delay but empty: waits for content
)

// Look records a look at the file called name and says where it stands.
func (s *Settler) Look(name string, size int64, mtime, now time.Time, delay time.Duration) Settle {
	if s.looks == nil {
		s.looks = map[string]settleLook{}
	}
	lk, ok := s.looks[name]
	switch {
	case !ok || lk.size != size || !lk.mtime.Equal(mtime):
		s.looks[name] = settleLook{size: size, mtime: mtime, at: now}
		return Changing
	case now.Sub(lk.at) < delay:
		return Settling
	case size == 0:
		return Empty
	}
	return Settled
}

// FirstEmpty reports whether an Empty file is reported for the first time
// (callers say so once in the log, not at every look).
func (s *Settler) FirstEmpty(name string) bool {
	lk, ok := s.looks[name]
	if !ok || lk.empty {
		return false
	}
	lk.empty = true
	s.looks[name] = lk
	return true
}

// Forget drops what is known of a file (taken, or gone).
func (s *Settler) Forget(name string) { delete(s.looks, name) }

// Keep forgets every file not in seen.
func (s *Settler) Keep(seen map[string]bool) {
	for name := range s.looks {
		if !seen[name] {
			delete(s.looks, name)
		}
	}
}

// Known reports whether the settler has looked at the file.
func (s *Settler) Known(name string) bool {
	_, ok := s.looks[name]
	return ok
}
