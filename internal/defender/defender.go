// Package defender bans network sources that keep failing to log in. One
// defender guards every door of the daemon (the SFTP server and the web
// workspace): ten wrong passwords on one door close both to that address.
package defender

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/clearway/clearway/internal/metrics"
)

// Defender bans sources that keep failing to log in, as SFTPGo's defender
// does: each failed connection scores one; Threshold failures within Window
// ban the source for BanTime, doubling on each repeat up to MaxBanTime.
type Defender struct {
	Threshold  int
	Window     time.Duration
	BanTime    time.Duration
	MaxBanTime time.Duration
	Now        func() time.Time
	// Metrics counts the bans; nil records nothing.
	Metrics *metrics.Metrics
	// Shared keeps failures and bans where every node of a cluster sees
	// them; nil keeps them in this process. When it cannot be reached the
	// process's own count still guards this node.
	Shared Ledger

	mu      sync.Mutex
	sources map[string]*sourceRecord
}

// Ledger is the cluster's record of failed logins and bans (the store).
type Ledger interface {
	// LoginFailure records a failure at now and counts host's failures
	// since since, on every node.
	LoginFailure(ctx context.Context, host string, now, since time.Time) (int, error)
	// LoginBan bans host for ban(its previous bans) from now.
	LoginBan(ctx context.Context, host string, now time.Time, ban func(previous int) time.Duration) (time.Time, error)
	// LoginBannedUntil is the end of host's latest ban.
	LoginBannedUntil(ctx context.Context, host string) (time.Time, error)
}

// sharedTimeout bounds a look at the shared ledger on the login path.
const sharedTimeout = 2 * time.Second

type sourceRecord struct {
	failures    []time.Time
	bannedUntil time.Time
	bans        int
}

// Fail records a failed login from addr and reports whether it is now banned.
func (d *Defender) Fail(addr net.Addr) bool {
	host := hostOf(addr)
	if d.Shared != nil {
		if banned, ok := d.sharedFail(host); ok {
			return banned
		}
	}
	now := d.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	rec := d.record(host, now)
	rec.failures = append(rec.failures, now)
	if d.Threshold > 0 && len(rec.failures) >= d.Threshold {
		rec.bannedUntil = now.Add(d.banFor(rec.bans))
		rec.bans++
		rec.failures = nil
		d.Metrics.Banned()
		return true
	}
	return false
}

// sharedFail counts the failure in the cluster's ledger and bans there;
// ok is false when the ledger could not be reached.
func (d *Defender) sharedFail(host string) (banned, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	now := d.Now()
	n, err := d.Shared.LoginFailure(ctx, host, now, now.Add(-d.Window))
	if err != nil {
		return false, false
	}
	if d.Threshold <= 0 || n < d.Threshold {
		return false, true
	}
	until, err := d.Shared.LoginBan(ctx, host, now, d.banFor)
	if err != nil {
		return false, false
	}
	d.mu.Lock()
	d.record(host, now).bannedUntil = until
	d.mu.Unlock()
	d.Metrics.Banned()
	return true, true
}

// banFor is the length of a source's next ban after previous ones.
func (d *Defender) banFor(previous int) time.Duration {
	ban := d.BanTime << previous
	if ban <= 0 || (d.MaxBanTime > 0 && ban > d.MaxBanTime) {
		ban = d.MaxBanTime
	}
	return ban
}

// record is host's entry, made when missing; d.mu is held.
func (d *Defender) record(host string, now time.Time) *sourceRecord {
	if d.sources == nil {
		d.sources = make(map[string]*sourceRecord)
	}
	d.prune(now)
	rec := d.sources[host]
	if rec == nil {
		rec = &sourceRecord{}
		d.sources[host] = rec
	}
	return rec
}

// Banned reports whether addr is banned now, and until when: by this
// process, or by any node of the cluster.
func (d *Defender) Banned(addr net.Addr) (bool, time.Time) {
	host := hostOf(addr)
	now := d.Now()
	var local time.Time
	d.mu.Lock()
	if rec := d.sources[host]; rec != nil {
		local = rec.bannedUntil
	}
	d.mu.Unlock()
	if now.Before(local) {
		return true, local
	}
	if d.Shared == nil {
		return false, time.Time{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	until, err := d.Shared.LoginBannedUntil(ctx, host)
	if err != nil || !now.Before(until) {
		return false, time.Time{}
	}
	return true, until
}

// prune forgets failures outside the window and sources with nothing left,
// so the map cannot grow without bound under a scan.
func (d *Defender) prune(now time.Time) {
	for host, rec := range d.sources {
		keep := rec.failures[:0]
		for _, t := range rec.failures {
			if now.Sub(t) < d.Window {
				keep = append(keep, t)
			}
		}
		rec.failures = keep
		// A source's ban count is kept for a day after its last ban, so a
		// returning offender gets the longer ban.
		if len(keep) == 0 && now.Sub(rec.bannedUntil) > 24*time.Hour {
			delete(d.sources, host)
		}
	}
}

func hostOf(addr net.Addr) string {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return tcp.IP.String()
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	return host
}

// Addr is a net.Addr for a "host:port" string such as an HTTP request's
// RemoteAddr.
type Addr string

// Network implements net.Addr.
func (a Addr) Network() string { return "tcp" }

// String implements net.Addr.
func (a Addr) String() string { return string(a) }
