package watch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/intake"
	"github.com/clearway/clearway/internal/sqlite"
	"github.com/clearway/clearway/internal/sqlite/sqlitetest"
	"github.com/clearway/clearway/internal/testutil"
)

// env is a real intake (SQLite file + archive in a temp dir) and a watched
// folder.
type env struct {
	db     *sqlite.DB
	arc    *archive.Archive
	in     *intake.Intake
	dir    string // the watched folder
	logs   *syncBuffer
	logger *slog.Logger
}

// mustEnv opens a real database and archive under t.TempDir().
func mustEnv(tb testing.TB) *env {
	tb.Helper()
	base := tb.TempDir()
	db, arc := sqlitetest.OpenStore(tb, base)
	dir := filepath.Join(base, "exports")
	if err := os.Mkdir(dir, 0o750); err != nil {
		tb.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	in := &intake.Intake{DB: db, Archive: arc, Logger: logger}
	return &env{db: db, arc: arc, in: in, dir: dir, logs: logs, logger: logger}
}

// watcher returns a Watcher over e.dir for partner "erp".
func (e *env) watcher(ready string, interval time.Duration, now func() time.Time) *Watcher {
	w := New(e.in, Folder{Partner: "erp", Path: e.dir, Ready: ready, Interval: interval})
	w.Logger = e.logger
	w.Now = now
	return w
}

// mustOpen opens w and closes it when the test ends.
func mustOpen(tb testing.TB, w *Watcher) {
	tb.Helper()
	if err := w.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := w.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
}

// files returns the journal entries of partner "erp".
func (e *env) files(tb testing.TB) []*clearway.File {
	tb.Helper()
	fs, err := e.db.FindFiles(context.Background(), clearway.FileFilter{Partner: "erp"})
	if err != nil {
		tb.Fatal(err)
	}
	return fs
}

// waitFiles waits until the journal holds n entries for "erp" and returns
// them sorted by id.
func (e *env) waitFiles(tb testing.TB, n int) []*clearway.File {
	tb.Helper()
	var got []*clearway.File
	waitFor(tb, 5*time.Second, func() bool {
		got = e.files(tb)
		return len(got) >= n
	})
	if len(got) != n {
		tb.Fatalf("journal has %d files, want %d: %v", len(got), n, names(got))
	}
	sortByID(got)
	return got
}

// write creates a file under e.dir, making folders as needed.
func (e *env) write(tb testing.TB, rel, content string) string {
	tb.Helper()
	p := filepath.Join(e.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o640); err != nil {
		tb.Fatal(err)
	}
	return p
}

// waitEmpty waits until no regular file is left under e.dir (claimed copies
// included): the journal entry is committed just before the claimed copy is
// removed.
func (e *env) waitEmpty(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := regularFiles(tb, e.dir)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("files left in the folder: %v", left)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitFor(tb testing.TB, timeout time.Duration, cond func() bool) {
	tb.Helper()
	testutil.WaitFor(tb, "the condition", timeout, cond)
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func exists(tb testing.TB, p string) bool {
	tb.Helper()
	_, err := os.Lstat(p)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		tb.Fatal(err)
	}
	return err == nil
}

// regularFiles lists the regular files under dir (relative slash paths).
func regularFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func names(fs []*clearway.File) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func sortByID(fs []*clearway.File) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].ID < fs[j-1].ID; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// clock is a settable clock safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer is a bytes.Buffer safe for the watcher's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestWatcher_FilePresentAtStart(t *testing.T) {
	e := mustEnv(t)
	const content = "PO,LINE,SKU\n4500001,1,AB-100\n"
	src := e.write(t, "po.csv", content)

	w := e.watcher("", 50*time.Millisecond, nil)
	mustOpen(t, w)
	got := e.waitFiles(t, 1)

	f := got[0]
	if f.Name != "inbox/po.csv" || f.Channel != clearway.ChannelWatch || f.Partner != "erp" {
		t.Fatalf("got %s %s %s, want erp watch inbox/po.csv", f.Partner, f.Channel, f.Name)
	}
	if f.SHA256 != sum(content) || f.Size != int64(len(content)) {
		t.Fatalf("got sha256 %s size %d, want %s %d", f.SHA256, f.Size, sum(content), len(content))
	}
	if !e.arc.Exists(f.SHA256) {
		t.Fatal("not archived")
	}
	if exists(t, src) {
		t.Fatal("file still in the folder")
	}
	e.waitEmpty(t)
	log := e.logs.String()
	for _, want := range []string{`msg="file taken"`, "partner=erp", "folder=" + e.dir, "name=inbox/po.csv", "file_id=", "sha256=" + f.SHA256} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}

	// Taken once: a few more rescans journal nothing more.
	time.Sleep(150 * time.Millisecond)
	if n := len(e.files(t)); n != 1 {
		t.Fatalf("journal has %d files, want 1", n)
	}
}

