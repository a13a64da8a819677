package schedule

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/testutil"
)

// every fires every d; cron.Every rounds to whole seconds and
// config.ParseSchedule refuses less than 1s, which would make tests slow.
type every time.Duration

func (e every) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }

// once fires once, soon after Start, then not again.
type once struct{ fired atomic.Bool }

func (o *once) Next(t time.Time) time.Time {
	if o.fired.Swap(true) {
		return t.AddDate(100, 0, 0)
	}
	return t.Add(10 * time.Millisecond)
}

// logBuffer collects log output for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newScheduler(t *testing.T) (*Scheduler, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	s := New(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Stop(ctx)
	})
	return s, logs
}

// waitFor polls cond for up to 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testutil.WaitFor(t, what, 10*time.Second, cond)
}

// overlapCounter records how many runs of a job were in progress at once.
type overlapCounter struct {
	runs, now, max atomic.Int32
}

func (c *overlapCounter) enter() {
	c.runs.Add(1)
	n := c.now.Add(1)
	for {
		m := c.max.Load()
		if n <= m || c.max.CompareAndSwap(m, n) {
			return
		}
	}
}

func (c *overlapCounter) leave() { c.now.Add(-1) }

func TestAdd(t *testing.T) {
	s, _ := newScheduler(t)
	noop := func(context.Context) error { return nil }
	if err := s.Add("pull fastclear", "*/5 * * * *", noop); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("packets fastclear", "@every 30s", noop); err != nil {
		t.Fatal(err)
	}

	t.Run("ErrInvalid", func(t *testing.T) {
		err := s.Add("bad", "every five minutes", noop)
		if err == nil || !strings.Contains(err.Error(), `"bad"`) {
			t.Fatalf("got %v, want an error naming the job", err)
		}
		if err := s.Add("", "@every 1m", noop); err == nil {
			t.Fatal("got nil, want an error for an empty name")
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		err := s.Add("pull fastclear", "@every 1m", noop)
		if code := clearway.ErrorCode(err); code != clearway.ECONFLICT {
			t.Fatalf("got %v, want conflict", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		err := s.RunNow(context.Background(), "nope")
		if code := clearway.ErrorCode(err); code != clearway.ENOTFOUND {
			t.Fatalf("got %v, want not found", err)
		}
	})
}

func TestCronSpecRuns(t *testing.T) {
	s, _ := newScheduler(t)
	var runs atomic.Int32
	if err := s.Add("tick", "@every 1s", func(context.Context) error { runs.Add(1); return nil }); err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background())
	waitFor(t, "a run on the @every 1s schedule", func() bool { return runs.Load() >= 1 })
}

func TestNoOverlap(t *testing.T) {
	s, logs := newScheduler(t)
	var c overlapCounter
	slow := func(context.Context) error {
		c.enter()
		defer c.leave()
		time.Sleep(60 * time.Millisecond)
		return nil
	}
	if err := s.AddSchedule("slow", every(10*time.Millisecond), slow); err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background())
	waitFor(t, "4 runs", func() bool { return c.runs.Load() >= 4 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.max.Load(); got != 1 {
		t.Fatalf("got %d runs at once, want 1", got)
	}
	if !strings.Contains(logs.String(), "scheduled run skipped") || !strings.Contains(logs.String(), "job=slow") {
		t.Fatalf("no skipped tick logged for the job:\n%s", logs)
	}
}

func TestRunNow(t *testing.T) {
	s, _ := newScheduler(t)
	var c overlapCounter
	started := make(chan struct{}, 10)
	release := make(chan struct{})
	blocking := func(ctx context.Context) error {
		c.enter()
		defer c.leave()
		started <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	}
	if err := s.AddSchedule("packets", &once{}, blocking); err != nil {
		t.Fatal(err)
	}
	s.Start(context.Background())
	<-started // the scheduled run is going

	t.Run("ErrWaitTimeout", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := s.RunNow(ctx, "packets")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want the wait to time out", err)
		}
		if got := c.runs.Load(); got != 1 {
			t.Fatalf("got %d runs, want only the scheduled one", got)
		}
	})

	t.Run("OK", func(t *testing.T) {
		done := make(chan error, 1)
		go func() { done <- s.RunNow(context.Background(), "packets") }()
		select {
		case err := <-done:
			t.Fatalf("RunNow returned %v while the scheduled run was going", err)
		case <-time.After(100 * time.Millisecond):
		}
		release <- struct{}{} // ends the scheduled run
		<-started             // RunNow's run began only now
		release <- struct{}{}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := c.runs.Load(); got != 2 {
			t.Fatalf("got %d runs, want 2", got)
		}
		if got := c.max.Load(); got != 1 {
			t.Fatalf("got %d runs at once, want 1", got)
		}
	})
}

func TestRunNowErrors(t *testing.T) {
	s, logs := newScheduler(t)
	if err := s.Add("status acme", "@every 1h", func(context.Context) error { return errors.New("partner folder gone") }); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("crash", "@every 1h", func(context.Context) error { panic("nil map") }); err != nil {
		t.Fatal(err)
	}
	// Before Start: the CLI's "outbound run" uses RunNow alone.
	if err := s.RunNow(context.Background(), "status acme"); err == nil || !strings.Contains(err.Error(), "partner folder gone") {
		t.Fatalf("got %v, want the job's error", err)
	}
	if !strings.Contains(logs.String(), `job="status acme"`) || !strings.Contains(logs.String(), "partner folder gone") {
		t.Fatalf("failure not logged with the job name:\n%s", logs)
	}
	if err := s.RunNow(context.Background(), "crash"); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("got %v, want the panic as an error", err)
	}
}

func TestStop(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		s, _ := newScheduler(t)
		release := make(chan struct{})
		started := make(chan struct{})
		var finished atomic.Bool
		s.AddSchedule("slow", &once{}, func(context.Context) error {
			close(started)
			<-release
			finished.Store(true)
			return nil
		})
		s.Start(context.Background())
		<-started
		stopped := make(chan error, 1)
		go func() { stopped <- s.Stop(context.Background()) }()
		select {
		case err := <-stopped:
			t.Fatalf("Stop returned %v while a job was running", err)
		case <-time.After(100 * time.Millisecond):
		}
		close(release)
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
		if !finished.Load() {
			t.Fatal("Stop returned before the job finished")
		}
		if err := s.RunNow(context.Background(), "slow"); !errors.Is(err, ErrStopped) {
			t.Fatalf("got %v, want ErrStopped", err)
		}
	})

	t.Run("ErrTimeout", func(t *testing.T) {
		s, _ := newScheduler(t)
		started := make(chan struct{})
		cancelled := make(chan struct{})
		s.AddSchedule("stuck", &once{}, func(ctx context.Context) error {
			close(started)
			<-ctx.Done()
			close(cancelled)
			return ctx.Err()
		})
		s.Start(context.Background())
		<-started
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := s.Stop(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "stuck") {
			t.Fatalf("got %v, want a timeout naming the job", err)
		}
		select {
		case <-cancelled:
		case <-time.After(10 * time.Second):
			t.Fatal("the running job's context was not cancelled")
		}
	})
}
