package mailer_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/mailer"
	"github.com/emersion/go-smtp"
)

// testMessage is a mail with both bodies and a non-ASCII subject.
func testMessage() mailer.Message {
	return mailer.Message{
		ID:      "n42.3f9c0a@clearway",
		To:      []string{"trade@example.com", "ops@example.com"},
		Subject: "Déclaration rejetée: DCR on S-1001",
		Text:    "Shipment S-1001 was rejected (DCR).\n",
		HTML:    "<p>Shipment <b>S-1001</b> was rejected (DCR).</p>",
	}
}

// mustMailer returns a Mailer for srv in its mode, trusting pool.
func mustMailer(tb testing.TB, srv *testServer, mode string, pool *x509.CertPool) *mailer.Mailer {
	tb.Helper()
	m, err := mailer.New(mailer.Config{
		Host: "127.0.0.1", Port: srv.Port, TLS: mode, RootCAs: pool,
		Username: srv.User, Password: srv.Pass,
		From: "Clearway <hub@example.com>", Timeout: 10 * time.Second,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// mustSendOne sends msg and returns the one mail the server received.
func mustSendOne(tb testing.TB, m *mailer.Mailer, srv *testServer, msg mailer.Message) received {
	tb.Helper()
	if err := m.Send(context.Background(), msg); err != nil {
		tb.Fatalf("send: %v", err)
	}
	got := srv.received()
	if len(got) != 1 {
		tb.Fatalf("got %d mails, want 1", len(got))
	}
	return got[0]
}

func TestSend_None(t *testing.T) {
	srv := &testServer{Mode: "none"}
	srv.start(t)
	got := mustSendOne(t, mustMailer(t, srv, mailer.TLSNone, nil), srv, testMessage())
	if got.TLS {
		t.Error("got a TLS session, want plain")
	}
	if got.From != "hub@example.com" || strings.Join(got.To, ",") != "trade@example.com,ops@example.com" {
		t.Errorf("got envelope %s → %v, want hub@example.com → [trade@example.com ops@example.com]", got.From, got.To)
	}
	checkMessage(t, got.Data, testMessage())
}

// checkMessage parses raw and compares its headers and both bodies with want.
func checkMessage(tb testing.TB, raw []byte, want mailer.Message) {
	tb.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		tb.Fatalf("parse message: %v", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != want.Subject {
		tb.Errorf("got subject %q (%v), want %q", subject, err, want.Subject)
	}
	if id := msg.Header.Get("Message-Id"); id != "<"+want.ID+">" {
		tb.Errorf("got Message-ID %q, want %q", id, "<"+want.ID+">")
	}
	if from, err := msg.Header.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "hub@example.com" || from[0].Name != "Clearway" {
		tb.Errorf("got From %v (%v), want Clearway <hub@example.com>", from, err)
	}
	if to, err := msg.Header.AddressList("To"); err != nil || len(to) != len(want.To) {
		tb.Errorf("got To %v (%v), want %v", to, err, want.To)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		tb.Fatalf("got Content-Type %q (%v), want multipart/alternative", mediaType, err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatalf("read part: %v", err)
		}
		body, err := io.ReadAll(p) // quoted-printable is decoded by NextPart
		if err != nil {
			tb.Fatalf("read part body: %v", err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[ct] = string(body)
	}
	if got := strings.TrimSpace(parts["text/plain"]); got != strings.TrimSpace(want.Text) {
		tb.Errorf("got text/plain %q, want %q", got, want.Text)
	}
	if got := strings.TrimSpace(parts["text/html"]); got != want.HTML {
		tb.Errorf("got text/html %q, want %q", got, want.HTML)
	}
}

func TestSend_StartTLS(t *testing.T) {
	cert, pool := mustCert(t)
	t.Run("OK", func(t *testing.T) {
		srv := &testServer{Mode: "starttls", Cert: cert, User: "hub", Pass: "s3cret"}
		srv.start(t)
		got := mustSendOne(t, mustMailer(t, srv, mailer.TLSStartTLS, pool), srv, testMessage())
		if !got.TLS || got.User != "hub" {
			t.Errorf("got TLS %v user %q, want TLS true user hub", got.TLS, got.User)
		}
		checkMessage(t, got.Data, testMessage())
	})
	t.Run("ErrNotOffered", func(t *testing.T) {
		srv := &testServer{Mode: "none"}
		srv.start(t)
		err := mustMailer(t, srv, mailer.TLSStartTLS, pool).Send(context.Background(), testMessage())
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Errorf("got %v, want an error about STARTTLS", err)
		}
		if n := len(srv.received()); n != 0 {
			t.Errorf("got %d mails over plain text, want 0", n)
		}
	})
	t.Run("ErrUntrusted", func(t *testing.T) {
		srv := &testServer{Mode: "starttls", Cert: cert}
		srv.start(t)
		err := mustMailer(t, srv, mailer.TLSStartTLS, nil).Send(context.Background(), testMessage())
		if err == nil || mailer.Permanent(err) || len(srv.received()) != 0 {
			t.Errorf("got %v, %d mails; want a temporary certificate error and none", err, len(srv.received()))
		}
	})
}

func TestSend_ImplicitTLS(t *testing.T) {
	cert, pool := mustCert(t)
	srv := &testServer{Mode: "tls", Cert: cert, User: "hub", Pass: "s3cret"}
	srv.start(t)
	got := mustSendOne(t, mustMailer(t, srv, mailer.TLSImplicit, pool), srv, testMessage())
	if !got.TLS || got.User != "hub" {
		t.Errorf("got TLS %v user %q, want TLS true user hub", got.TLS, got.User)
	}
	checkMessage(t, got.Data, testMessage())
}

func TestSend_Auth(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		srv := &testServer{Mode: "none", User: "hub", Pass: "s3cret", Insecure: true}
		srv.start(t)
		got := mustSendOne(t, mustMailer(t, srv, mailer.TLSNone, nil), srv, testMessage())
		if got.User != "hub" {
			t.Errorf("got user %q, want hub", got.User)
		}
	})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		srv := &testServer{Mode: "none", User: "hub", Pass: "s3cret", Insecure: true}
		srv.start(t)
		m := mustMailer(t, srv, mailer.TLSNone, nil)
		m.Config.Password = "wrong"
		err := m.Send(context.Background(), testMessage())
		if err == nil || mailer.Permanent(err) {
			t.Errorf("got %v, want a temporary AUTH error", err)
		}
	})
}

func TestPermanent(t *testing.T) {
	send := func(t *testing.T, srv *testServer, msg mailer.Message) error {
		t.Helper()
		srv.start(t)
		err := mustMailer(t, srv, mailer.TLSNone, nil).Send(context.Background(), msg)
		if err == nil {
			t.Fatal("got nil error, want one")
		}
		return err
	}
	reject := func(code int) *testServer {
		e := &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: "no"}
		return &testServer{Mode: "none", Reject: map[string]*smtp.SMTPError{"ops@example.com": e}}
	}
	t.Run("Rejected550", func(t *testing.T) {
		if err := send(t, reject(550), testMessage()); !mailer.Permanent(err) {
			t.Errorf("got Permanent false for %v, want true", err)
		}
	})
	t.Run("Rejected451", func(t *testing.T) {
		if err := send(t, reject(451), testMessage()); mailer.Permanent(err) {
			t.Errorf("got Permanent true for %v, want false", err)
		}
	})
	t.Run("ServerDown", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &testServer{Port: l.Addr().(*net.TCPAddr).Port}
		l.Close()
		err = mustMailer(t, srv, mailer.TLSNone, nil).Send(context.Background(), testMessage())
		if err == nil || mailer.Permanent(err) {
			t.Errorf("got %v, want a temporary error", err)
		}
	})
	t.Run("BadAddress", func(t *testing.T) {
		msg := testMessage()
		msg.To = []string{"not an address"}
		if err := send(t, &testServer{Mode: "none"}, msg); !mailer.Permanent(err) || !errors.Is(err, mailer.ErrInvalidMessage) {
			t.Errorf("got %v, want a permanent ErrInvalidMessage", err)
		}
	})
}