func TestWatcher_SlowWrite(t *testing.T) {
	e := mustEnv(t)
	// The two stable looks must be further apart than the writer's pauses:
	// that is what "stable" means. Writes come every 100ms; 300ms leaves room
	// for a slow machine under -race.
	w := e.watcher(ReadyStable, 300*time.Millisecond, nil)
	mustOpen(t, w)

	p := filepath.Join(e.dir, "sub", "bookings.csv")
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for i := range 6 {
		chunk := strings.Repeat(string(rune('a'+i)), 1000) + "\n"
		if _, err := out.WriteString(chunk); err != nil {
			t.Fatal(err)
		}
		all.WriteString(chunk)
		if i < 5 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}

	got := e.waitFiles(t, 1)
	if got[0].SHA256 != sum(all.String()) || got[0].Size != int64(all.Len()) {
		t.Fatalf("got size %d sha256 %s, want the complete file: size %d sha256 %s", got[0].Size, got[0].SHA256, all.Len(), sum(all.String()))
	}
	if got[0].Name != "inbox/sub/bookings.csv" {
		t.Fatalf("got name %q, want inbox/sub/bookings.csv", got[0].Name)
	}
	if strings.Contains(e.logs.String(), "file changed while it was taken") {
		t.Fatal("watcher reports a file changed while taken")
	}
}

