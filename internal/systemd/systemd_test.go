package systemd_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/systemd"
)

// MustListen opens a unixgram socket at addr, points NOTIFY_SOCKET at
// notifyName and returns the socket, closed when the test ends.
func MustListen(tb testing.TB, addr, notifyName string) *net.UnixConn {
	tb.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		tb.Fatalf("listen %q: %v", addr, err)
	}
	tb.Cleanup(func() { conn.Close() })
	tb.Setenv("NOTIFY_SOCKET", notifyName)
	return conn
}

// MustRead returns the next datagram received on conn.
func MustRead(tb testing.TB, conn *net.UnixConn) string {
	tb.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		tb.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, _, err := conn.ReadFromUnix(buf)
	if err != nil {
		tb.Fatalf("read datagram: %v", err)
	}
	return string(buf[:n])
}

func TestNotify(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		sock := filepath.Join(t.TempDir(), "notify.sock")
		conn := MustListen(t, sock, sock)
		for _, tt := range []struct {
			name string
			send func() error
			want string
		}{
			{"Ready", systemd.Ready, "READY=1"},
			{"Stopping", systemd.Stopping, "STOPPING=1"},
			{"Watchdog", systemd.Watchdog, "WATCHDOG=1"},
			{"Notify", func() error { return systemd.Notify("STATUS=draining\nEXTEND_TIMEOUT_USEC=5000000") }, "STATUS=draining\nEXTEND_TIMEOUT_USEC=5000000"},
		} {
			if err := tt.send(); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if got := MustRead(t, conn); got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
			}
		}
	})

	t.Run("Abstract", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("abstract unix sockets are Linux-only")
		}
		name := fmt.Sprintf("@clearway-systemd-test-%d-%d", os.Getpid(), time.Now().UnixNano())
		conn := MustListen(t, name, name)
		if err := systemd.Ready(); err != nil {
			t.Fatal(err)
		}
		if got, want := MustRead(t, conn), "READY=1"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})

	t.Run("Unset", func(t *testing.T) {
		t.Setenv("NOTIFY_SOCKET", "")
		os.Unsetenv("NOTIFY_SOCKET")
		for _, f := range []func() error{systemd.Ready, systemd.Stopping, systemd.Watchdog} {
			if err := f(); err != nil {
				t.Errorf("got %v, want nil", err)
			}
		}
	})

	t.Run("ErrNoListener", func(t *testing.T) {
		t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "missing.sock"))
		if err := systemd.Ready(); err == nil {
			t.Error("got nil, want error for a socket nobody listens on")
		}
	})

	t.Run("ErrRelativePath", func(t *testing.T) {
		t.Setenv("NOTIFY_SOCKET", "notify.sock")
		if err := systemd.Ready(); err == nil {
			t.Error("got nil, want error for a relative NOTIFY_SOCKET")
		}
	})
}

func TestWatchdogInterval(t *testing.T) {
	self := strconv.Itoa(os.Getpid())
	for _, tt := range []struct {
		name    string
		usec    string // "-" leaves WATCHDOG_USEC unset
		pid     string // "-" leaves WATCHDOG_PID unset
		want    time.Duration
		wantErr bool
	}{
		{name: "OK", usec: "60000000", pid: "-", want: 60 * time.Second},
		{name: "OKOwnPID", usec: "30000000", pid: self, want: 30 * time.Second},
		{name: "OKMicroseconds", usec: "1500", pid: "-", want: 1500 * time.Microsecond},
		{name: "Unset", usec: "-", pid: "-", want: 0},
		{name: "Empty", usec: "", pid: "-", want: 0},
		{name: "OtherPID", usec: "60000000", pid: strconv.Itoa(os.Getpid() + 1), want: 0},
		{name: "ErrNotNumber", usec: "60s", pid: "-", wantErr: true},
		{name: "ErrZero", usec: "0", pid: "-", wantErr: true},
		{name: "ErrNegative", usec: "-5", pid: "-", wantErr: true},
		{name: "ErrOverflow", usec: "99999999999999999999", pid: "-", wantErr: true},
		{name: "ErrTooLarge", usec: "9223372036854775807", pid: "-", wantErr: true},
		{name: "ErrBadPID", usec: "60000000", pid: "abc", wantErr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setOrUnset(t, "WATCHDOG_USEC", tt.usec)
			setOrUnset(t, "WATCHDOG_PID", tt.pid)
			got, err := systemd.WatchdogInterval()
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %v, nil, want error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// setOrUnset sets key to value for the test, or unsets it when value is "-".
func setOrUnset(t *testing.T, key, value string) {
	t.Helper()
	t.Setenv(key, value) // registers the restore of the original value
	if value == "-" {
		os.Unsetenv(key)
	}
}
