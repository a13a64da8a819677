package testutil

import (
	"testing"

	"github.com/clearway/clearway/internal/folders"
)

// Folders opens data_dir-style shared folders on dir (as the daemon does
// on one machine) and closes them after the test.
func Folders(tb testing.TB, dir string) *folders.Local {
	tb.Helper()
	l, err := folders.OpenLocal(dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	return l
}
