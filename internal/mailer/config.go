// Package mailer sends Clearway's notification emails over SMTP.
//
// It exists so that the notification channels have one small, tested way to
// hand a mail to the hub's relay (the notify.smtp block of the configuration):
// TLS that never silently downgrades, a stable Message-ID so that a mail sent
// again after a crash is recognisable, and errors that tell a retrying caller
// whether another attempt can help. The SMTP protocol itself (EHLO, STARTTLS,
// AUTH, MAIL/RCPT/DATA, MIME encoding) is done by github.com/wneessen/go-mail.
package mailer

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/mail"
	"time"
)

// TLS modes of Config.TLS.
const (
	// TLSStartTLS connects in plain text and requires the server to offer
	// STARTTLS; a server that does not is an error, never a downgrade.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS, usually port 465).
	TLSImplicit = "tls"
	// TLSNone sends in plain text, for a relay on the same host or network.
	TLSNone = "none"
)

// DefaultTimeout bounds one Send when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config is notify.smtp: where and how to hand mail over.
type Config struct {
	Host     string
	Port     int    // default 587 for starttls, 465 for tls, 25 for none
	Username string // empty: no auth
	Password string
	From     string // "Clearway <hub@example.com>"
	TLS      string // "starttls" (required STARTTLS), "tls" (implicit TLS), "none" (plain, for a local relay); empty: starttls
	// RootCAs, when set, is the pool TLS verifies the server with (tests with a self-signed server); nil: system roots.
	RootCAs *x509.CertPool
	Timeout time.Duration // per send, default 30s
}

// validate checks c and fills in the defaults that depend on the TLS mode.
func (c *Config) validate() error {
	if c.Host == "" {
		return errors.New("notify.smtp.host: required")
	}
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	port := defaultPort(c.TLS)
	if port == 0 {
		return fmt.Errorf("notify.smtp.tls: %q is not one of starttls, tls, none", c.TLS)
	}
	if c.Port == 0 {
		c.Port = port
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("notify.smtp.port: %d is out of range", c.Port)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("notify.smtp.from: parse %q: %w", c.From, err)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("notify.smtp.timeout: %v is negative", c.Timeout)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return nil
}

// defaultPort is the usual submission port of a TLS mode, 0 for an unknown mode.
func defaultPort(mode string) int {
	switch mode {
	case TLSStartTLS:
		return 587
	case TLSImplicit:
		return 465
	case TLSNone:
		return 25
	}
	return 0
}
