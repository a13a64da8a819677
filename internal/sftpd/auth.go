package sftpd

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"
)

// Account is how a partner logs in: its id is the SSH user name.
type Account struct {
	Partner      string
	Keys         []ssh.PublicKey
	PasswordHash []byte // bcrypt; empty disables password login
}

// allowsKey reports whether key is one of the account's authorized keys.
func (a *Account) allowsKey(key ssh.PublicKey) bool {
	wire := key.Marshal()
	for _, k := range a.Keys {
		if bytes.Equal(k.Marshal(), wire) {
			return true
		}
	}
	return false
}

// LoadOrCreateHostKey reads the ed25519 host key at path, creating it (0600,
// OpenSSH format) on first start so clients see the same key across restarts.
func LoadOrCreateHostKey(path string) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		signer, err := ssh.ParsePrivateKey(data)
		if err != nil {
			return nil, fmt.Errorf("host key %s: %w", path, err)
		}
		return signer, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate host key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "clearway host key")
	if err != nil {
		return nil, fmt.Errorf("marshal host key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return ssh.NewSignerFromKey(priv)
}

// Defender bans sources that keep failing to log in, as SFTPGo's defender
// does: each failed connection scores one; Threshold failures within Window
// ban the source for BanTime, doubling on each repeat up to MaxBanTime.
type Defender struct {
	Threshold  int
	Window     time.Duration
	BanTime    time.Duration
	MaxBanTime time.Duration
	Now        func() time.Time

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

// checkPassword compares a password with a bcrypt hash in constant time.
func checkPassword(hash []byte, password []byte) bool {
	return len(hash) > 0 && bcrypt.CompareHashAndPassword(hash, password) == nil
}
