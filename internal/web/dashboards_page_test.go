package web

import "testing"

// A header link reverses the column's order when the table is sorted by
// it, and otherwise starts figures largest first and text from A.
func TestNextDir(t *testing.T) {
	for _, tc := range []struct {
		sorted, desc, figures bool
		want                  string
	}{
		{false, false, true, "desc"}, {false, false, false, "asc"},
		{true, false, true, "desc"}, {true, true, true, "asc"},
		{true, false, false, "desc"}, {true, true, false, "asc"},
	} {
		if got := nextDir(tc.sorted, tc.desc, tc.figures); got != tc.want {
			t.Errorf("nextDir(sorted %v, desc %v, figures %v) = %s, want %s", tc.sorted, tc.desc, tc.figures, got, tc.want)
		}
	}
}
