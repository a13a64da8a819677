package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/config"
	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/housekeep"
	"github.com/clearway/clearway/internal/outbound"
	"github.com/clearway/clearway/internal/remote"
	"github.com/clearway/clearway/internal/schedule"
	"github.com/clearway/clearway/internal/sqlite"
)

// partnerJobs are the scheduled jobs of one partner, runnable by name.
type partnerJobs struct {
	hub     *Hub
	partner *config.PartnerConfig
	puller  *remote.Puller
	pusher  *remote.Pusher
}

// jobName is the scheduler's name of a partner's job.
func jobName(partner, job string) string { return partner + "/" + job }

// openJobs builds the outbound runner and every partner's scheduled jobs:
// outbound deliveries, and for a remote partner the pull (then push) run.
func (h *Hub) openJobs() error {
	cfg := h.Config
	h.Outbound = &outbound.Runner{DB: h.DB, Archive: h.Archive, DataDir: cfg.DataDir, Folders: h.Folders, Logger: h.Logger.With("component", "outbound"), Now: time.Now, Metrics: h.Metrics}
	h.Scheduler = schedule.New(h.Logger.With("component", "schedule"))
	if err := h.addJob("governance", cfg.Governance.Check, h.checkGovernance); err != nil {
		return err
	}
	// Every node sweeps its own inboxes: not a cluster job.
	stale := &housekeep.Stale{PartnersDir: filepath.Join(cfg.DataDir, "partners"), Folders: h.Folders, After: cfg.SFTP.StaleUploadAfter.Duration,
		Logger: h.Logger.With("component", "housekeep")}
	if err := h.Scheduler.Add("stale-uploads", "@every 10m", func(context.Context) error {
		_, err := stale.Sweep()
		return err
	}); err != nil {
		return err
	}
	if h.Config.Store.Driver == config.StorePostgres {
		if err := h.addJob("login-bans", "@every 1h", func(ctx context.Context) error {
			return h.DB.ForgetLoginBans(ctx, time.Now().Add(-24*time.Hour))
		}); err != nil {
			return err
		}
	}
	if err := h.addJob("retention", string(cfg.Retention.Check), func(ctx context.Context) error {
		_, err := h.retentionJob(false).Run(ctx)
		return err
	}); err != nil {
		return err
	}
	h.jobs = map[string]*partnerJobs{}
	for i := range cfg.Partners {
		p := &cfg.Partners[i]
		pj := &partnerJobs{hub: h, partner: p}
		if r := p.Remote; r != nil {
			var err error
			if r.Pull != nil {
				pj.puller, err = remote.NewPuller(p.ID, *r, h.Intake, h.DB, filepath.Join(cfg.DataDir, "remote", p.ID, "tmp"), h.Logger.With("component", "remote"))
				if err != nil {
					return err
				}
				pj.puller.Metrics = h.Metrics
			}
			if r.Push != nil {
				if pj.pusher, err = remote.NewPusher(p.ID, *r, h.DB, h.Logger.With("component", "remote")); err != nil {
					return err
				}
				pj.pusher.Metrics, pj.pusher.Folders = h.Metrics, h.Folders
			}
		}
		h.jobs[p.ID] = pj
		for _, j := range p.Outbound {
			job := outbound.Job{Partner: p.ID, Name: j.Job, Kind: j.Kind, Format: j.Format}
			if err := h.addJob(jobName(p.ID, j.Job), j.Schedule, func(ctx context.Context) error {
				_, err := pj.runOutbound(ctx, job)
				return err
			}); err != nil {
				return err
			}
		}
		if pj.puller != nil {
			if err := h.addJob(jobName(p.ID, "pull"), p.Remote.Pull.Schedule, pj.pullAndPush); err != nil {
				return err
			}
		}
	}
	return nil
}

// runOutbound runs one outbound job, then pushes the partner's outbox to
// its own server when it has one.
func (pj *partnerJobs) runOutbound(ctx context.Context, job outbound.Job) (outbound.Result, error) {
	res, err := pj.hub.Outbound.Run(ctx, job)
	if err != nil {
		return res, err
	}
	return res, pj.push(ctx)
}

// pullAndPush is a remote partner's scheduled run: take its ready files,
// let the pipeline process them (so their acknowledgements are written),
// then push everything new in its outbox back.
func (pj *partnerJobs) pullAndPush(ctx context.Context) error {
	stats, err := pj.puller.Run(ctx)
	if err != nil {
		return err
	}
	if stats.Taken > 0 {
		if err := pj.hub.waitIngested(ctx, pj.partner.ID, time.Minute); err != nil {
			return err
		}
	}
	return pj.push(ctx)
}

func (pj *partnerJobs) push(ctx context.Context) error {
	if pj.pusher == nil {
		return nil
	}
	_, err := pj.pusher.PushPending(ctx, folders.Partner(pj.partner.ID, clearway.OutboxDir))
	return err
}

// waitIngested waits until none of the partner's files waits for the
// pipeline, at most timeout.
func (h *Hub) waitIngested(ctx context.Context, partner string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		waiting := 0
		for _, state := range []clearway.FileState{clearway.FileReceived, clearway.FileProcessing} {
			files, err := h.DB.FindFiles(ctx, clearway.FileFilter{Partner: partner, State: state})
			if err != nil {
				return err
			}
			waiting += len(files)
		}
		// A settled file's acks reach the outbox just after its commit.
		acks, err := h.DB.PendingAcks(ctx, sqlite.AckFilter{Partner: partner})
		if err != nil {
			return err
		}
		waiting += len(acks)
		if waiting == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %d pulled files still wait for the pipeline after %s", partner, waiting, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// RunJob runs a partner's job now (`outbound run`): an outbound job by its
// name, or "pull" for a remote partner's pull-and-push run. A daemon's run
// of the same job may go on meanwhile: reservations in the store keep the
// two from delivering the same thing.
func (h *Hub) RunJob(ctx context.Context, partner, job string) (outbound.Result, error) {
	pj, ok := h.jobs[partner]
	if !ok {
		return outbound.Result{}, clearway.Errorf(clearway.ENOTFOUND, "no partner %q in the config", partner)
	}
	var res outbound.Result
	var fn func(ctx context.Context) error
	for _, j := range pj.partner.Outbound {
		if j.Job == job {
			oj := outbound.Job{Partner: partner, Name: j.Job, Kind: j.Kind, Format: j.Format}
			fn = func(ctx context.Context) (err error) {
				res, err = pj.runOutbound(ctx, oj)
				return err
			}
		}
	}
	if job == "pull" && pj.puller != nil {
		fn = pj.pullAndPush
	}
	if fn == nil {
		return res, clearway.Errorf(clearway.ENOTFOUND, "partner %s has no job %q (its jobs: %v)", partner, job, pj.jobNames())
	}
	return res, fn(ctx)
}

func (pj *partnerJobs) jobNames() []string {
	var names []string
	for _, j := range pj.partner.Outbound {
		names = append(names, j.Job)
	}
	if pj.puller != nil {
		names = append(names, "pull")
	}
	return names
}
