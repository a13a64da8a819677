package housekeep

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/retention"
	"github.com/clearway/clearway/internal/testutil"
)

// fakeStore is the store as the retention job sees it: fixed candidates,
// left out once purged, as sqlite.DB leaves out what archive_purges has.
type fakeStore struct {
	candidates []retention.Candidate
	sent       []retention.SentCopy
	cutoffs    []time.Time
	purged     map[string]string // sha256 → reason
	conflict   string            // RecordPurge of this sha256 is a conflict
}

func (f *fakeStore) PurgeCandidates(ctx context.Context, cutoff time.Time) ([]retention.Candidate, error) {
	f.cutoffs = append(f.cutoffs, cutoff)
	var out []retention.Candidate
	for _, c := range f.candidates {
		if _, done := f.purged[c.SHA256]; !done {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeStore) RecordPurge(ctx context.Context, sha string, files []int64, reason string) error {
	if sha == f.conflict {
		return clearway.Errorf(clearway.ECONFLICT, "the journal holds other files with these bytes")
	}
	f.purged[sha] = reason
	return nil
}

func (f *fakeStore) ExpiredDeliveries(ctx context.Context, cutoff time.Time) ([]retention.SentCopy, error) {
	return f.sent, nil
}

// retentionFixture is an archive holding a purge candidate (CW-000001,
// released 2019) and an object the store keeps, and the sent copies and
// spools of two packets past retention, the second sharing its spool.
type retentionFixture struct {
	store        *fakeStore
	arc          *archive.Archive
	sent         string
	shared       *folders.Local // data_dir's folders: outbound/sent, outbound/spool
	goes, stays  string         // sha256 of the archived objects
	copies       []string       // sent copies, all to go
	spool, share string         // the first packet's spool (goes), the second's (shared: stays)
	now          time.Time
}

func newRetentionFixture(t *testing.T) *retentionFixture {
	t.Helper()
	dir := t.TempDir()
	f := &retentionFixture{arc: archive.New(filepath.Join(dir, "archive")), sent: filepath.Join(dir, "outbound", "sent"),
		shared: testutil.Folders(t, dir), now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	if err := f.arc.Open(); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.goes, _, err = f.arc.Put(strings.NewReader("release of MAEU190000001")); err != nil {
		t.Fatal(err)
	}
	if f.stays, _, err = f.arc.Put(strings.NewReader("release of MAEU190000002")); err != nil {
		t.Fatal(err)
	}
	released := time.Date(2019, 3, 21, 8, 0, 0, 0, time.UTC)
	f.spool, f.share = filepath.Join(dir, "outbound", "spool", "a"), filepath.Join(dir, "outbound", "spool", "b")
	f.store = &fakeStore{purged: map[string]string{},
		candidates: []retention.Candidate{{SHA256: f.goes, Files: []int64{3, 7}, Shipments: []string{"CW-000001"}, ReleasedAt: released}},
		sent: []retention.SentCopy{
			{Run: 1, Partner: "fastclear", Job: "packets", Name: "packets-1.zip", Spool: f.spool, Shipment: "CW-000001", ReleasedAt: released},
			{Run: 2, Partner: "fastclear", Job: "packets", Name: "packets-2.zip", Spool: f.share, SpoolShared: true, Shipment: "CW-000001", ReleasedAt: released},
		}}
	f.copies = []string{filepath.Join(f.sent, "fastclear", "packets-1.zip"), filepath.Join(f.sent, "fastclear", "packets-2.zip")}
	for _, p := range append(slices.Clone(f.copies), f.spool, f.share) {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("PK packet"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *retentionFixture) job(logs *bytes.Buffer, dry bool) *Retention {
	return &Retention{DB: f.store, Archive: f.arc, Folders: f.shared, DataDir: f.shared.Dir, Policy: retention.Policy{Archive: 1825 * 24 * time.Hour},
		Now: func() time.Time { return f.now }, Logger: slog.New(slog.NewJSONHandler(logs, nil)), DryRun: dry}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// logLines returns the JSON log lines by message.
func logLines(t *testing.T, logs *bytes.Buffer) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out[m["msg"].(string)] = append(out[m["msg"].(string)], m)
	}
	return out
}

// A dry run deletes nothing; the run deletes the candidate and the sent
// copies (a shared spool stays), logs each deletion with its sha256,
// files, shipments and release date, records the purge, and a second run
// finds nothing left.
func TestRetentionRun(t *testing.T) {
	ctx := context.Background()
	f := newRetentionFixture(t)

	var logs bytes.Buffer
	dry, err := f.job(&logs, true).Run(ctx)
	if err != nil || len(dry.Objects) != 1 || len(dry.Sent) != 2 {
		t.Fatalf("dry run: %+v %v, want 1 object and 2 sent copies", dry, err)
	}
	for _, p := range append(slices.Clone(f.copies), f.arc.Path(f.goes), f.spool) {
		if !exists(p) {
			t.Errorf("the dry run deleted %s", p)
		}
	}
	if len(f.store.purged) != 0 || len(logLines(t, &logs)["retention would purge archive object"]) != 1 {
		t.Errorf("dry run recorded %v or did not log:\n%s", f.store.purged, logs.String())
	}
	if want := time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC); !f.store.cutoffs[0].Equal(want) {
		t.Errorf("cutoff %v, want %v (five years before now)", f.store.cutoffs[0], want)
	}

	logs.Reset()
	rep, err := f.job(&logs, false).Run(ctx)
	if err != nil || len(rep.Objects) != 1 || len(rep.Sent) != 2 {
		t.Fatalf("run: %+v %v", rep, err)
	}
	for p, kept := range map[string]bool{f.arc.Path(f.goes): false, f.arc.Path(f.stays): true, f.copies[0]: false, f.copies[1]: false,
		f.spool: false, f.share: true} {
		if got := exists(p); got != kept {
			t.Errorf("%s exists %v, want %v", p, got, kept)
		}
	}
	if reason := f.store.purged[f.goes]; !strings.Contains(reason, "CW-000001") || !strings.Contains(reason, "2019-03-21") || !strings.Contains(reason, "1825d") {
		t.Errorf("purge recorded with reason %q", reason)
	}
	lines := logLines(t, &logs)
	if l := lines["retention purged archive object"]; len(l) != 1 || l[0]["level"] != "INFO" || l[0]["sha256"] != f.goes ||
		!slices.Equal(l[0]["files"].([]any), []any{3.0, 7.0}) || !slices.Equal(l[0]["shipments"].([]any), []any{"CW-000001"}) || l[0]["released"] != "2019-03-21" {
		t.Errorf("archive deletion logged as %v", l)
	}
	if l := lines["retention purged sent copy"]; len(l) != 2 || l[0]["file"] != "packets-1.zip" || l[0]["released"] != "2019-03-21" {
		t.Errorf("sent copy deletions logged as %v", l)
	}
	if sum := lines["retention purged"]; len(sum) != 1 || sum[0]["archive_objects"] != 1.0 || sum[0]["sent_copies"] != 2.0 || sum[0]["retention"] != "1825d" {
		t.Errorf("summary %v", sum)
	}

	again, err := f.job(&logs, false).Run(ctx)
	if err != nil || len(again.Objects) != 0 || len(again.Sent) != 0 {
		t.Errorf("second run: %+v %v, want nothing left", again, err)
	}
}

// A purge cut short after the deletion (no record yet) is finished by the
// next run: the missing object is not an error.
func TestRetentionRunFinishesCutShort(t *testing.T) {
	f := newRetentionFixture(t)
	if err := f.arc.Remove(f.goes); err != nil {
		t.Fatal(err)
	}
	if err := f.arc.Remove(f.goes); err != nil {
		t.Errorf("removing a missing object: %v, want no error", err)
	}
	var logs bytes.Buffer
	if _, err := f.job(&logs, false).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.store.purged[f.goes]; !ok {
		t.Error("the object removed before the run was not recorded as purged")
	}
}

// Bytes the journal received again while the run read its candidates:
// the run fails and says so at ERROR.
func TestRetentionRunConflict(t *testing.T) {
	f := newRetentionFixture(t)
	f.store.conflict = f.goes
	var logs bytes.Buffer
	_, err := f.job(&logs, false).Run(context.Background())
	if clearway.ErrorCode(err) != clearway.ECONFLICT || !strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("run: %v, want a conflict logged at ERROR:\n%s", err, logs.String())
	}
}

// retention.archive 0 keeps everything, without asking the store.
func TestRetentionKeepForever(t *testing.T) {
	f := newRetentionFixture(t)
	var logs bytes.Buffer
	j := f.job(&logs, false)
	j.Policy = retention.Policy{}
	rep, err := j.Run(context.Background())
	if err != nil || len(rep.Objects) != 0 || !rep.Cutoff.IsZero() || len(f.store.cutoffs) != 0 || !f.arc.Exists(f.goes) {
		t.Errorf("keep forever: %+v %v", rep, err)
	}
}
