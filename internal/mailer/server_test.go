package mailer_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one mail as the test server got it.
type received struct {
	From string   // MAIL FROM
	To   []string // RCPT TO
	Data []byte   // raw DATA
	TLS  bool     // the session was encrypted
	User string   // the AUTH PLAIN user, if any
}

// testServer is a real SMTP server (go-smtp) on 127.0.0.1:0 that records
// what it receives. Set the fields, then call start.
type testServer struct {
	Mode       string                     // "none", "starttls" (STARTTLS offered) or "tls" (implicit)
	Cert       *tls.Certificate           // for starttls and tls
	User, Pass string                     // when set, AUTH PLAIN is required
	Insecure   bool                       // allow AUTH without TLS
	Reject     map[string]*smtp.SMTPError // RCPT TO address → reply
	Hold       chan struct{}              // when set, DATA waits for it to close

	Port  int
	mu    sync.Mutex
	mails []received
}

// start listens and serves until the test ends.
func (s *testServer) start(tb testing.TB) {
	tb.Helper()
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0) // clients hanging up on purpose are not news
	srv.AllowInsecureAuth = s.Insecure
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	var l net.Listener
	var err error
	switch s.Mode {
	case "starttls":
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*s.Cert}}
		l, err = net.Listen("tcp", "127.0.0.1:0")
	case "tls":
		l, err = tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{*s.Cert}})
	default:
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		tb.Fatal(err)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	tb.Cleanup(func() {
		if err := srv.Close(); err != nil {
			tb.Errorf("close smtp server: %v", err)
		}
		// Close misses a listener that Serve has not registered yet.
		_ = l.Close()
		if err := <-done; err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			tb.Errorf("serve smtp: %v", err)
		}
	})
}

// received returns a copy of the mails delivered so far.
func (s *testServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.mails...)
}

// NewSession implements smtp.Backend.
func (s *testServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &testSession{srv: s, conn: c}, nil
}

// testSession is one SMTP connection to a testServer.
type testSession struct {
	srv  *testServer
	conn *smtp.Conn
	user string
	cur  received
}

var _ smtp.AuthSession = (*testSession)(nil)

func (s *testSession) AuthMechanisms() []string {
	if s.srv.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *testSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.srv.User || pass != s.srv.Pass {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.User != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.cur = received{From: from}
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if e := s.srv.Reject[to]; e != nil {
		return e
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.srv.Hold != nil {
		<-s.srv.Hold
	}
	s.cur.Data = data
	_, s.cur.TLS = s.conn.TLSConnectionState()
	s.cur.User = s.user
	s.srv.mu.Lock()
	s.srv.mails = append(s.srv.mails, s.cur)
	s.srv.mu.Unlock()
	return nil
}

func (s *testSession) Reset()        { s.cur = received{} }
func (s *testSession) Logout() error { return nil }

// mustCert makes a self-signed ECDSA certificate for 127.0.0.1 and
// localhost, and a pool that trusts it.
func mustCert(tb testing.TB) (*tls.Certificate, *x509.CertPool) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "clearway test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// mustScriptedServer serves one connection by a fixed script, for faults
// go-smtp will not produce: it accepts one mail, then hangs up at RSET.
func mustScriptedServer(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		in := bufio.NewReader(conn)
		reply := func(s string) { fmt.Fprintf(conn, "%s\r\n", s) }
		reply("220 scripted")
		for {
			line, err := in.ReadString('\n')
			if err != nil {
				return
			}
			switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
			case strings.HasPrefix(cmd, "EHLO"):
				reply("250-scripted\r\n250 8BITMIME")
			case cmd == "DATA":
				reply("354 go on")
				for line != ".\r\n" && err == nil {
					line, err = in.ReadString('\n')
				}
				reply("250 queued")
			case cmd == "RSET":
				return // hang up after the mail was accepted
			default:
				reply("250 ok")
			}
		}
	}()
	tb.Cleanup(func() { l.Close(); <-done })
	return l.Addr().(*net.TCPAddr).Port
}