func TestSend_SameID(t *testing.T) {
	srv := &testServer{Mode: "none"}
	srv.start(t)
	m := mustMailer(t, srv, mailer.TLSNone, nil)
	for range 2 {
		if err := m.Send(context.Background(), testMessage()); err != nil {
			t.Fatal(err)
		}
	}
	got := srv.received()
	if len(got) != 2 {
		t.Fatalf("got %d mails, want 2", len(got))
	}
	for _, r := range got {
		msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
		if err != nil {
			t.Fatal(err)
		}
		if id := msg.Header.Get("Message-Id"); id != "<n42.3f9c0a@clearway>" {
			t.Errorf("got Message-ID %q, want <n42.3f9c0a@clearway>", id)
		}
	}
}

func TestSend_Cancel(t *testing.T) {
	srv := &testServer{Mode: "none", Hold: make(chan struct{})}
	srv.start(t)
	t.Cleanup(func() { close(srv.Hold) })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := mustMailer(t, srv, mailer.TLSNone, nil).Send(ctx, testMessage())
	if !errors.Is(err, context.DeadlineExceeded) || mailer.Permanent(err) {
		t.Errorf("got %v, want a temporary context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("got Send returning after %v, want soon after the deadline", d)
	}
}

func TestSend_HangUpAfterAccept(t *testing.T) {
	srv := &testServer{Port: mustScriptedServer(t)}
	if err := mustMailer(t, srv, mailer.TLSNone, nil).Send(context.Background(), testMessage()); err != nil {
		t.Errorf("got %v, want nil: the server had accepted the mail", err)
	}
}
