// Package outbound runs the scheduled deliveries to partners (PRODUCT.md
// §9): the status feed, document requests and broker packets. Each run
// computes its content from the job's cursor, spools it durably, reserves it
// (cursor moved, run recorded) in one transaction, then delivers it into the
// partner's /outbox under a temp name and renames it. A crash at any point
// is finished by the next run of the job, so a delivery is never dropped and
// never made twice.
package outbound

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/metrics"
	"github.com/clearway/clearway/internal/sqlite"
)

// Job kinds (config outbound[].kind).
const (
	KindStatus           = "status"
	KindDocumentRequests = "document_requests"
	KindPackets          = "packets"
)

// Job is one configured outbound job of a partner.
type Job struct {
	Partner string
	Name    string
	Kind    string
	// Format is csv or jsonl (status), csv or xlsx (document_requests), zip
	// (packets).
	Format string
}

// Runner runs outbound jobs against the store and the partners' folders.
type Runner struct {
	DB      *sqlite.DB
	Archive archive.Store // documents for packets
	// DataDir is data_dir: runs spooled before the folders were shared
	// name their spool by its path under it.
	DataDir string
	// Folders holds partners/<id>/outbox and outbound/ (spool and sent
	// marks): the bucket in a cluster, so any node can finish a delivery.
	Folders folders.Store
	Logger  *slog.Logger
	Now     func() time.Time
	// BatchSize bounds the events of one status file (default 5000).
	BatchSize int
	// Metrics counts files delivered and failed runs; nil records nothing.
	Metrics *metrics.Metrics
}

// Result says what one run delivered.
type Result struct {
	Files []string `json:"files"`
	Items int      `json:"items"`
}

// content is one file a job has to deliver, before reservation.
type content struct {
	data     []byte
	items    int
	ext      string
	from, to string
	packets  []sqlite.PacketDelivery
}

// Run finishes the job's interrupted deliveries, then delivers everything
// new since its cursor.
func (r *Runner) Run(ctx context.Context, job Job) (Result, error) {
	res, err := r.run(ctx, job)
	r.Metrics.OutboundRun(job.Partner, job.Name, len(res.Files), err != nil && ctx.Err() == nil)
	return res, err
}

func (r *Runner) run(ctx context.Context, job Job) (Result, error) {
	var res Result
	if err := r.finishPending(ctx, job, &res); err != nil {
		return res, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		c, err := r.next(ctx, job)
		if err != nil {
			return res, fmt.Errorf("outbound %s/%s: %w", job.Partner, job.Name, err)
		}
		if c == nil {
			return res, nil
		}
		run, err := r.reserve(ctx, job, c)
		if errors.Is(err, sqlite.ErrCursorMoved) {
			continue // another run took these: compute again from the new cursor
		}
		if err != nil {
			return res, fmt.Errorf("outbound %s/%s: %w", job.Partner, job.Name, err)
		}
		if run == nil { // only the cursor moved
			continue
		}
		if err := r.deliver(ctx, run); err != nil {
			return res, err
		}
		res.Files = append(res.Files, run.Name)
		res.Items += run.Items
	}
}

// next computes the job's next file, nil when there is nothing new.
func (r *Runner) next(ctx context.Context, job Job) (*content, error) {
	cursor, err := r.DB.OutboundCursor(ctx, job.Partner, job.Name)
	if err != nil {
		return nil, err
	}
	switch job.Kind {
	case KindStatus:
		return r.nextStatus(ctx, job, cursor)
	case KindDocumentRequests:
		return r.nextDocumentRequests(ctx, job, cursor)
	case KindPackets:
		return r.nextPacket(ctx, job, cursor)
	}
	return nil, fmt.Errorf("unknown job kind %q", job.Kind)
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// reserve spools the content and records the run; it returns nil when the
// content only moves the cursor (nothing to deliver).
func (r *Runner) reserve(ctx context.Context, job Job, c *content) (*sqlite.OutboundRun, error) {
	res := sqlite.Reservation{From: c.from, To: c.to, Packets: c.packets}
	if c.data == nil {
		res.AdvanceOnlyEmpty = true
		res.Run = &sqlite.OutboundRun{Partner: job.Partner, Job: job.Name, Kind: job.Kind}
		return nil, r.DB.ReserveOutbound(ctx, res)
	}
	sum := sha256.Sum256(c.data)
	spool, err := r.spool(ctx, c.data, hex.EncodeToString(sum[:]))
	if err != nil {
		return nil, err
	}
	stamp := r.now().UTC().Format("20060102T150405Z")
	res.Run = &sqlite.OutboundRun{Partner: job.Partner, Job: job.Name, Kind: job.Kind, Spool: spool,
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(c.data)), Items: c.items}
	res.NameFor = func(seq int) string { return fmt.Sprintf("%s-%s-%06d.%s", job.Name, stamp, seq, c.ext) }
	if err := r.DB.ReserveOutbound(ctx, res); err != nil {
		return nil, err
	}
	r.Logger.Info("outbound reserved", "partner", job.Partner, "job", job.Name, "file", res.Run.Name, "items", c.items)
	return res.Run, nil
}

