package sqlite

import (
	"context"
	"testing"
)

// Control numbers increase per partner and kind, reserve ranges, and wrap
// to 1 after nine digits — on both backends (PostgreSQL once found the
// upsert's "last" ambiguous).
func TestNextControlNumbers(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	for _, step := range []struct {
		partner, kind string
		n             int
		want          int64
	}{{"acme", "isa", 1, 1}, {"acme", "isa", 1, 2}, {"acme", "gs", 3, 1}, {"acme", "gs", 1, 4}, {"globex", "isa", 1, 1}} {
		got, err := db.NextControlNumbers(ctx, step.partner, step.kind, step.n)
		if err != nil || got != step.want {
			t.Fatalf("%s/%s +%d: %d %v, want %d", step.partner, step.kind, step.n, got, err, step.want)
		}
	}
	if _, err := db.db.ExecContext(ctx, `UPDATE control_numbers SET last = ? WHERE partner = 'acme' AND kind = 'isa'`, maxControl-1); err != nil {
		t.Fatal(err)
	}
	if got, err := db.NextControlNumbers(ctx, "acme", "isa", 1); err != nil || got != maxControl {
		t.Fatalf("the last nine-digit number: %d %v", got, err)
	}
	if got, err := db.NextControlNumbers(ctx, "acme", "isa", 1); err != nil || got != 1 {
		t.Fatalf("after 999999999: %d %v, want 1", got, err)
	}
}