// TestScanNow_StableNeedsTwoLooks pins the stable rule with an injected clock:
// size and mtime unchanged across two looks at least Interval apart.
func TestScanNow_StableNeedsTwoLooks(t *testing.T) {
	ctx := context.Background()
	e := mustEnv(t)
	clk := newClock()
	w := e.watcher(ReadyStable, time.Minute, clk.Now)
	p := e.write(t, "po.csv", "PO\n")
	scan := func() {
		t.Helper()
		if err := w.ScanNow(ctx); err != nil {
			t.Fatal(err)
		}
	}

	scan() // first look
	if n := len(e.files(t)); n != 0 {
		t.Fatalf("taken at the first look: %d files", n)
	}

	// Grows between looks: not taken, and the clock starts again.
	if err := os.WriteFile(p, []byte("PO\n4500001\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	scan()
	if n := len(e.files(t)); n != 0 {
		t.Fatalf("taken while growing: %d files", n)
	}

	// Unchanged but too soon.
	clk.Add(59 * time.Second)
	scan()
	if n := len(e.files(t)); n != 0 {
		t.Fatalf("taken before Interval passed: %d files", n)
	}

	// Unchanged for a full Interval.
	clk.Add(time.Second)
	scan()
	got := e.files(t)
	if len(got) != 1 || got[0].SHA256 != sum("PO\n4500001\n") {
		t.Fatalf("got %v, want the complete po.csv", names(got))
	}
	if exists(t, p) {
		t.Fatal("file still in the folder")
	}
}

// TestScanNow_EmptyFileWaits: a stable folder does not take a file that has
// no content yet (its writer may not have started).
func TestScanNow_EmptyFileWaits(t *testing.T) {
	ctx := context.Background()
	e := mustEnv(t)
	clk := newClock()
	w := e.watcher(ReadyStable, time.Second, clk.Now)
	p := e.write(t, "empty.csv", "")
	for range 3 {
		if err := w.ScanNow(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Hour)
	}
	if n := len(e.files(t)); n != 0 || !exists(t, p) {
		t.Fatalf("empty file taken: %d files, still there %v", n, exists(t, p))
	}
	if c := strings.Count(e.logs.String(), "empty file left in place"); c != 1 {
		t.Fatalf("got %d log lines about the empty file, want 1", c)
	}
}

func TestWatcher_DoneFile(t *testing.T) {
	ctx := context.Background()
	e := mustEnv(t)
	clk := newClock()
	w := e.watcher(ReadyDoneFile, 50*time.Millisecond, clk.Now)
	mustOpen(t, w)

	const content = "VENDOR,NAME\nV1,Acme\n"
	x := e.write(t, "vendors.csv", content)
	// However long x sits unchanged, without x.done it is not taken.
	for range 3 {
		clk.Add(time.Hour)
		if err := w.ScanNow(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.files(t)); n != 0 || !exists(t, x) {
		t.Fatalf("taken without a done file: %d files", n)
	}

	done := e.write(t, "vendors.csv.done", "")
	got := e.waitFiles(t, 1)
	if got[0].Name != "inbox/vendors.csv" || got[0].SHA256 != sum(content) {
		t.Fatalf("got %s %s, want inbox/vendors.csv %s", got[0].Name, got[0].SHA256, sum(content))
	}
	if exists(t, x) || exists(t, done) {
		t.Fatalf("want %s and its done file gone", x)
	}
	e.waitEmpty(t)
}

func TestScanNow_IgnoredNamesAndSubfolders(t *testing.T) {
	ctx := context.Background()
	e := mustEnv(t)
	clk := newClock()
	w := e.watcher(ReadyStable, time.Second, clk.Now)

	ignored := []string{
		"x.csv.tmp", "x.csv.part", "x.csv.filepart", "x.csv.partial", "X.CSV.PART",
		"orphan.csv.done", ".hidden.csv", ".in.upload.csv", ".git/config", "sub/.x.csv", "sub/y.csv.tmp",
	}
	for _, rel := range ignored {
		e.write(t, rel, "ignore me\n")
	}
	e.write(t, "sub/x.csv", "A,B\n1,2\n")
	e.write(t, "sub/deeper/z.csv", "C\n3\n")
	if err := os.Symlink(filepath.Join(e.dir, "sub", "x.csv"), filepath.Join(e.dir, "link.csv")); err != nil {
		t.Fatal(err)
	}

	for range 2 {
		if err := w.ScanNow(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Second)
	}
	got := e.files(t)
	sortByID(got)
	if len(got) != 2 || got[0].Name != "inbox/sub/deeper/z.csv" || got[1].Name != "inbox/sub/x.csv" {
		t.Fatalf("got %v, want [inbox/sub/deeper/z.csv inbox/sub/x.csv]", names(got))
	}
	if got[1].SHA256 != sum("A,B\n1,2\n") {
		t.Fatalf("got sha256 %s for sub/x.csv", got[1].SHA256)
	}
	for _, rel := range ignored {
		if !exists(t, filepath.Join(e.dir, filepath.FromSlash(rel))) {
			t.Errorf("%s was taken or removed", rel)
		}
	}
	if !exists(t, filepath.Join(e.dir, "link.csv")) {
		t.Error("symlink was taken")
	}
}

func TestWatcher_SubfolderCreatedLater(t *testing.T) {
	e := mustEnv(t)
	w := e.watcher(ReadyStable, 50*time.Millisecond, nil)
	mustOpen(t, w)

	e.write(t, "2026/03/po.csv", "PO\n1\n")
	got := e.waitFiles(t, 1)
	if got[0].Name != "inbox/2026/03/po.csv" {
		t.Fatalf("got %q, want inbox/2026/03/po.csv", got[0].Name)
	}
	// The subfolders the partner made stay; the file is gone.
	if !exists(t, filepath.Join(e.dir, "2026", "03")) || exists(t, filepath.Join(e.dir, "2026", "03", "po.csv")) {
		t.Fatal("want the folders kept and the file gone")
	}
}

func TestWatcher_Prefix(t *testing.T) {
	e := mustEnv(t)
	clk := newClock()
	w := New(e.in, Folder{Partner: "erp", Path: e.dir, Interval: time.Second, Prefix: "inbox/tms"})
	w.Now = clk.Now
	e.write(t, "m.csv", "M\n")
	for range 2 {
		if err := w.ScanNow(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Second)
	}
	got := e.files(t)
	if len(got) != 1 || got[0].Name != "inbox/tms/m.csv" {
		t.Fatalf("got %v, want [inbox/tms/m.csv]", names(got))
	}
}

func TestWatcher_RecoversClaimedAtOpen(t *testing.T) {
	e := mustEnv(t)
	// A crash between claim and accept left this behind.
	claimed := e.write(t, ".clearway/claimed/sub/left.csv", "LEFT\n")
	// In done_file mode its marker may also have survived the crash.
	e.write(t, "sub/left.csv.done", "")
	// And a new file waits in the folder.
	e.write(t, "new.csv", "NEW\n")
	e.write(t, "new.csv.done", "")

	// An Interval of an hour: only the first pass, run at Open, can take them.
	w := e.watcher(ReadyDoneFile, time.Hour, nil)
	mustOpen(t, w)
	got := e.waitFiles(t, 2)
	if got[0].Name != "inbox/sub/left.csv" || got[0].SHA256 != sum("LEFT\n") {
		t.Fatalf("first taken %s %s, want the claimed inbox/sub/left.csv first", got[0].Name, got[0].SHA256)
	}
	if got[1].Name != "inbox/new.csv" {
		t.Fatalf("second taken %s, want inbox/new.csv", got[1].Name)
	}
	e.waitEmpty(t) // the claimed copy and the orphan done file included
	if exists(t, claimed) {
		t.Fatal("claimed file not removed")
	}
}

func TestScanNow_AcceptFailsMovesToFailed(t *testing.T) {
	ctx := context.Background()
	e := mustEnv(t)
	clk := newClock()
	w := e.watcher(ReadyStable, time.Second, clk.Now)
	e.write(t, "sub/po.csv", "PO\n1\n")
	e.write(t, ".clearway/failed/sub/po.csv", "EARLIER FAILURE\n")

	if err := w.ScanNow(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second)
	e.db.Close() // the journal refuses every file from now on
	err := w.ScanNow(ctx)
	if err == nil {
		t.Fatal("ScanNow: want the accept error")
	}

	failed := filepath.Join(e.dir, ".clearway", "failed", "sub", "po.1.csv")
	b, rerr := os.ReadFile(failed)
	if rerr != nil || string(b) != "PO\n1\n" {
		t.Fatalf("failed copy: %q, %v; want the file's bytes", b, rerr)
	}
	if b, _ := os.ReadFile(filepath.Join(e.dir, ".clearway", "failed", "sub", "po.csv")); string(b) != "EARLIER FAILURE\n" {
		t.Fatal("earlier failed file overwritten")
	}
	if exists(t, filepath.Join(e.dir, "sub", "po.csv")) {
		t.Fatal("file still in the folder")
	}
	if left := regularFiles(t, filepath.Join(e.dir, ".clearway", "claimed")); len(left) != 0 {
		t.Fatalf("files left claimed: %v", left)
	}
	log := e.logs.String()
	if !strings.Contains(log, "level=ERROR") || !strings.Contains(log, "path="+failed) {
		t.Fatalf("no error log naming %s:\n%s", failed, log)
	}
}

func TestWatcher_FolderDisappearsAndReturns(t *testing.T) {
	e := mustEnv(t)
	w := e.watcher(ReadyStable, 50*time.Millisecond, nil)
	mustOpen(t, w)

	if err := os.RemoveAll(e.dir); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() bool { return strings.Contains(e.logs.String(), "watched folder unavailable") })

	if err := os.Mkdir(e.dir, 0o750); err != nil {
		t.Fatal(err)
	}
	e.write(t, "sub/back.csv", "BACK\n")
	got := e.waitFiles(t, 1)
	if got[0].Name != "inbox/sub/back.csv" {
		t.Fatalf("got %q, want inbox/sub/back.csv", got[0].Name)
	}
	if c := strings.Count(e.logs.String(), "watched folder unavailable"); c != 1 {
		t.Fatalf("folder outage logged %d times, want once", c)
	}
}

func TestOpen_Invalid(t *testing.T) {
	e := mustEnv(t)
	for name, folders := range map[string][]Folder{
		"Missing":   {{Partner: "erp", Path: filepath.Join(e.dir, "nope")}},
		"Relative":  {{Partner: "erp", Path: "exports"}},
		"NoPartner": {{Path: e.dir}},
		"BadReady":  {{Partner: "erp", Path: e.dir, Ready: "changed"}},
		"Overlap":   {{Partner: "erp", Path: e.dir}, {Partner: "tms", Path: filepath.Join(e.dir, "sub")}},
	} {
		t.Run(name, func(t *testing.T) {
			w := New(e.in, folders...)
			if err := w.Open(); err == nil {
				w.Close()
				t.Fatal("Open: want error")
			}
		})
	}
}

func TestWatcher_CloseStopsEverything(t *testing.T) {
	e := mustEnv(t)
	before := runtime.NumGoroutine()

	w := e.watcher(ReadyStable, 50*time.Millisecond, nil)
	if err := w.Open(); err != nil {
		t.Fatal(err)
	}
	e.write(t, "one.csv", "1\n")
	e.waitFiles(t, 1)
	if runtime.NumGoroutine() <= before {
		t.Fatal("no goroutine started: the leak check below would prove nothing")
	}

	closed := make(chan error, 1)
	go func() { closed <- w.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	waitFor(t, 5*time.Second, func() bool { return runtime.NumGoroutine() <= before })

	// Nothing is taken any more.
	p := e.write(t, "two.csv", "2\n")
	time.Sleep(200 * time.Millisecond)
	if n := len(e.files(t)); n != 1 || !exists(t, p) {
		t.Fatalf("taken after Close: %d files", n)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestWatcher_EventResetsClock: a change the rescan cannot see (same size,
// mtime put back, as on a filesystem with coarse mtimes) still restarts the
// stable clock through its notification.
func TestWatcher_EventResetsClock(t *testing.T) {
	ctx := context.Background()
	e := mustEnv(t)
	clk := newClock()
	p := e.write(t, "po.csv", "AAAA\n")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	w := e.watcher(ReadyStable, time.Hour, clk.Now)
	mustOpen(t, w) // first pass: first look
	f := w.folders[0]
	hasLook := func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.looks.Known("po.csv")
	}
	waitFor(t, 5*time.Second, hasLook)

	if err := os.WriteFile(p, []byte("BBBB\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	// Events of one watch arrive in order: once a sentinel folder made after
	// the change is watched, every event of the change has been handled.
	sentinel := filepath.Join(e.dir, "sentinel")
	if err := os.Mkdir(sentinel, 0o750); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.watched[sentinel]
	})
	if hasLook() {
		t.Fatal("the change's notifications did not reset the clock")
	}

	clk.Add(time.Hour)
	if err := w.ScanNow(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.files(t)); n != 0 {
		t.Fatalf("taken right after a change: %d files", n)
	}
	clk.Add(time.Hour)
	if err := w.ScanNow(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.files(t); len(got) != 1 || got[0].SHA256 != sum("BBBB\n") {
		t.Fatalf("got %v, want po.csv with its new content", names(got))
	}
}

// blockingIntake holds the first Accept until its context ends, as a slow
// disk would, then passes it on to the real intake.
type blockingIntake struct {
	Intake
	entered  chan struct{}
	returned chan struct{}
	once     sync.Once
}

func (b *blockingIntake) Accept(ctx context.Context, partner string, ch clearway.Channel, name, localPath string) (*clearway.File, error) {
	first := false
	b.once.Do(func() { first = true })
	if !first {
		return b.Intake.Accept(ctx, partner, ch, name, localPath)
	}
	close(b.entered)
	defer close(b.returned)
	<-ctx.Done()
	return b.Intake.Accept(ctx, partner, ch, name, localPath)
}

// TestWatcher_CloseDuringAccept: Close waits for a file being accepted, which
// then stays claimed (not failed) and is taken by the next Open.
func TestWatcher_CloseDuringAccept(t *testing.T) {
	e := mustEnv(t)
	e.write(t, "po.csv", "PO\n1\n")
	e.write(t, "po.csv.done", "")
	bi := &blockingIntake{Intake: e.in, entered: make(chan struct{}), returned: make(chan struct{})}
	w := New(bi, Folder{Partner: "erp", Path: e.dir, Ready: ReadyDoneFile, Interval: 50 * time.Millisecond})
	w.Logger = e.logger
	if err := w.Open(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-bi.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("file never reached the intake")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-bi.returned:
	default:
		t.Fatal("Close returned before the Accept in progress")
	}
	if n := len(e.files(t)); n != 0 {
		t.Fatalf("journal has %d files, want 0", n)
	}
	claimed := filepath.Join(e.dir, ".clearway", "claimed", "po.csv")
	if !exists(t, claimed) {
		t.Fatalf("interrupted file not left claimed; files: %v", regularFiles(t, e.dir))
	}

	w2 := e.watcher(ReadyDoneFile, time.Hour, nil)
	mustOpen(t, w2)
	got := e.waitFiles(t, 1)
	if got[0].Name != "inbox/po.csv" || got[0].SHA256 != sum("PO\n1\n") {
		t.Fatalf("got %s %s after restart", got[0].Name, got[0].SHA256)
	}
	e.waitEmpty(t)
}

// TestWatcher_WatchesNewSubfolders: with an hour between rescans, only the
// notification from a subfolder made after Open can bring its done file in.
func TestWatcher_WatchesNewSubfolders(t *testing.T) {
	e := mustEnv(t)
	w := e.watcher(ReadyDoneFile, time.Hour, nil)
	mustOpen(t, w)
	f := w.folders[0]
	deep := filepath.Join(e.dir, "2026", "03")
	if err := os.MkdirAll(deep, 0o750); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.watched[deep]
	})

	e.write(t, "2026/03/milestones.csv", "M\n1\n")
	e.write(t, "2026/03/milestones.csv.done", "")
	got := e.waitFiles(t, 1)
	if got[0].Name != "inbox/2026/03/milestones.csv" {
		t.Fatalf("got %q, want inbox/2026/03/milestones.csv", got[0].Name)
	}
}