// spool makes content durable under its checksum before it is reserved;
// the run records the key.
func (r *Runner) spool(ctx context.Context, data []byte, sum string) (string, error) {
	key := folders.Spool(sum)
	if ok, _ := folders.Exists(ctx, r.Folders, key); ok {
		return key, nil
	}
	if err := r.Folders.Write(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
		return "", fmt.Errorf("spool outbound file: %w", err)
	}
	return key, nil
}

// finishPending delivers the runs a crash left reserved but not delivered.
func (r *Runner) finishPending(ctx context.Context, job Job, res *Result) error {
	pending, err := r.DB.PendingOutbound(ctx, job.Partner, job.Name)
	if err != nil {
		return err
	}
	for _, run := range pending {
		r.Logger.Info("outbound finishing an interrupted delivery", "partner", run.Partner, "job", run.Job, "file", run.Name)
		if err := r.deliver(ctx, run); err != nil {
			return err
		}
		res.Files = append(res.Files, run.Name)
		res.Items += run.Items
	}
	return nil
}

// deliver puts a reserved run into the partner's outbox, exactly once: the
// spool is copied to a hidden temp name, the temp is copied as the "sent"
// mark, then renamed into place. A temp still there means the rename did
// not happen; a sent mark without a temp means it did, even if the partner
// has fetched and deleted the file since. (On disk the rename is atomic; a
// bucket copies then deletes, so a crash between the two sends the file
// again: at least once there, never lost.)
func (r *Runner) deliver(ctx context.Context, run *sqlite.OutboundRun) error {
	final := folders.Outbox(run.Partner, run.Name)
	temp := folders.Outbox(run.Partner, folders.TempPrefix+"out-"+run.Name)
	sent := folders.Sent(run.Partner, run.Name)
	fail := func(err error) error {
		r.Logger.Error("outbound delivery failed", "partner", run.Partner, "job", run.Job, "file", run.Name, "err", err)
		return fmt.Errorf("deliver %s to %s/outbox: %w", run.Name, run.Partner, err)
	}
	store := r.Folders
	tempThere, err := folders.Exists(ctx, store, temp)
	if err != nil {
		return fail(err)
	}
	sentThere, err := folders.Exists(ctx, store, sent)
	if err != nil {
		return fail(err)
	}
	if !tempThere && sentThere {
		return r.delivered(ctx, run) // renamed before the crash
	}
	if !tempThere || !folders.Holds(ctx, store, temp, run.Size, run.SHA256) {
		store.Remove(ctx, sent)
		if err := r.copySpool(ctx, run, temp); err != nil {
			return fail(err)
		}
	}
	if err := store.Copy(ctx, temp, sent); err != nil {
		return fail(err)
	}
	if err := store.Rename(ctx, temp, final); err != nil {
		return fail(err)
	}
	return r.delivered(ctx, run)
}

// copySpool writes the run's spooled content to key.
func (r *Runner) copySpool(ctx context.Context, run *sqlite.OutboundRun, key string) error {
	src, err := r.Folders.Open(ctx, folders.FromDataDir(r.DataDir, run.Spool))
	if err != nil {
		return err
	}
	defer src.Close()
	return r.Folders.Write(ctx, key, src, run.Size)
}

func (r *Runner) delivered(ctx context.Context, run *sqlite.OutboundRun) error {
	if err := r.DB.MarkOutboundDelivered(ctx, run.ID); err != nil {
		return err
	}
	r.Logger.Info("outbound delivered", "partner", run.Partner, "job", run.Job, "file", run.Name, "items", run.Items, "size", run.Size)
	return nil
}
