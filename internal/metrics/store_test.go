package metrics_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/governance"
	"github.com/clearway/clearway/internal/metrics"
	"github.com/clearway/clearway/internal/sqlite"
	"github.com/clearway/clearway/internal/sqlite/sqlitetest"
)

var _ metrics.Store = (*sqlite.DB)(nil)

// TestStoreCollector_SQLite reads the figures from a real store: a
// partner_error_rate review opened three days ago is open and overdue.
func TestStoreCollector_SQLite(t *testing.T) {
	dir := t.TempDir()
	db, arc := sqlitetest.OpenStore(t, dir)
	ctx := context.Background()
	opened := time.Now().Add(-72 * time.Hour)
	db.Now = func() time.Time { return opened }
	for i := range 10 {
		src := filepath.Join(dir, fmt.Sprintf("f%d.csv", i))
		if err := os.WriteFile(src, []byte(fmt.Sprintf("line %d\n", i)), 0o600); err != nil {
			t.Fatal(err)
		}
		sum, size, err := arc.PutFile(src)
		if err != nil {
			t.Fatal(err)
		}
		f := &clearway.File{Partner: "acme", Channel: clearway.ChannelSFTP, Name: fmt.Sprintf("inbox/f%d.csv", i), Size: size, SHA256: sum}
		if err := db.CreateFile(ctx, f); err != nil {
			t.Fatal(err)
		}
		if i < 3 {
			if err := db.UpdateFileState(ctx, f.ID, clearway.FileRejected, "bad"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db.CheckGovernance(ctx, governance.DefaultPolicy()); err != nil {
		t.Fatal(err)
	}

	_, reg := MustNew(t)
	reg.MustRegister(&metrics.StoreCollector{Store: db})
	fams := scrape(t, reg)
	kind := map[string]string{"kind": sqlite.ReviewPartnerErrorRate}
	if got, ok := value(fams, "clearway_reviews_open", kind); !ok || got != 1 {
		t.Errorf("reviews open = %v (found %v), want 1", got, ok)
	}
	if got, ok := value(fams, "clearway_reviews_overdue", kind); !ok || got != 1 {
		t.Errorf("reviews overdue = %v (found %v), want 1 (opened 72h ago)", got, ok)
	}

	// A 96 h SLA does not change that: the review's own due time (48 h
	// after opening) has passed.
	_, reg = MustNew(t)
	reg.MustRegister(&metrics.StoreCollector{Store: db, OverdueAfter: 96 * time.Hour})
	fams = scrape(t, reg)
	if got, ok := value(fams, "clearway_reviews_overdue", kind); !ok || got != 1 {
		t.Errorf("reviews overdue (96h SLA) = %v (found %v), want 1: due 48 h after opening", got, ok)
	}
	if _, ok := fams["clearway_entries"]; ok {
		t.Errorf("entries reported for a store without shipments: %v", fams["clearway_entries"])
	}
}
