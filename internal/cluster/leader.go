package cluster

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// ErrLeaseLost is the cause of a gated run's context ending because this
// node lost the lease (renewal failed, lease taken, Leader stopped).
var ErrLeaseLost = errors.New("cluster lease lost")

// expiryMargin is how long after another holder's lease expires a waiting
// Leader tries to take it.
const expiryMargin = 20 * time.Millisecond

// Leader keeps one named lease for this node whenever it can: it tries to
// take it, renews it every TTL/3 while held, and gives it up at once when a
// renewal fails. Held, Run and Gate are safe for concurrent use.
type Leader struct {
	Store  *Store
	Name   string        // lease name, e.g. "outbound:acme"
	Holder string        // this node's ID
	TTL    time.Duration // how long a lease outlives its holder's last renewal
	Logger *slog.Logger

	mu   sync.Mutex
	term *term // nil while not held

	ctx    context.Context // from Open; terms end with it
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// term is one uninterrupted holding of the lease.
type term struct {
	until  time.Time       // local monotonic time, never after the database's expires_at
	ctx    context.Context // ends with the term or the Leader
	cancel context.CancelCauseFunc
}

// NewLeader returns a Leader for lease name held as holder for ttl.
func NewLeader(store *Store, name, holder string, ttl time.Duration) *Leader {
	return &Leader{Store: store, Name: name, Holder: holder, TTL: ttl}
}

// Open makes a first attempt at the lease, so Held is meaningful when it
// returns, then keeps trying and renewing until Close or until ctx ends.
// Ending ctx without Close is what a crash looks like to the others: the
// lease is kept until it expires.
func (l *Leader) Open(ctx context.Context) error {
	if l.Store == nil {
		return errors.New("cluster leader: store is required")
	}
	if err := checkLease(l.Name, l.Holder, l.TTL); err != nil {
		return err
	}
	if l.Logger == nil {
		l.Logger = slog.New(slog.DiscardHandler)
	}
	l.Logger = l.Logger.With("lease", l.Name, "holder", l.Holder)
	l.ctx, l.cancel = context.WithCancel(ctx)
	wait := l.step(l.ctx)
	l.wg.Add(1)
	go l.run(l.ctx, wait)
	return nil
}

// Close stops trying and releases the lease if this node holds it, so
// another node takes over without waiting for the expiry.
func (l *Leader) Close() error {
	if l.cancel == nil {
		return nil
	}
	l.cancel()
	l.wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return l.Store.Release(ctx, l.Name, l.Holder)
}

// Held reports whether this node holds the lease right now.
func (l *Leader) Held() bool {
	_, ok := l.current()
	return ok
}

// Run calls fn if this node holds the lease now and reports whether it did.
// fn's context ends if the lease is lost while fn runs (cause ErrLeaseLost)
// or the Leader stops.
func (l *Leader) Run(ctx context.Context, fn func(context.Context) error) (bool, error) {
	held, ok := l.current()
	if !ok {
		return false, nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(held, func() { cancel(context.Cause(held)) })
	defer stop()
	return true, fn(ctx)
}

// Gate wraps a scheduled job so that a tick runs it only on the node
// holding the lease and does nothing elsewhere:
//
//	sched.Add("outbound:acme", spec, leader.Gate(job))
func (l *Leader) Gate(fn func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := l.Run(ctx, fn)
		return err
	}
}

// current returns the context of the term in force, if any.
func (l *Leader) current() (context.Context, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.term == nil || l.term.ctx.Err() != nil || !time.Now().Before(l.term.until) {
		return nil, false
	}
	return l.term.ctx, true
}

// run repeats step until ctx ends, then ends the term.
func (l *Leader) run(ctx context.Context, wait time.Duration) {
	defer l.wg.Done()
	defer l.lose("leader stopped", nil)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		timer.Reset(l.step(ctx))
	}
}

// step renews the lease if held, else tries to take it, and returns how
// long to wait before the next step.
func (l *Leader) step(ctx context.Context) time.Duration {
	l.mu.Lock()
	held := l.term != nil
	var until time.Time
	if held {
		until = l.term.until
	}
	l.mu.Unlock()
	if held {
		return l.renew(ctx, until)
	}
	return l.claim(ctx)
}

// renew extends the term, or ends it when the renewal fails or does not
// land before the term's end.
func (l *Leader) renew(ctx context.Context, until time.Time) time.Duration {
	sent := time.Now()
	rctx, cancel := context.WithDeadline(ctx, until)
	ok, err := l.Store.Renew(rctx, l.Name, l.Holder, l.TTL)
	cancel()
	switch {
	case err != nil && ctx.Err() != nil:
		return 0 // stopping: run ends the term
	case err != nil:
		l.lose("renewal failed", err)
		return l.TTL / 3
	case !ok:
		l.lose("lease expired or taken", nil)
		return 0
	}
	l.keep(sent.Add(l.TTL))
	return l.TTL / 3
}

// claim tries to take the lease; when another node holds it, the next try
// comes just after its expiry, or after TTL/3 if that is sooner.
func (l *Leader) claim(ctx context.Context) time.Duration {
	sent := time.Now()
	cctx, cancel := context.WithTimeout(ctx, l.TTL)
	held, left, err := l.Store.claim(cctx, l.Name, l.Holder, l.TTL)
	cancel()
	switch {
	case err != nil:
		if ctx.Err() == nil {
			l.Logger.Warn("cluster lease: acquire failed", "error", err)
		}
		return l.TTL / 3
	case !held:
		return min(l.TTL/3, left+expiryMargin)
	}
	if l.keep(sent.Add(l.TTL)) {
		l.Logger.Info("cluster lease acquired")
	}
	return l.TTL / 3
}

// keep moves the term's end to until, beginning a term if there is none,
// and reports whether it began one. until is measured from before the
// statement was sent, so it cannot pass the database's expires_at.
func (l *Leader) keep(until time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	began := l.term == nil
	if began {
		ctx, cancel := context.WithCancelCause(l.ctx)
		l.term = &term{ctx: ctx, cancel: cancel}
	}
	l.term.until = until
	return began
}

// lose ends the term in force, if any, cancelling the runs under it.
func (l *Leader) lose(reason string, err error) {
	l.mu.Lock()
	t := l.term
	l.term = nil
	l.mu.Unlock()
	if t == nil {
		return
	}
	t.cancel(ErrLeaseLost)
	if err != nil {
		l.Logger.Warn("cluster lease lost", "reason", reason, "error", err)
		return
	}
	l.Logger.Info("cluster lease lost", "reason", reason)
}
