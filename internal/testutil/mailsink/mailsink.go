// Package mailsink is a real SMTP server for tests (emersion/go-smtp on
// 127.0.0.1): it accepts every mail and keeps it for the test to read.
package mailsink

import (
	"bytes"
	"io"
	"net"
	"net/mail"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mail is one message received.
type Mail struct {
	From string
	To   []string
	Raw  []byte
}

// Header parses the message's header.
func (m Mail) Header() mail.Header {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return mail.Header{}
	}
	return msg.Header
}

// Sink is a running SMTP server.
type Sink struct {
	Host string
	Port int
	mu   sync.Mutex
	got  []Mail
	srv  *smtp.Server
}

// Start runs a sink until the test ends.
func Start(tb testing.TB) *Sink {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &Sink{}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 30*time.Second, 30*time.Second
	addr := ln.Addr().(*net.TCPAddr)
	s.Host, s.Port = "127.0.0.1", addr.Port
	go s.srv.Serve(ln)
	tb.Cleanup(func() {
		s.srv.Close()
		ln.Close() // Close misses a listener Serve has not registered yet
	})
	return s
}

// Mails returns what was received so far.
func (s *Sink) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.got...)
}

// Wait returns once n mails arrived, or what there is after timeout.
func (s *Sink) Wait(n int, timeout time.Duration) []Mail {
	deadline := time.Now().Add(timeout)
	for {
		got := s.Mails()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// NewSession implements smtp.Backend.
func (s *Sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{sink: s}, nil }

type session struct {
	sink *Sink
	cur  Mail
}

func (x *session) Reset()        { x.cur = Mail{} }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.cur.From = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.cur.To = append(x.cur.To, to)
	return nil
}
func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.cur.Raw = b
	x.sink.mu.Lock()
	x.sink.got = append(x.sink.got, x.cur)
	x.sink.mu.Unlock()
	x.cur = Mail{}
	return nil
}
