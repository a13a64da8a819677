package mailer

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// Message is one mail.
type Message struct {
	// ID is the Message-ID without angle brackets, e.g. "n42.3f9c@clearway".
	// It must be the same on every attempt so that a re-sent mail is
	// recognisable; empty lets go-mail make up a random one.
	ID      string
	To      []string // addresses; a rejection of any one fails the whole mail
	Subject string
	Text    string // plain-text body
	HTML    string // HTML body (alternative); may be empty
}

// Mailer sends Messages through the SMTP server of its Config.
// It holds no connection: each Send dials, delivers and quits,
// so one Mailer may be used from several goroutines.
// Config may be changed between sends; each Send validates its own copy.
type Mailer struct {
	Config Config
}

// New returns a Mailer for c after validating it and filling in the
// default port and timeout.
func New(c Config) (*Mailer, error) {
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("new mailer: %w", err)
	}
	return &Mailer{Config: c}, nil
}

// Send delivers msg in one SMTP session, giving up when ctx ends or after
// Config.Timeout. Once the server has accepted the message (250 after DATA)
// Send returns nil even if RSET or QUIT fail afterwards, since the mail is on
// its way and a retry would only duplicate it. Use Permanent to decide
// whether an error is worth a retry.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	c := m.Config
	cerr := c.validate()
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	fail := func(err error) error {
		return fmt.Errorf("send mail %s to %v via %s: %w", msg.ID, msg.To, addr, err)
	}
	if cerr != nil {
		return fail(cerr)
	}
	gm, err := c.compose(msg)
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	client, err := gomail.NewClient(c.Host, c.clientOptions(ctx)...)
	if err != nil {
		return fail(fmt.Errorf("configure smtp client: %w", err))
	}
	err = client.DialAndSendWithContext(ctx, gm)
	switch {
	case err == nil, gm.IsDelivered():
		return nil
	case ctx.Err() != nil:
		return fail(fmt.Errorf("%w: %w", ctx.Err(), err))
	}
	return fail(err)
}

// compose builds the go-mail message: From, To, Subject, Message-ID and a
// text body with an optional HTML alternative.
func (c Config) compose(msg Message) (*gomail.Msg, error) {
	if len(msg.To) == 0 {
		return nil, fmt.Errorf("%w: no recipients", ErrInvalidMessage)
	}
	if err := checkID(msg.ID); err != nil {
		return nil, err
	}
	gm := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := gm.From(c.From); err != nil {
		return nil, fmt.Errorf("%w: from %q: %w", ErrInvalidMessage, c.From, err)
	}
	if err := gm.To(msg.To...); err != nil {
		return nil, fmt.Errorf("%w: to: %w", ErrInvalidMessage, err)
	}
	gm.Subject(msg.Subject)
	if msg.ID != "" {
		gm.SetMessageIDWithValue(msg.ID)
	}
	gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		gm.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	}
	return gm, nil
}

// checkID rejects a Message-ID that would not survive as one header token:
// it needs an "@" and no brackets, spaces or non-ASCII characters.
func checkID(id string) error {
	if id == "" {
		return nil
	}
	bad := strings.ContainsFunc(id, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || r == '<' || r == '>'
	})
	if bad || !strings.Contains(id, "@") {
		return fmt.Errorf("%w: message id %q is not of the form left@right", ErrInvalidMessage, id)
	}
	return nil
}

// clientOptions maps Config onto go-mail options. The port is always set
// explicitly and the TLS policy with WithTLSPolicy or WithSSL, never the
// *PortPolicy/WithSSLPort helpers, which may fall back to plain port 25.
func (c Config) clientOptions(ctx context.Context) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(c.Port),
		gomail.WithTimeout(c.Timeout),
		gomail.WithTLSConfig(c.tlsConfig()),
		gomail.WithDialContextFunc(c.dialer(ctx)),
	}
	switch c.TLS {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if c.Username != "" {
		// PLAIN: go-mail sends it only over TLS or to localhost.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	return opts
}

// tlsConfig verifies the server as Config.Host against Config.RootCAs.
func (c Config) tlsConfig() *tls.Config {
	return &tls.Config{
		ServerName: c.Host,
		RootCAs:    c.RootCAs,
		MinVersion: tls.VersionTLS12,
	}
}

// dialer returns the function go-mail dials with. It ties the connection to
// the send's ctx (go-mail's own context covers the dial only), closing it
// when ctx ends so that a hung server cannot hold Send past its deadline,
// and does the handshake itself for implicit TLS, since go-mail's WithSSL
// wraps only connections it dials.
func (c Config) dialer(sendCtx context.Context) gomail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		raw, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		// The send is over either way; its own error is the one reported.
		context.AfterFunc(sendCtx, func() { _ = raw.Close() })
		if c.TLS != TLSImplicit {
			return raw, nil
		}
		conn := tls.Client(raw, c.tlsConfig())
		if err := conn.HandshakeContext(ctx); err != nil {
			_ = raw.Close() // the handshake error is the one reported
			return nil, fmt.Errorf("tls handshake: %w", err)
		}
		return conn, nil
	}
}
