package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/clearway"
)

// MustOpenDB opens a real database file in a temp dir and closes it after the test.
func MustOpenDB(tb testing.TB) *DB {
	tb.Helper()
	db := NewDB(filepath.Join(tb.TempDir(), "clearway.db"))
	if dsn := testPostgres(tb); dsn != "" {
		db = NewPostgres(dsn)
		// Files of a few lines take the COPY path too (pg_bulk.go), so
		// the whole suite checks it stores what row batches would.
		db.bulk = bulkSizes{min: 3, chunk: 50}
	}
	db.Now = func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestFiles(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	sum := strings.Repeat("ab", 32)
	f := &clearway.File{Partner: "acme", Channel: clearway.ChannelSFTP, Name: "inbox/a.csv", Size: 10, SHA256: sum}
	if err := db.CreateFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	if f.ID == 0 || f.State != clearway.FileReceived {
		t.Fatalf("got id %d state %s", f.ID, f.State)
	}
	g := &clearway.File{Partner: "fastclear", Channel: clearway.ChannelCLI, Name: "inbox/s.csv", Size: 5, SHA256: sum}
	if err := db.CreateFile(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateFileState(ctx, g.ID, clearway.FileRejected, "row 3: quantity: not a number"); err != nil {
		t.Fatal(err)
	}

	t.Run("ByPartner", func(t *testing.T) {
		got, err := db.FindFiles(ctx, clearway.FileFilter{Partner: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Name != "inbox/a.csv" || got[0].SHA256 != sum || !got[0].ReceivedAt.Equal(db.Now()) {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("ByState", func(t *testing.T) {
		got, err := db.FindFiles(ctx, clearway.FileFilter{State: clearway.FileRejected})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != g.ID || got[0].Error != "row 3: quantity: not a number" {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.FindFileByID(ctx, 999)
		if clearway.ErrorCode(err) != clearway.ENOTFOUND {
			t.Fatalf("got %v, want not found", err)
		}
		if err := db.UpdateFileState(ctx, 999, clearway.FileDone, ""); clearway.ErrorCode(err) != clearway.ENOTFOUND {
			t.Fatalf("got %v, want not found", err)
		}
	})
	t.Run("ErrInvalidState", func(t *testing.T) {
		if err := db.UpdateFileState(ctx, f.ID, "lost", ""); clearway.ErrorCode(err) != clearway.EINVALID {
			t.Fatalf("got %v, want invalid", err)
		}
	})
	t.Run("SurvivesReopen", func(t *testing.T) {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db2 := reopened(db)
		if err := db2.Open(); err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		got, err := db2.FindFiles(ctx, clearway.FileFilter{})
		if err != nil || len(got) != 2 {
			t.Fatalf("after reopen: %d files, %v", len(got), err)
		}
	})
}

func TestFailAttempt(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	f := &clearway.File{Partner: "acme", Channel: clearway.ChannelCLI, Name: "inbox/x", Size: 1, SHA256: strings.Repeat("cd", 32)}
	if err := db.CreateFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		aside, err := db.FailAttempt(ctx, f.ID, "internal: disk full", 3)
		if err != nil || aside != (i == 3) {
			t.Fatalf("attempt %d: set aside %v, %v", i, aside, err)
		}
	}
	got, _ := db.FindFileByID(ctx, f.ID)
	if got.State != clearway.FileRejected || got.Error != "internal: disk full" {
		t.Fatalf("got %+v", got)
	}
}

// Workers claiming at once (on PostgreSQL, the nodes of a cluster) take
// every waiting file exactly once.
func TestClaimNextFileConcurrently(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	const files = 60
	for i := range files {
		f := &clearway.File{Partner: "acme", Channel: clearway.ChannelSFTP, Name: fmt.Sprintf("inbox/%d.csv", i), Size: 1, SHA256: strings.Repeat("cd", 32)}
		if err := db.CreateFile(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	claimed := map[int64]int{}
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for {
				f, err := db.ClaimNextFile(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if f == nil {
					return
				}
				mu.Lock()
				claimed[f.ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(claimed) != files {
		t.Errorf("%d files claimed, want %d", len(claimed), files)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("file %d claimed %d times", id, n)
		}
	}
}

// In a cluster, the files of a node that is gone go back in the queue;
// those of a live node stay its own. Alone, a daemon takes back all.
func TestRequeueProcessingOfGoneNodes(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	claim := func(node string) int64 {
		f := &clearway.File{Partner: "acme", Channel: clearway.ChannelSFTP, Name: "inbox/" + node + ".csv", Size: 1, SHA256: strings.Repeat("ef", 32)}
		if err := db.CreateFile(ctx, f); err != nil {
			t.Fatal(err)
		}
		db.Node = node
		if ok, err := db.ClaimFile(ctx, f.ID); !ok || err != nil {
			t.Fatalf("claim as %s: %v %v", node, ok, err)
		}
		return f.ID
	}
	a, b := claim("node-a"), claim("node-b")
	if n, err := db.RequeueProcessing(ctx, []string{"node-a"}); err != nil || n != 1 {
		t.Fatalf("requeue with node-a alive: %d, %v; want node-b's one file", n, err)
	}
	for id, want := range map[int64]clearway.FileState{a: clearway.FileProcessing, b: clearway.FileReceived} {
		if f, _ := db.FindFileByID(ctx, id); f.State != want {
			t.Errorf("file %d: %s, want %s", id, f.State, want)
		}
	}
	if n, _ := db.RequeueProcessing(ctx, nil); n != 1 {
		t.Errorf("alone, a daemon takes back %d files, want node-a's", n)
	}
}

// A node paused past its heartbeats loses its file to another node: its
// late commit is refused, and its failure does not disturb the new owner.
func TestLateCommitOfATakenFile(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	f := &clearway.File{Partner: "acme", Channel: clearway.ChannelSFTP, Name: "inbox/x.csv", Size: 1, SHA256: strings.Repeat("aa", 32)}
	if err := db.CreateFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	db.Node = "node-a"
	db.ClaimFile(ctx, f.ID)
	late, err := db.BeginIngest(ctx, f, "m", "h")
	if err != nil {
		t.Fatal(err)
	}
	late.Rollback() // node-a pauses; its transaction is not open meanwhile
	if n, _ := db.RequeueProcessing(ctx, []string{"node-b"}); n != 1 {
		t.Fatal("node-a's file was not taken back")
	}
	db.Node = "node-b"
	if ok, _ := db.ClaimFile(ctx, f.ID); !ok {
		t.Fatal("node-b could not claim it")
	}
	db.Node = "node-a"
	in, err := db.BeginIngest(ctx, f, "m", "h")
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Commit(0); err == nil || !strings.Contains(err.Error(), "another node took it back") {
		t.Errorf("node-a's late commit: %v", err)
	}
	if setAside, err := db.FailAttempt(ctx, f.ID, "late", 1); setAside || err != nil {
		t.Errorf("node-a's failure set the file aside: %v %v", setAside, err)
	}
	if got, _ := db.FindFileByID(ctx, f.ID); got.State != clearway.FileProcessing {
		t.Errorf("node-b's file is %s now, want still processing", got.State)
	}
}

// The health check's ping answers on either store (on PostgreSQL it once
// asked SQLite's catalogue, and every node reported itself down).
func TestPing(t *testing.T) {
	db := MustOpenDB(t)
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := db.Ping(context.Background()); err == nil {
		t.Fatal("a closed store answers the ping")
	}
}
