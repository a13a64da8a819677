package webhook

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	const base, ceiling = time.Second, time.Minute
	tests := []struct {
		n             int
		base, ceiling time.Duration
		want          time.Duration
	}{
		{1, base, ceiling, base},
		{2, base, ceiling, 2 * base},
		{3, base, ceiling, 4 * base},
		{6, base, ceiling, 32 * base},
		{7, base, ceiling, ceiling}, // 64s capped
		{10, base, ceiling, ceiling},
		{1 << 30, base, ceiling, ceiling},
		{0, base, ceiling, base},
		{-3, base, ceiling, base},
		{1, 2 * time.Minute, ceiling, ceiling}, // base above the cap
		{3, 0, ceiling, 0},
		{4, base, 0, 8 * base},                   // no cap
		{200, base, 0, time.Duration(1<<63 - 1)}, // no cap, no overflow
	}
	for _, tt := range tests {
		if got := Backoff(tt.n, tt.base, tt.ceiling); got != tt.want {
			t.Errorf("Backoff(%d, %v, %v): got %v, want %v", tt.n, tt.base, tt.ceiling, got, tt.want)
		}
	}
}
