package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sync/atomic"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/mapping"
	"github.com/clearway/clearway/internal/replay"
	"github.com/clearway/clearway/internal/sqlite"
)

// ReplayOptions say how a file is replayed.
type ReplayOptions struct {
	// Apply makes the result real; otherwise the replay is a dry run and
	// nothing is written.
	Apply bool
	// By is who replays (user:LOGIN, cli:USER): audit entries and the
	// replay record name them.
	By string
	// Limit is how many line changes a file's result lists (replay.Limit
	// when 0, every one when negative); the counts are always complete.
	Limit int
	// Records, when set, counts the records read, for a progress line.
	Records *atomic.Int64
}

// Router returns the routing table in use.
func (p *Pipeline) Router() *Router { return p.router.Load() }

// Replay re-reads one settled file from the archive through mapping m
// (nil: the one the router picks for it now) and reports what changes. A
// dry run writes nothing; Apply writes it as a file would: new versions of
// lines, held changes and reviews, the file done, acknowledgements for a
// file rejected before. An error is an internal failure.
func (p *Pipeline) Replay(ctx context.Context, f sqlite.ReplayFile, m *mapping.Mapping, opt ReplayOptions) (*replay.File, error) {
	res := &replay.File{ID: f.ID, Partner: f.Partner, Name: f.Name, ReceivedAt: f.ReceivedAt, Mapping: f.Mapping,
		MappingBefore: f.MappingHash, StateBefore: string(f.State), Lines: []replay.LineChange{}, Shipments: []replay.ShipmentChange{}}
	if m == nil {
		var err error
		if m, err = p.router.Load().Route(f.File); err != nil {
			res.StateAfter, res.Errors = string(clearway.FileRejected), []string{clearway.ErrorMessage(err)}
			res.Settle()
			return res, nil
		}
	}
	res.Mapping, res.MappingAfter = m.Name, m.Hash
	src, err := p.Archive.OpenFile(f.SHA256)
	if errors.Is(err, os.ErrNotExist) {
		return failed(res, fmt.Sprintf("the archived copy %s is gone; the file cannot be re-read", p.Archive.Describe(f.SHA256))), nil
	}
	if err != nil {
		return nil, err
	}
	defer src.Close()
	limit := opt.Limit
	if limit == 0 {
		limit = replay.Limit
	}
	lines := &replay.Collector{File: res, Max: limit}
	tx, err := p.DB.BeginReplay(ctx, f, m.Name, m.Hash, opt.By, lines)
	if clearway.ErrorCode(err) == clearway.ECONFLICT {
		return failed(res, clearway.ErrorMessage(err)), nil
	}
	if err != nil {
		return nil, err
	}
	out, err := p.replayRecords(tx, f, m, src, opt.Records)
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	res.Records = out.Records
	if out.State == clearway.FileRejected {
		tx.Rollback()
		res.StateAfter = string(clearway.FileRejected)
		res.Errors = errorTexts(out.Errors)
		res.Settle()
		return res, nil
	}
	shipments, err := tx.SettleReplay()
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	res.Shipments = append(res.Shipments, shipments...)
	res.StateAfter, res.Counts.Reviews = string(clearway.FileDone), tx.Stats.Reviews
	res.Settle()
	if !opt.Apply || !res.Changes() {
		tx.Rollback()
		return res, nil
	}
	return res, p.commitReplay(ctx, tx, res, out)
}

// replayRecords maps the archived bytes into the replay's transaction.
// The outcome is rejected when the mapping (or the store) refuses the file.
func (p *Pipeline) replayRecords(tx *sqlite.Ingest, f sqlite.ReplayFile, m *mapping.Mapping, src io.Reader, counter *atomic.Int64) (*Outcome, error) {
	out := &Outcome{File: f.File, Mapping: m.Name}
	res, refused, err := mapInto(tx, f.File, m, src, counter)
	if err != nil {
		return nil, err
	}
	out.Result, out.Records, out.Errors = res, res.Records, res.Errors
	if refused != nil {
		out.State, out.Errors = clearway.FileRejected, refused
		return out, nil
	}
	out.State = clearway.FileDone
	// A file applied before recorded its interchanges itself; one that was
	// rejected may since have come again under another name.
	if m.Format == mapping.FormatX12 && tx.FromState() == clearway.FileRejected {
		dup, err := p.x12Duplicate(tx, res)
		if err != nil {
			return nil, err
		}
		if dup != "" {
			out.State, out.Errors = clearway.FileRejected, []*mapping.InputError{{Msg: "already applied: " + dup}}
		}
	}
	return out, nil
}

