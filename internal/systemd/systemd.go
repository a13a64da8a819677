// Package systemd tells systemd how the daemon is doing, using the
// sd_notify protocol: readiness, shutdown and watchdog keep-alives sent as
// datagrams to $NOTIFY_SOCKET.
//
// Every function reads the environment when it is called, so there is no
// package state, and every function is a no-op returning nil when the
// process is not supervised by systemd (NOTIFY_SOCKET unset).
//
// See https://www.freedesktop.org/software/systemd/man/sd_notify.html.
package systemd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// Notify sends state (one or more newline-separated VARIABLE=value
// assignments, such as "READY=1") to the service manager's notification
// socket named by $NOTIFY_SOCKET. A name starting with '@' is a Linux
// abstract socket. Notify returns nil without doing anything when
// NOTIFY_SOCKET is unset or empty.
func Notify(state string) error {
	name := os.Getenv("NOTIFY_SOCKET")
	if name == "" {
		return nil
	}
	if name[0] != '/' && name[0] != '@' {
		return fmt.Errorf("systemd notify: NOTIFY_SOCKET %q: want an absolute path or an @abstract name", name)
	}
	// For a name starting with '@' the runtime replaces the '@' with a NUL
	// byte, which puts the address in the abstract namespace.
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("systemd notify: dial %q: %w", name, err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("systemd notify %q: %w", state, err)
	}
	return nil
}

// Ready tells systemd that start-up is finished (listeners are open), which
// completes the start of a Type=notify unit.
func Ready() error { return Notify("READY=1") }

// Stopping tells systemd that the daemon has begun shutting down, so the
// unit shows as "deactivating" while open work drains.
func Stopping() error { return Notify("STOPPING=1") }

// Watchdog tells systemd the daemon is still alive, resetting the WatchdogSec=
// timer. Send it every WatchdogInterval()/2.
func Watchdog() error { return Notify("WATCHDOG=1") }

// WatchdogInterval returns the watchdog timeout systemd set for this process
// from WATCHDOG_USEC. It returns 0 and nil when the watchdog is off: when
// WATCHDOG_USEC is unset, or WATCHDOG_PID names another process (the
// variables were inherited from a parent). Callers should ping with
// Watchdog at half the returned interval.
func WatchdogInterval() (time.Duration, error) {
	usecStr := os.Getenv("WATCHDOG_USEC")
	if usecStr == "" {
		return 0, nil
	}
	if pidStr := os.Getenv("WATCHDOG_PID"); pidStr != "" {
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid <= 0 {
			return 0, fmt.Errorf("systemd watchdog: WATCHDOG_PID %q: want a positive integer", pidStr)
		}
		if pid != os.Getpid() {
			return 0, nil
		}
	}
	usec, err := strconv.ParseInt(usecStr, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("systemd watchdog: WATCHDOG_USEC %q: %w", usecStr, err)
	}
	if usec <= 0 {
		return 0, errors.New("systemd watchdog: WATCHDOG_USEC must be a positive number of microseconds")
	}
	if usec > int64(time.Duration(1<<63-1)/time.Microsecond) {
		return 0, fmt.Errorf("systemd watchdog: WATCHDOG_USEC %q: out of range", usecStr)
	}
	return time.Duration(usec) * time.Microsecond, nil
}
