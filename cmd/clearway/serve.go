package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/clearway/clearway/internal/systemd"
)

// ServeCommand runs the daemon until SIGINT/SIGTERM.
type ServeCommand struct {
	Stderr io.Writer
}

// Run starts the hub, tells systemd it is ready, pings the watchdog, and on
// signal stops accepting, lets open transfers finish (bounded) and returns nil.
func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("serve")
	cfgPath := fs.String("config", "", "config file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(configPath(*cfgPath))
	if err != nil {
		return err
	}
	logger, err := newLogger(cfg.Log, c.Stderr)
	if err != nil {
		return err
	}
	hub := NewHub(cfg, logger)
	if err := hub.Open(); err != nil {
		hub.Close()
		return err
	}
	logger.Info("clearway started", "version", buildVersion(), "config", cfg.Path, "data_dir", cfg.DataDir, "partners", len(cfg.Partners))
	if err := systemd.Ready(); err != nil {
		logger.Warn("sd_notify ready", "error", err)
	}
	stopWatchdog := startWatchdog(logger)

	<-ctx.Done()
	logger.Info("clearway stopping: finishing open transfers", "timeout", cfg.ShutdownTimeout.Duration)
	systemd.Stopping()
	stopWatchdog()
	if err := hub.Close(); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("clearway stopped")
	return nil
}

// startWatchdog pings systemd's watchdog at half its interval, when enabled,
// and returns a function that stops it.
func startWatchdog(logger interface{ Warn(string, ...any) }) func() {
	interval, err := systemd.WatchdogInterval()
	if err != nil || interval <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(interval / 2)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := systemd.Watchdog(); err != nil {
					logger.Warn("sd_notify watchdog", "error", err)
				}
			}
		}
	}()
	return func() { close(done); <-stopped }
}
