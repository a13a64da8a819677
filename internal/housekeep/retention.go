package housekeep

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/retention"
)

// RetentionStore is what the retention job needs of the store
// (sqlite.DB): what is past retention, and the record of a purge. A test
// fakes it, so this package's tests need no cgo.
type RetentionStore interface {
	PurgeCandidates(ctx context.Context, cutoff time.Time) ([]retention.Candidate, error)
	RecordPurge(ctx context.Context, sha string, files []int64, reason string) error
	ExpiredDeliveries(ctx context.Context, cutoff time.Time) ([]retention.SentCopy, error)
}

// Retention purges what the retention policy lets go (issue 15): the
// archived originals of shipments past retention and the outbound/sent
// copies of the packets delivered about them. Each deletion is logged at
// INFO, then a summary line; archive purges are recorded in the store
// (archive_purges) so the journal can say when and why an original is
// gone. A run cut short is finished by the next one: an object already
// gone is not an error.
type Retention struct {
	DB      RetentionStore
	Archive archive.Store
	// Folders holds outbound/sent/<partner>/<file> for every file
	// delivered to a partner's outbox, and the spools.
	Folders folders.Store
	// DataDir is data_dir: spools recorded by path are under it.
	DataDir string
	Policy  retention.Policy
	Now     func() time.Time
	Logger  *slog.Logger
	// DryRun reports what would go and deletes nothing.
	DryRun bool
}

// RetentionReport is what one run purged (or, dry, would purge).
type RetentionReport struct {
	// Cutoff is the release time before which shipments are past
	// retention; zero when the policy keeps everything.
	Cutoff  time.Time             `json:"cutoff"`
	DryRun  bool                  `json:"dry_run"`
	Objects []retention.Candidate `json:"objects"`
	Sent    []retention.SentCopy  `json:"sent"`
}

// Run purges everything past retention now.
func (r *Retention) Run(ctx context.Context) (RetentionReport, error) {
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	rep := RetentionReport{DryRun: r.DryRun, Objects: []retention.Candidate{}, Sent: []retention.SentCopy{}}
	cutoff, ok := r.Policy.Cutoff(r.Now())
	if !ok {
		r.Logger.Debug("retention keeps everything (retention.archive 0)")
		return rep, nil
	}
	rep.Cutoff = cutoff
	objects, err := r.DB.PurgeCandidates(ctx, cutoff)
	if err != nil {
		return rep, err
	}
	var errs []error
	for _, c := range objects {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if err := r.purgeObject(ctx, c); err != nil {
			errs = append(errs, err)
			continue
		}
		rep.Objects = append(rep.Objects, c)
	}
	sent, err := r.DB.ExpiredDeliveries(ctx, cutoff)
	if err != nil {
		return rep, errors.Join(append(errs, err)...)
	}
	for _, d := range sent {
		removed, err := r.purgeSent(ctx, d)
		if err != nil {
			errs = append(errs, err)
		}
		if removed {
			rep.Sent = append(rep.Sent, d)
		}
	}
	verb := "retention purged"
	if r.DryRun {
		verb = "retention would purge"
	}
	r.Logger.Info(verb, "cutoff", cutoff.Format(time.RFC3339), "archive_objects", len(rep.Objects), "sent_copies", len(rep.Sent),
		"errors", len(errs), "retention", r.Policy.String())
	return rep, errors.Join(errs...)
}

// purgeObject deletes one archive object, then records the purge: a crash
// in between leaves the object a candidate, and the next run records it.
func (r *Retention) purgeObject(ctx context.Context, c retention.Candidate) error {
	log := []any{"sha256", c.SHA256, "files", c.Files, "shipments", c.Shipments, "released", retention.Day(c.ReleasedAt)}
	if r.DryRun {
		r.Logger.Info("retention would purge archive object", log...)
		return nil
	}
	if err := r.Archive.Remove(c.SHA256); err != nil {
		return err
	}
	reason := fmt.Sprintf("retention: %v released %s, past retention.archive (%s)", c.Shipments, retention.Day(c.ReleasedAt), r.Policy)
	if err := r.DB.RecordPurge(ctx, c.SHA256, c.Files, reason); err != nil {
		// Bytes received again while the run read the candidates: the new
		// journal entry may have lost them; say so loudly.
		if clearway.ErrorCode(err) == clearway.ECONFLICT {
			r.Logger.Error("retention purged an archive object the journal received again meanwhile: its newest files must be sent again", append(log, "error", err)...)
		}
		return fmt.Errorf("record purge of %s: %w", c.SHA256, err)
	}
	r.Logger.Info("retention purged archive object", log...)
	return nil
}

// purgeSent deletes a delivered packet's outbound/sent copy and its spool
// (unless another run shares the spool), reporting whether it found
// something to delete.
func (r *Retention) purgeSent(ctx context.Context, d retention.SentCopy) (bool, error) {
	keys := []string{folders.Sent(d.Partner, d.Name)}
	if d.Spool != "" && !d.SpoolShared {
		keys = append(keys, folders.FromDataDir(r.DataDir, d.Spool))
	}
	var found []string
	for _, k := range keys {
		if ok, err := folders.Exists(ctx, r.Folders, k); err != nil {
			return false, fmt.Errorf("retention: %w", err)
		} else if ok {
			found = append(found, k)
		}
	}
	if len(found) == 0 {
		return false, nil
	}
	log := []any{"partner", d.Partner, "job", d.Job, "file", d.Name, "run", d.Run, "shipments", []string{d.Shipment},
		"released", retention.Day(d.ReleasedAt), "paths", describe(r.Folders, found)}
	if r.DryRun {
		r.Logger.Info("retention would purge sent copy", log...)
		return true, nil
	}
	for _, k := range found {
		if err := r.Folders.Remove(ctx, k); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, fmt.Errorf("retention: remove sent copy: %w", err)
		}
	}
	r.Logger.Info("retention purged sent copy", log...)
	return true, nil
}

// describe names shared files for the log.
func describe(store folders.Store, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = store.Describe(k)
	}
	return out
}
