package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/mapping"
	"github.com/clearway/clearway/internal/sqlite"
	"github.com/clearway/clearway/internal/sqlite/sqlitetest"
	"github.com/clearway/clearway/internal/testutil"
)

// TestIdleWorkerDeliversQueuedAck: an ack whose outbox write failed stays
// queued, and the worker writes it once the outbox works again, without a
// restart.
func TestIdleWorkerDeliversQueuedAck(t *testing.T) {
	dir := t.TempDir()
	db, arc := sqlitetest.OpenStore(t, dir)
	m, err := mapping.Load("../../mappings/x12-350.yaml")
	if err != nil {
		t.Fatal(err)
	}
	outbox := filepath.Join(dir, "partners", "broker", clearway.OutboxDir)
	os.MkdirAll(filepath.Dir(outbox), 0o755)
	os.WriteFile(outbox, []byte("in the way"), 0o644) // the write fails: not a folder

	sum, size, err := arc.PutFile("../../testdata/mappings/x12-350/inbox/edi/350/350_000000101.edi")
	if err != nil {
		t.Fatal(err)
	}
	f := &clearway.File{Partner: "broker", Channel: clearway.ChannelCLI, Name: "inbox/edi/350/a.edi", Size: size, SHA256: sum}
	if err := db.CreateFile(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{DB: db, Archive: arc, PartnersDir: filepath.Join(dir, "partners"), Folders: testutil.Folders(t, dir), Retry: 20 * time.Millisecond,
		AckRetryAfter: time.Nanosecond, Logger: quietLogger()}
	p.SetRouter(&Router{Partners: map[string][]string{"broker": {m.Name}}, Mappings: map[string]*mapping.Mapping{m.Name: m}})
	if err := p.Open(); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	testutil.WaitFor(t, "the file done with its ack queued", 10*time.Second, func() bool {
		got, _ := db.FindFileByID(context.Background(), f.ID)
		acks, _ := db.PendingAcks(context.Background(), sqlite.AckFilter{Partner: "broker"})
		return got != nil && got.State == clearway.FileDone && len(acks) == 1
	})
	os.Remove(outbox)
	testutil.WaitFor(t, "the queued 997 in the outbox", 10*time.Second, func() bool {
		entries, _ := os.ReadDir(outbox)
		acks, _ := db.PendingAcks(context.Background(), sqlite.AckFilter{Partner: "broker"})
		return len(entries) == 1 && strings.HasPrefix(entries[0].Name(), "997-") && len(acks) == 0
	})
}
