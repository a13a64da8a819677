package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/mapping"
	"github.com/clearway/clearway/internal/metrics"
	"github.com/clearway/clearway/internal/sqlite"
)

// Pipeline takes journaled files to done, rejected or duplicate.
//
// One worker applies files in journal order: SQLite has one writer, so
// parallel files would only queue on its lock.
type Pipeline struct {
	DB          *sqlite.DB
	Archive     archive.Store
	PartnersDir string // data_dir/partners: the partners' inboxes (SFTP uploads)
	// Folders takes rejection reports (/errors) and acknowledgements
	// (/outbox): the bucket in a cluster, data_dir's folders on one machine.
	Folders folders.Store
	Logger  *slog.Logger
	// Retry is how long the worker waits after an internal failure, and
	// how often it looks at the journal when nobody wakes it.
	Retry time.Duration
	// AckRetryAfter is how old a queued ack must be before the idle worker
	// writes it to the outbox (its own process normally has); default 1 min.
	AckRetryAfter time.Duration
	// Now stamps acknowledgements (ISA09/10, file names); tests pin it.
	Now func() time.Time
	// Metrics counts settled files, their ingest time and ack latency;
	// nil records nothing.
	Metrics *metrics.Metrics
	// LiveNodes, in a cluster, names the nodes whose claimed files are
	// theirs to finish; nil: this daemon is alone, every file is its own.
	LiveNodes func(context.Context) ([]string, error)

	router atomic.Pointer[Router]
	wake   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// maxAttempts is how often a file may fail for an internal reason before it
// is set aside (rejected, with the error) instead of blocking the queue.
const maxAttempts = 5

// Outcome is what became of one file.
type Outcome struct {
	File    *clearway.File
	State   clearway.FileState
	Mapping string
	Records int
	Errors  []*mapping.InputError
	Report  string // where the rejection report was written
	Stats   *sqlite.IngestStats
	Result  *mapping.Result // the mapping result (x12: envelopes, for acks)
}

// SetRouter swaps the routing table (at start, and when mappings change).
func (p *Pipeline) SetRouter(r *Router) { p.router.Store(r) }

// Open puts files a crash left half-processed back in the queue and starts
// the worker.
func (p *Pipeline) Open() error {
	if p.router.Load() == nil {
		return errors.New("ingest: no router")
	}
	if p.Folders == nil {
		return errors.New("ingest: no folders for reports and acks")
	}
	if p.Retry <= 0 {
		p.Retry = 5 * time.Second
	}
	if p.AckRetryAfter <= 0 {
		p.AckRetryAfter = defaultAckRetryAfter
	}
	if _, err := p.RequeueOrphans(context.Background()); err != nil {
		return err
	}
	p.deliverAcks(context.Background(), sqlite.AckFilter{}) // those a crash kept from the outbox
	p.wake = make(chan struct{}, 1)
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.wg.Add(1)
	go p.run()
	return nil
}

// RequeueOrphans puts back in the queue the files a crash left half
// processed: all of them on a lone daemon (at start), in a cluster those
// of nodes that are gone (at start, and on the cluster's schedule).
func (p *Pipeline) RequeueOrphans(ctx context.Context) (int64, error) {
	var live []string
	if p.LiveNodes != nil {
		var err error
		if live, err = p.LiveNodes(ctx); err != nil {
			return 0, err
		}
	}
	n, err := p.DB.RequeueProcessing(ctx, live)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		p.Logger.Info("ingest: taking up files a stopped process left half done", "files", n)
		p.Wake()
	}
	return n, nil
}

// Close stops the worker after the file it is on.
func (p *Pipeline) Close() error {
	if p.cancel != nil {
		p.cancel()
		p.wg.Wait()
	}
	return nil
}

