package defender

import (
	"net"
	"testing"
	"time"
)

func TestDefender(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := &Defender{Threshold: 3, Window: time.Minute, BanTime: 10 * time.Minute, MaxBanTime: 30 * time.Minute, Now: func() time.Time { return now }}
	addr := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 1}
	other := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 1}
	for i := 0; i < 2; i++ {
		if d.Fail(addr) {
			t.Fatalf("banned after %d failures, threshold 3", i+1)
		}
	}
	if !d.Fail(addr) {
		t.Fatal("not banned at threshold")
	}
	if banned, _ := d.Banned(addr); !banned {
		t.Fatal("Banned = false after ban")
	}
	if banned, _ := d.Banned(other); banned {
		t.Fatal("another source banned")
	}
	now = now.Add(11 * time.Minute)
	if banned, _ := d.Banned(addr); banned {
		t.Fatal("ban did not expire")
	}
	// A repeat offender gets a doubled ban.
	d.Fail(addr)
	d.Fail(addr)
	d.Fail(addr)
	_, until := d.Banned(addr)
	if got := until.Sub(now); got != 20*time.Minute {
		t.Fatalf("second ban %v, want 20m", got)
	}
	// Failures spread beyond the window do not add up.
	now = now.Add(time.Hour)
	for i := 0; i < 5; i++ {
		if d.Fail(other) && i < 2 {
			t.Fatal("banned too early")
		}
		now = now.Add(2 * time.Minute)
	}
	if banned, _ := d.Banned(other); banned {
		t.Fatal("failures outside the window banned a source")
	}
}

// An HTTP request's RemoteAddr counts for the same host as an SFTP
// connection's address.
func TestAddrSharesHost(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := &Defender{Threshold: 2, Window: time.Minute, BanTime: time.Minute, Now: func() time.Time { return now }}
	d.Fail(Addr("127.0.0.7:53122"))
	d.Fail(Addr("127.0.0.7:53123"))
	if banned, _ := d.Banned(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 7), Port: 2022}); !banned {
		t.Error("two web failures did not close the SFTP door")
	}
}
