package mailer_test

import (
	"context"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/mailer"
)

func TestNew(t *testing.T) {
	ok := mailer.Config{Host: "mail.example.com", From: "Clearway <hub@example.com>"}
	for _, tt := range []struct {
		mode string
		port int
	}{{"", 587}, {mailer.TLSStartTLS, 587}, {mailer.TLSImplicit, 465}, {mailer.TLSNone, 25}} {
		c := ok
		c.TLS = tt.mode
		m, err := mailer.New(c)
		if err != nil || m.Config.Port != tt.port || m.Config.Timeout != mailer.DefaultTimeout {
			t.Errorf("New(tls %q): got %+v, %v; want port %d, timeout %v", tt.mode, m, err, tt.port, mailer.DefaultTimeout)
		}
	}
	for name, edit := range map[string]func(*mailer.Config){
		"ErrNoHost":  func(c *mailer.Config) { c.Host = "" },
		"ErrTLS":     func(c *mailer.Config) { c.TLS = "ssl" },
		"ErrFrom":    func(c *mailer.Config) { c.From = "Clearway hub at example" },
		"ErrPort":    func(c *mailer.Config) { c.Port = 70000 },
		"ErrTimeout": func(c *mailer.Config) { c.Timeout = -time.Second },
	} {
		t.Run(name, func(t *testing.T) {
			c := ok
			edit(&c)
			if _, err := mailer.New(c); err == nil {
				t.Errorf("got nil error for %+v, want one", c)
			}
		})
	}
}

func TestSend_WithoutNew(t *testing.T) {
	srv := &testServer{Mode: "none"}
	srv.start(t)
	// A literal Mailer gets the same defaults (here: the timeout) as one from New.
	m := &mailer.Mailer{Config: mailer.Config{Host: "127.0.0.1", Port: srv.Port, TLS: mailer.TLSNone, From: "hub@example.com"}}
	mustSendOne(t, m, srv, testMessage())
	m.Config.TLS = "ssl"
	if err := m.Send(context.Background(), testMessage()); err == nil {
		t.Error("got nil error for tls \"ssl\", want one")
	}
}