// commitReplay writes an applied replay: a file rejected before gets the
// acknowledgement a normal upload gets, and its /errors copy gives way to
// a short note.
func (p *Pipeline) commitReplay(ctx context.Context, tx *sqlite.Ingest, res *replay.File, out *Outcome) error {
	wasRejected := tx.FromState() == clearway.FileRejected
	if wasRejected {
		if err := p.queueAcks(tx.Acks(), out); err != nil {
			tx.Rollback()
			return err
		}
	}
	res.ReplayID = tx.ReplayID()
	if err := tx.CommitReplay(out.Records, res.Counts); err != nil {
		return err
	}
	res.Applied = true
	if wasRejected {
		res.Note = p.acceptedAfterCorrection(ctx, out.File, res)
		p.deliverAcks(ctx, sqlite.AckFilter{FileID: out.File.ID})
	}
	p.Logger.Info("file replayed", "file_id", res.ID, "partner", res.Partner, "name", res.Name, "mapping", res.Mapping,
		"outcome", res.Outcome, "added", res.Counts.Added, "changed", res.Counts.Changed, "removed", res.Counts.Removed, "replay", res.ReplayID)
	return nil
}

// acceptedAfterCorrection removes the /errors copy and report of a file
// now accepted and leaves a short note in their place.
func (p *Pipeline) acceptedAfterCorrection(ctx context.Context, f *clearway.File, res *replay.File) string {
	base := path.Base(f.Name)
	done := "accepted after correction; the /errors copy and its report were replaced by " + path.Join(clearway.ErrorsDir, base+".accepted.txt")
	store := p.Folders
	copyKey := folders.Errors(f.Partner, base)
	if folders.Holds(ctx, store, copyKey, f.Size, f.SHA256) { // a later rejected file of the same name stays
		for _, key := range []string{copyKey, copyKey + ".error.txt"} {
			if err := store.Remove(ctx, key); err != nil && !errors.Is(err, fs.ErrNotExist) {
				p.Logger.Warn("replay: remove from /errors", "path", store.Describe(key), "error", err)
			}
		}
	}
	note := RenderAccepted(f, res, p.now())
	if err := store.Write(ctx, copyKey+".accepted.txt", bytes.NewReader(note), int64(len(note))); err != nil {
		p.Logger.Warn("replay: write note", "path", store.Describe(copyKey+".accepted.txt"), "error", err)
	}
	return done
}

// RenderAccepted is the note a partner finds in /errors where the report
// of a file accepted after correction was.
func RenderAccepted(f *clearway.File, res *replay.File, now time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Accepted after correction. Nothing to resend.\n\n")
	fmt.Fprintf(&b, "File:      /%s\n", f.Name)
	fmt.Fprintf(&b, "Received:  %s (reference %d)\n", f.ReceivedAt.UTC().Format(time.RFC1123), f.ID)
	fmt.Fprintf(&b, "Accepted:  %s, read again as %s (version %s)\n", now.UTC().Format(time.RFC1123), res.Mapping, clearway.ShortHash(res.MappingAfter))
	fmt.Fprintf(&b, "\nThe hub's mapping was corrected and your file was read again from the copy kept when it\n")
	fmt.Fprintf(&b, "arrived. Its earlier rejection report no longer applies.\n")
	return b.Bytes()
}

func failed(res *replay.File, why string) *replay.File {
	res.Outcome, res.StateAfter, res.Errors = replay.Failed, res.StateBefore, []string{why}
	return res
}

func errorTexts(errs []*mapping.InputError) []string {
	out := make([]string, 0, min(len(errs), 20))
	for i, e := range errs {
		if i == 20 {
			out = append(out, fmt.Sprintf("… and %d more", len(errs)-20))
			break
		}
		out = append(out, e.Error())
	}
	return out
}
