package housekeep

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/testutil"
)

// An upload left as x.filepart for longer than the limit lands in the
// partner's errors with a report; a fresh one, and a finished file, stay.
func TestStaleSweep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "partners")
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	write := func(rel string, age time.Duration) string {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("half an invoice"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, now.Add(-age), now.Add(-age))
		return p
	}
	old := write("acme/inbox/invoices/INV-1.xlsx.filepart", 25*time.Hour)
	fresh := write("acme/inbox/invoices/INV-2.xlsx.FILEPART", time.Hour)
	done := write("acme/inbox/invoices/INV-3.xlsx", 72*time.Hour)
	taken := write("acme/errors/INV-1.xlsx.filepart", 0) // the name is taken in errors
	s := &Stale{PartnersDir: dir, Folders: testutil.Folders(t, filepath.Dir(dir)), After: 24 * time.Hour, Now: func() time.Time { return now }}
	moved, err := s.Sweep()
	if err != nil {
		t.Fatal(err)
	}
	if len(moved) != 1 || moved[0].From != "inbox/invoices/INV-1.xlsx.filepart" || moved[0].To != "errors/INV-1.xlsx.filepart.1" {
		t.Fatalf("moved %+v, want INV-1 only, beside the file already in errors", moved)
	}
	for _, p := range []string{fresh, done, taken} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v, want it left", p, err)
		}
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("the stale upload is still in the inbox")
	}
	report, err := os.ReadFile(filepath.Join(dir, "acme/errors/INV-1.xlsx.filepart.1.error.txt"))
	if err != nil || !strings.Contains(string(report), "Upload never completed: inbox/invoices/INV-1.xlsx.filepart") ||
		!strings.Contains(string(report), "24h0m0s") {
		t.Errorf("report %q %v", report, err)
	}
	if again, _ := s.Sweep(); len(again) != 0 {
		t.Errorf("a second sweep moved %+v", again)
	}
}
