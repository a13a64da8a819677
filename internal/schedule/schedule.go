// Package schedule runs the daemon's periodic jobs (remote pulls, outbound
// deliveries) on their cron schedules. A job never overlaps itself: a tick
// that comes while the job still runs is skipped and logged, and RunNow waits
// for the running one.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/config"
)

// ErrStopped is returned by RunNow and Add once Stop was called.
var ErrStopped = errors.New("scheduler stopped")

// Scheduler owns the cron runner and the jobs' runs.
type Scheduler struct {
	logger *slog.Logger
	cron   *cron.Cron
	// halt is cancelled when Stop gives up waiting: running jobs should
	// end now.
	halt       context.Context
	cancelHalt context.CancelFunc

	mu       sync.Mutex // guards the fields below and running.Add
	jobs     map[string]*job
	startCtx context.Context // nil until Start
	stopped  bool
	running  sync.WaitGroup
}

// job is one named job; slot holds a token while it runs.
type job struct {
	name string
	fn   func(context.Context) error
	slot chan struct{}
}

// New returns a scheduler that logs to logger; add jobs, then Start.
func New(logger *slog.Logger) *Scheduler {
	halt, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		logger:     logger,
		cron:       cron.New(cron.WithLogger(cronLogger{logger})),
		halt:       halt,
		cancelHalt: cancel,
		jobs:       map[string]*job{},
	}
}

// Add schedules fn as job name on spec, a 5-field cron expression or
// "@every DURATION" (config.ParseSchedule). Names are unique.
func (s *Scheduler) Add(name, spec string, fn func(ctx context.Context) error) error {
	sched, err := config.ParseSchedule(spec)
	if err != nil {
		return fmt.Errorf("schedule job %q: %w", name, err)
	}
	return s.AddSchedule(name, sched, fn)
}

// AddSchedule is Add for a schedule already parsed.
func (s *Scheduler) AddSchedule(name string, sched cron.Schedule, fn func(ctx context.Context) error) error {
	if name == "" || sched == nil || fn == nil {
		return fmt.Errorf("schedule job %q: name, schedule and function are required", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return fmt.Errorf("schedule job %q: %w", name, ErrStopped)
	}
	if _, ok := s.jobs[name]; ok {
		return clearway.Errorf(clearway.ECONFLICT, "schedule job %q: a job of that name exists", name)
	}
	j := &job{name: name, fn: fn, slot: make(chan struct{}, 1)}
	s.jobs[name] = j
	s.cron.Schedule(sched, cron.FuncJob(func() { s.tick(j) }))
	return nil
}

// Start begins running jobs on their schedules. Scheduled runs get a context
// derived from ctx; once ctx ends, ticks are ignored. Start after Start or
// Stop does nothing.
func (s *Scheduler) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.startCtx != nil || s.stopped {
		return
	}
	s.startCtx = ctx
	s.cron.Start()
}

// Stop ends the schedules and waits for running jobs (scheduled or RunNow).
// When ctx ends first, the jobs' contexts are cancelled and Stop returns an
// error naming them without waiting further.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return nil
	}
	s.stopped = true
	s.mu.Unlock()
	s.cron.Stop()

	done := make(chan struct{})
	go func() {
		s.running.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.cancelHalt()
		return nil
	case <-ctx.Done():
		s.cancelHalt()
		return fmt.Errorf("stop scheduler: jobs still running (%s): %w", strings.Join(s.runningNames(), ", "), ctx.Err())
	}
}

// runningNames lists the jobs running now.
func (s *Scheduler) runningNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for name, j := range s.jobs {
		if len(j.slot) > 0 {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// RunNow runs job name now and returns its error. If a scheduled run of it
// is going, RunNow waits for that run to end first (or returns ctx's error,
// without running the job, when ctx ends while waiting). It works before
// Start too, and returns ErrStopped after Stop.
func (s *Scheduler) RunNow(ctx context.Context, name string) error {
	s.mu.Lock()
	j, ok := s.jobs[name]
	stopped := s.stopped
	s.mu.Unlock()
	if stopped {
		return fmt.Errorf("run job %q: %w", name, ErrStopped)
	}
	if !ok {
		return clearway.Errorf(clearway.ENOTFOUND, "no job named %q", name)
	}
	select {
	case j.slot <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("run job %q: still running from its schedule: %w", name, ctx.Err())
	}
	defer func() { <-j.slot }()
	if !s.enter() {
		return fmt.Errorf("run job %q: %w", name, ErrStopped)
	}
	defer s.running.Done()
	return s.run(ctx, j, "now")
}

// tick is a scheduled run of j, skipped while j runs.
func (s *Scheduler) tick(j *job) {
	s.mu.Lock()
	ctx := s.startCtx
	s.mu.Unlock()
	if ctx == nil || ctx.Err() != nil {
		return
	}
	select {
	case j.slot <- struct{}{}:
	default:
		s.logger.Warn("scheduled run skipped: the previous run is still going", "job", j.name)
		return
	}
	defer func() { <-j.slot }()
	if !s.enter() {
		return
	}
	defer s.running.Done()
	s.run(ctx, j, "schedule")
}

// enter counts a run in, unless Stop began.
func (s *Scheduler) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	s.running.Add(1)
	return true
}

// run calls the job with a context that also ends when Stop gives up, and
// logs the outcome. A panic is logged and returned as an error.
func (s *Scheduler) run(parent context.Context, j *job, trigger string) (err error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	stop := context.AfterFunc(s.halt, cancel)
	defer stop()

	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("job %q panicked: %v", j.name, r)
			s.logger.Error("job panicked", "job", j.name, "trigger", trigger, "panic", r, "stack", string(debug.Stack()))
		}
		took := time.Since(start).Round(time.Millisecond)
		if err != nil {
			s.logger.Error("job failed", "job", j.name, "trigger", trigger, "duration", took, "error", err)
		} else {
			s.logger.Debug("job done", "job", j.name, "trigger", trigger, "duration", took)
		}
	}()
	return j.fn(ctx)
}

// cronLogger sends the cron runner's own messages to slog.
type cronLogger struct{ logger *slog.Logger }

func (l cronLogger) Info(msg string, keysAndValues ...any) {
	l.logger.Debug("cron "+msg, keysAndValues...)
}

func (l cronLogger) Error(err error, msg string, keysAndValues ...any) {
	l.logger.Error("cron "+msg, append(keysAndValues, "error", err)...)
}
