package webhook

import "time"

// Backoff is how long to wait before attempt n+1 after n failed attempts:
// base after the first, doubled after each further one, never more than
// ceiling. There is no jitter, so that schedules and tests are predictable:
// Backoff(1) = base, Backoff(2) = 2×base, Backoff(3) = 4×base, …
//
// n < 1 counts as 1; base ≤ 0 gives 0; ceiling ≤ 0 means no cap (the
// doubling stops short of overflowing).
func Backoff(n int, base, ceiling time.Duration) time.Duration {
	if base <= 0 {
		return 0
	}
	if ceiling <= 0 {
		ceiling = time.Duration(1<<63 - 1)
	}
	d := base
	for i := 1; i < n && d < ceiling; i++ {
		if d > ceiling/2 {
			return ceiling
		}
		d *= 2
	}
	return min(d, ceiling)
}
