package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/clearway"
)

func TestRemotePulls(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	sum := strings.Repeat("cd", 32)
	mtime := time.Date(2026, 2, 28, 23, 59, 1, 0, time.UTC)

	// An earlier journal entry with the same name and bytes (a file sent
	// before) must not settle the new entry.
	earlier := &clearway.File{Partner: "fastclear", Channel: clearway.ChannelRemote, Name: "inbox/350.edi", Size: 42, SHA256: sum}
	if err := db.CreateFile(ctx, earlier); err != nil {
		t.Fatal(err)
	}

	p := &RemotePull{Partner: "fastclear", RemotePath: "/outgoing/350.edi", Name: "inbox/350.edi", Size: 42, ModTime: mtime, SHA256: sum}
	if err := db.BeginRemotePull(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.ID == 0 || p.State != RemotePullTaking {
		t.Fatalf("got id %d state %s, want an id and taking", p.ID, p.State)
	}

	got, err := db.FindRemotePull(ctx, "fastclear", "/outgoing/350.edi", 42, mtime, sum)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != RemotePullTaking || got.FileID != 0 || !got.ModTime.Equal(mtime) || got.Name != "inbox/350.edi" {
		t.Fatalf("got %+v, want taking with no file", got)
	}

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.FindRemotePull(ctx, "fastclear", "/outgoing/350.edi", 42, mtime.Add(time.Second), sum)
		if code := clearway.ErrorCode(err); code != clearway.ENOTFOUND {
			t.Fatalf("got %v, want not found", err)
		}
	})

	// A refusal, then a second attempt on the same entry.
	got.State, got.Attempts, got.Error = RemotePullFailed, 1, "disk full"
	if err := db.UpdateRemotePull(ctx, got); err != nil {
		t.Fatal(err)
	}
	again := &RemotePull{Partner: "fastclear", RemotePath: "/outgoing/350.edi", Name: "inbox/350.edi", Size: 42, ModTime: mtime, SHA256: sum}
	if err := db.BeginRemotePull(ctx, again); err != nil {
		t.Fatal(err)
	}
	if again.ID != p.ID || again.Attempts != 1 || again.State != RemotePullTaking {
		t.Fatalf("got %+v, want entry %d back in taking with 1 attempt", again, p.ID)
	}

	// The crash case: the intake journaled the file, the ledger was not told.
	f := &clearway.File{Partner: "fastclear", Channel: clearway.ChannelRemote, Name: "inbox/350.edi", Size: 42, SHA256: sum}
	if err := db.CreateFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	got, err = db.FindRemotePull(ctx, "fastclear", "/outgoing/350.edi", 42, mtime, sum)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != RemotePullAccepted || got.FileID != f.ID {
		t.Fatalf("got state %s file %d, want accepted as file %d", got.State, got.FileID, f.ID)
	}

	t.Run("ErrConflict", func(t *testing.T) {
		dup := &RemotePull{Partner: "fastclear", RemotePath: "/outgoing/350.edi", Name: "inbox/350.edi", Size: 42, ModTime: mtime, SHA256: sum}
		err := db.BeginRemotePull(ctx, dup)
		if code := clearway.ErrorCode(err); code != clearway.ECONFLICT {
			t.Fatalf("got %v, want conflict", err)
		}
	})

	got.State = RemotePullDone
	if err := db.UpdateRemotePull(ctx, got); err != nil {
		t.Fatal(err)
	}
	got, err = db.FindRemotePull(ctx, "fastclear", "/outgoing/350.edi", 42, mtime, sum)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != RemotePullDone || got.FileID != f.ID {
		t.Fatalf("got state %s file %d, want done with file %d", got.State, got.FileID, f.ID)
	}

	t.Run("ErrInvalid", func(t *testing.T) {
		bad := *got
		bad.State = "lost"
		if code := clearway.ErrorCode(db.UpdateRemotePull(ctx, &bad)); code != clearway.EINVALID {
			t.Fatalf("got %s, want invalid", code)
		}
		if code := clearway.ErrorCode(db.BeginRemotePull(ctx, &RemotePull{Partner: "fastclear"})); code != clearway.EINVALID {
			t.Fatalf("got %s, want invalid", code)
		}
	})
}

func TestRemotePushes(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	sum := strings.Repeat("ef", 32)

	p := &RemotePush{Partner: "fastclear", RemotePath: "/incoming/packet-1.zip", Size: 9, SHA256: sum}
	if err := db.CreateRemotePush(ctx, p); err != nil {
		t.Fatal(err)
	}
	if p.ID == 0 || p.State != RemotePushSending {
		t.Fatalf("got id %d state %s, want an id and sending", p.ID, p.State)
	}

	t.Run("ErrConflict", func(t *testing.T) {
		dup := &RemotePush{Partner: "fastclear", RemotePath: "/incoming/packet-1.zip", Size: 9, SHA256: sum}
		if code := clearway.ErrorCode(db.CreateRemotePush(ctx, dup)); code != clearway.ECONFLICT {
			t.Fatalf("got %s, want conflict", code)
		}
	})

	p.State, p.Attempts, p.Error = RemotePushSent, 1, "connection reset"
	if err := db.UpdateRemotePush(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindRemotePush(ctx, "fastclear", "/incoming/packet-1.zip", sum)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != p.ID || got.State != RemotePushSent || got.Attempts != 1 || got.Error != "connection reset" || got.Size != 9 {
		t.Fatalf("got %+v, want the sent entry", got)
	}

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.FindRemotePush(ctx, "fastclear", "/incoming/packet-1.zip", strings.Repeat("00", 32))
		if code := clearway.ErrorCode(err); code != clearway.ENOTFOUND {
			t.Fatalf("got %v, want not found", err)
		}
		if code := clearway.ErrorCode(db.UpdateRemotePush(ctx, &RemotePush{ID: 99, State: RemotePushSent})); code != clearway.ENOTFOUND {
			t.Fatalf("got %s, want not found", code)
		}
	})
}
