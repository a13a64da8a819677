// Package defender bans network sources that keep failing to log in. One
// defender guards every door of the daemon (the SFTP server and the web
// workspace): ten wrong passwords on one door close both to that address.
package defender

import (
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

	mu      sync.Mutex
	sources map[string]*sourceRecord
}

type sourceRecord struct {
	failures    []time.Time
	bannedUntil time.Time
	bans        int
}

// Fail records a failed login from addr and reports whether it is now banned.
func (d *Defender) Fail(addr net.Addr) bool {
	host := hostOf(addr)
	now := d.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.sources == nil {
		d.sources = make(map[string]*sourceRecord)
	}
	d.prune(now)
	rec := d.sources[host]
	if rec == nil {
		rec = &sourceRecord{}
		d.sources[host] = rec
	}
	rec.failures = append(rec.failures, now)
	if d.Threshold > 0 && len(rec.failures) >= d.Threshold {
		ban := d.BanTime << rec.bans
		if ban <= 0 || (d.MaxBanTime > 0 && ban > d.MaxBanTime) {
			ban = d.MaxBanTime
		}
		rec.bannedUntil = now.Add(ban)
		rec.bans++
		rec.failures = nil
		d.Metrics.Banned()
		return true
	}
	return false
}

// Banned reports whether addr is banned now, and until when.
func (d *Defender) Banned(addr net.Addr) (bool, time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	rec := d.sources[hostOf(addr)]
	if rec == nil || !d.Now().Before(rec.bannedUntil) {
		return false, time.Time{}
	}
	return true, rec.bannedUntil
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