// Wake tells the worker a file was journaled.
func (p *Pipeline) Wake() {
	if p.wake == nil {
		return
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *Pipeline) run() {
	defer p.wg.Done()
	for {
		f, err := p.DB.ClaimNextFile(p.ctx)
		if err == nil && f != nil {
			if _, err = p.Process(p.ctx, f); err == nil {
				continue
			}
		}
		if err != nil && p.ctx.Err() == nil {
			p.Logger.Error("ingest: will retry", "error", err, "in", p.Retry)
		}
		p.deliverAcks(p.ctx, sqlite.AckFilter{QueuedBefore: time.Now().Add(-p.AckRetryAfter)}) // idle: acks a failed write left queued
		timer := time.NewTimer(p.Retry)
		select {
		case <-p.ctx.Done():
			timer.Stop()
			return
		case <-p.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// Process takes one claimed file (state processing) to its final state. An
// error means an internal failure: nothing was applied and the file is back
// in the queue.
func (p *Pipeline) Process(ctx context.Context, f *clearway.File) (*Outcome, error) {
	started := time.Now()
	out, err := p.process(ctx, f)
	if err != nil {
		err = fmt.Errorf("ingest file %d (%s/%s): %w", f.ID, f.Partner, f.Name, err)
		setAside, uerr := p.DB.FailAttempt(context.Background(), f.ID, "internal: "+err.Error(), maxAttempts)
		if uerr != nil {
			p.Logger.Error("ingest: requeue", "file_id", f.ID, "error", uerr)
		}
		if setAside {
			p.Metrics.FileIngested(f.Partner, string(clearway.FileRejected), time.Since(started))
			p.Logger.Error("ingest: file set aside after repeated internal failures; replay it once fixed", "file_id", f.ID, "attempts", maxAttempts, "error", err)
		}
		return nil, err
	}
	p.Metrics.FileIngested(f.Partner, string(out.State), time.Since(started))
	p.Logger.Info("file ingested", "file_id", f.ID, "partner", f.Partner, "name", f.Name, "state", out.State,
		"mapping", out.Mapping, "records", out.Records, "errors", len(out.Errors))
	return out, nil
}

func (p *Pipeline) process(ctx context.Context, f *clearway.File) (*Outcome, error) {
	out := &Outcome{File: f}
	if dup, err := p.DB.DuplicateOf(ctx, f); err != nil {
		return nil, err
	} else if dup != 0 {
		out.State = clearway.FileDuplicate
		msg := fmt.Sprintf("same content as file %d, already applied", dup)
		if err := p.DB.UpdateFileState(ctx, f.ID, clearway.FileDuplicate, msg); err != nil {
			return nil, err
		}
		p.clearInbox(f)
		return out, nil
	}
	m, err := p.router.Load().Route(f)
	if err != nil {
		out.Errors = []*mapping.InputError{{Msg: clearway.ErrorMessage(err), Hint: "upload it to the folder its mapping reads, or ask the hub's admin to add a mapping"}}
		return out, p.reject(ctx, out, "")
	}
	out.Mapping = m.Name
	src, err := p.Archive.OpenFile(f.SHA256)
	if errors.Is(err, os.ErrNotExist) {
		// Permanent: retrying would block every file behind this one. The
		// journal keeps it, rejected, with the reason for an admin.
		out.State = clearway.FileRejected
		msg := fmt.Sprintf("internal: the archived copy %s is missing; restore it and replay the file", p.Archive.Describe(f.SHA256))
		p.Logger.Error("ingest: archived copy missing", "file_id", f.ID, "archived", p.Archive.Describe(f.SHA256))
		return out, p.DB.UpdateFileState(ctx, f.ID, clearway.FileRejected, msg)
	}
	if err != nil {
		return nil, err
	}
	defer src.Close()
	tx, err := p.DB.BeginIngest(ctx, f, m.Name, m.Hash)
	if err != nil {
		return nil, err
	}
	res, refused, err := mapInto(tx, f, m, src, nil)
	out.Result = res
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	if refused != nil {
		tx.Rollback()
		out.Errors = refused
		if err := p.reject(ctx, out, m.Name); err != nil {
			return nil, err
		}
		p.deliverAcks(ctx, sqlite.AckFilter{FileID: f.ID})
		return out, nil
	}
	if m.Format == mapping.FormatX12 {
		dup, err := p.x12Duplicate(tx, res)
		if err != nil {
			tx.Rollback()
			return nil, err
		}
		if dup != "" {
			out.State = clearway.FileDuplicate
			if err := tx.MarkDuplicate(dup); err != nil {
				return nil, err
			}
			p.clearInbox(f)
			return out, nil
		}
	}
	out.State, out.Records, out.Errors = clearway.FileDone, res.Records, res.Errors
	if err := p.queueAcks(tx.Acks(), out); err != nil {
		tx.Rollback()
		return nil, err
	}
	if err := tx.Commit(res.Records); err != nil {
		return nil, err
	}
	out.Stats = &tx.Stats
	p.clearInbox(f)
	p.deliverAcks(ctx, sqlite.AckFilter{FileID: f.ID})
	return out, nil
}

// isArchived reports whether the inbox copy at visible (vi) holds the
// file's bytes and the archive still has them, so removing it loses
// nothing. With the local archive the inbox copy is usually the archived
// file itself (a hard link); otherwise (a resend, a bucket) the contents are
// compared.
func (p *Pipeline) isArchived(f *clearway.File, visible string, vi os.FileInfo) bool {
	if local, ok := archive.LocalPath(p.Archive, f.SHA256); ok {
		ai, err := os.Stat(local)
		if err != nil {
			return false
		}
		if os.SameFile(vi, ai) {
			return true
		}
	} else if !p.Archive.Exists(f.SHA256) {
		return false
	}
	return vi.Size() == f.Size && sha256File(visible) == f.SHA256
}

// mapInto runs mapping m over a file's bytes into its transaction. The
// mapping runs here while the records are stored on the applier's
// goroutine: the two overlap on a multi-core machine. refused, when not
// nil, says why the file is rejected (the mapping's or the store's
// errors); err is an internal failure. counter, when set, counts records.
func mapInto(tx *sqlite.Ingest, f *clearway.File, m *mapping.Mapping, src io.Reader, counter *atomic.Int64) (res *mapping.Result, refused []*mapping.InputError, err error) {
	a := startApplier(tx)
	emit := a.emit
	if counter != nil {
		emit = func(r *mapping.Record) error {
			counter.Add(1)
			return a.emit(r)
		}
	}
	res, err = m.Run(mapping.Input{Name: f.Name, R: src}, emit)
	if aerr := a.finish(); aerr != nil {
		err = aerr // the store's failure stopped the mapping
	}
	if err != nil {
		return res, nil, err
	}
	if res.Rejected || len(a.storeErrs) > 0 || (len(res.Errors) > 0 && res.Records == 0) {
		// Never nil: a file refused without a message is refused all the same.
		return res, append(append([]*mapping.InputError{}, res.Errors...), a.storeErrs...), nil
	}
	return res, nil, nil
}

// sha256File is the hex SHA-256 of a local file, "" when unreadable.
func sha256File(path string) string {
	fh, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// x12Duplicate reports (as the journal message) a file whose interchanges
// were all applied before: same sender, receiver and ISA13. Otherwise it
// records them in the file's transaction.
func (p *Pipeline) x12Duplicate(tx *sqlite.Ingest, res *mapping.Result) (string, error) {
	var seen []string
	for _, ic := range res.Interchanges {
		id := sqlite.Interchange{Sender: ic.SenderID, Receiver: ic.ReceiverID, Control: ic.Control}
		fileID, err := tx.SeenInterchange(id)
		if err != nil {
			return "", err
		}
		if fileID != 0 {
			seen = append(seen, fmt.Sprintf("interchange %s from %s to %s was applied by file %d", ic.Control, ic.SenderID, ic.ReceiverID, fileID))
		}
	}
	if len(res.Interchanges) > 0 && len(seen) == len(res.Interchanges) {
		return strings.Join(seen, "; "), nil
	}
	for _, ic := range res.Interchanges {
		if err := tx.RecordInterchange(sqlite.Interchange{Sender: ic.SenderID, Receiver: ic.ReceiverID, Control: ic.Control}); err != nil {
			return "", err
		}
	}
	return "", nil
}

// reject records the file as rejected and puts the original and a report
// beside it in the partner's /errors folder.
func (p *Pipeline) reject(ctx context.Context, out *Outcome, mappingName string) error {
	f := out.File
	out.State = clearway.FileRejected
	report, err := p.writeReport(ctx, f, mappingName, out.Errors)
	if err != nil {
		return err
	}
	out.Report = report
	summary := "rejected"
	if len(out.Errors) > 0 {
		summary = out.Errors[0].Error()
		if n := len(out.Errors); n > 1 {
			summary += fmt.Sprintf(" (and %d more problems)", n-1)
		}
	}
	if err := p.DB.RejectFile(ctx, f.ID, summary, func(q sqlite.AckQueue) error { return p.queueAcks(q, out) }); err != nil {
		return err
	}
	p.clearInbox(f)
	return nil
}

// writeReport copies the original into the partner's /errors/<name> and
// writes <name>.error.txt beside it, each whole or not at all.
func (p *Pipeline) writeReport(ctx context.Context, f *clearway.File, mappingName string, errs []*mapping.InputError) (string, error) {
	store := p.Folders
	base := path.Base(f.Name)
	if err := p.copyOriginal(ctx, f, folders.Errors(f.Partner, base)); err != nil {
		return "", err
	}
	report := RenderReport(f, mappingName, errs)
	key := folders.Errors(f.Partner, base+".error.txt")
	if err := store.Write(ctx, key, bytes.NewReader(report), int64(len(report))); err != nil {
		return "", err
	}
	return store.Describe(key), nil
}

// copyOriginal puts the archived bytes of f at key. When the archive and
// the folders are in one object store, the store copies them itself and
// nothing travels through this node; otherwise, or when that copy fails,
// they are streamed from the archive.
func (p *Pipeline) copyOriginal(ctx context.Context, f *clearway.File, key string) error {
	dst, ok := p.Folders.(serverCopier)
	src, ok2 := p.Archive.(archivedObject)
	if ok && ok2 {
		bucket, object := src.Object(f.SHA256)
		err := dst.CopyFrom(ctx, bucket, object, f.Size, key)
		if err == nil || ctx.Err() != nil {
			return err
		}
		if !errors.Is(err, folders.ErrTooBig) {
			p.Logger.Warn("ingest: the object store did not copy the file; sending it from the archive", "file_id", f.ID, "error", err)
		}
	}
	r, err := p.Archive.OpenFile(f.SHA256)
	if err != nil {
		return err
	}
	defer r.Close()
	return p.Folders.Write(ctx, key, r, f.Size)
}

// serverCopier is a folder store that can copy an object of the same
// object store on the server (folders.S3); archivedObject an archive that
// says where a file's object is (archive.S3).
type (
	serverCopier interface {
		CopyFrom(ctx context.Context, bucket, object string, size int64, to string) error
	}
	archivedObject interface {
		Object(sum string) (bucket, key string)
	}
)

// The bucket's archive and folders copy on the server.
var (
	_ serverCopier   = (*folders.S3)(nil)
	_ archivedObject = (*archive.S3)(nil)
)

// clearInbox removes the partner's visible inbox copy once the file is
// handled, but only if it still is this very file (a newer upload under the
// same name stays).
func (p *Pipeline) clearInbox(f *clearway.File) {
	if f.Channel != clearway.ChannelSFTP {
		return
	}
	visible := filepath.Join(p.PartnersDir, f.Partner, filepath.FromSlash(f.Name))
	vi, err := os.Stat(visible)
	if err != nil || !p.isArchived(f, visible, vi) {
		return
	}
	if err := os.Remove(visible); err != nil {
		p.Logger.Warn("ingest: remove inbox copy", "path", visible, "error", err)
	}
}
