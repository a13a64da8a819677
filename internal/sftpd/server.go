// Package sftpd is Clearway's embedded SFTP server: x/crypto/ssh for the
// transport and pkg/sftp's request server for the protocol, with each partner
// jailed to its own folder and every complete upload handed to the intake
// before the client's CLOSE is answered (docs/SFTP.md).
package sftpd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/defender"
	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/intake"
	"github.com/clearway/clearway/internal/metrics"
)

// Modern algorithms only. AES-GCM first: Go's AES-GCM uses AES-NI and is the
// cheapest cipher here (chacha20 costs 20–55% more CPU, docs/SFTP.md §2).
// AES-CTR with ETM MACs stays for libssh2 clients (curl) that lack GCM.
var (
	ciphers = []string{ssh.CipherAES128GCM, ssh.CipherAES256GCM, ssh.CipherChaCha20Poly1305,
		ssh.CipherAES128CTR, ssh.CipherAES192CTR, ssh.CipherAES256CTR}
	macs         = []string{ssh.HMACSHA256ETM, ssh.HMACSHA512ETM, ssh.HMACSHA256, ssh.HMACSHA512}
	keyExchanges = []string{ssh.KeyExchangeMLKEM768X25519, ssh.KeyExchangeCurve25519,
		ssh.KeyExchangeECDHP256, ssh.KeyExchangeECDHP384, ssh.KeyExchangeECDHP521, ssh.KeyExchangeDH16SHA512, ssh.KeyExchangeDH14SHA256}
	pubKeyAlgos = []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
		ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSASHA512}
)

// maxTxPacket raises pkg/sftp's 32 KiB cap on READ replies to what OpenSSH
// serves, so downloads are not throttled by small packets.
const maxTxPacket = 255 * 1024

// Server serves partners' folders over SFTP.
type Server struct {
	// Listen is the host:port to listen on ("127.0.0.1:0" in tests).
	Listen string
	// HostKey signs the SSH handshake (see LoadOrCreateHostKey).
	HostKey ssh.Signer
	// PartnersDir holds one folder per partner: PartnersDir/<id>/{inbox,outbox,errors}.
	PartnersDir string
	// Folders serves /outbox and /errors: data_dir's folders on one machine,
	// the bucket in a cluster (so every node lists what any node wrote).
	Folders folders.Store
	// Accounts are the partners allowed to log in, by partner id.
	Accounts map[string]*Account
	// Intake archives and journals complete uploads.
	Intake *intake.Intake
	Logger *slog.Logger
	// Defender bans sources with repeated login failures; nil disables bans.
	Defender *defender.Defender
	// Metrics counts open sessions and refused logins; nil records nothing.
	Metrics *metrics.Metrics

	HandshakeTimeout      time.Duration
	MaxAuthTries          int
	MaxSessionsPerPartner int
	// SharedSessions, in a cluster, counts a partner's sessions on the
	// other nodes, so MaxSessionsPerPartner holds for the whole cluster;
	// nil counts this server's own.
	SharedSessions SessionLedger
	// ShutdownTimeout bounds how long Close waits for open transfers.
	ShutdownTimeout time.Duration

	ln        net.Listener
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	transfers tracker

	publishMu sync.Mutex // orders publishSessions and shared admissions
	mu        sync.Mutex
	conns     map[net.Conn]struct{}
	connGone  chan struct{}  // a connection ended (for Close's grace wait)
	sessions  map[string]int // open connections per partner
}

// Open prepares the partners' folders, removes upload temp files a crash left
// behind, listens, and starts serving in the background.
func (s *Server) Open() error {
	if s.HostKey == nil {
		return errors.New("sftp server: no host key")
	}
	if s.Folders == nil {
		return errors.New("sftp server: no folders for /outbox and /errors")
	}
	for id := range s.Accounts {
		if err := s.prepareJail(id); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", s.Listen)
	if err != nil {
		return fmt.Errorf("sftp listen %s: %w", s.Listen, err)
	}
	s.ln = ln
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.conns = make(map[net.Conn]struct{})
	s.connGone = make(chan struct{}, 1)
	s.sessions = make(map[string]int)
	s.wg.Add(1)
	go s.serve()
	s.Logger.Info("sftp listening", "addr", ln.Addr().String())
	return nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops accepting connections, waits up to ShutdownTimeout for open
// transfers to finish, then closes every connection and waits for them.
func (s *Server) Close() error {
	if s.ln == nil {
		return nil
	}
	err := s.ln.Close()
	idle := s.transfers.drain()
	timeout := s.ShutdownTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	timer := time.NewTimer(timeout)
	select {
	case <-idle:
	case <-timer.C:
		s.Logger.Warn("sftp shutdown: transfers still open, closing their connections", "timeout", timeout)
	}
	timer.Stop()
	// The last transfer's CLOSE status is sent after our Close returns; give
	// sessions a moment to get their replies and hang up before cutting them.
	s.waitConns(closeGrace)
	s.cancel()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// closeGrace is how long Close lets connections end on their own once no
// transfer is open.
const closeGrace = 2 * time.Second

// waitConns waits until every connection has ended or the grace is over.
func (s *Server) waitConns(grace time.Duration) {
	timer := time.NewTimer(grace)
	defer timer.Stop()
	for {
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-s.connGone:
		case <-timer.C:
			return
		}
	}
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.Logger.Error("sftp accept", "error", err)
			}
			return
		}
		if s.Defender != nil {
			if banned, until := s.Defender.Banned(conn.RemoteAddr()); banned {
				s.Logger.Warn("sftp connection refused: source banned", "remote", conn.RemoteAddr().String(), "until", until.UTC().Format(time.RFC3339))
				conn.Close()
				continue
			}
		}
		s.mu.Lock()
		s.conns[conn] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, conn)
				s.mu.Unlock()
				conn.Close()
				select {
				case s.connGone <- struct{}{}:
				default:
				}
			}()
			s.handleConn(conn)
		}()
	}
}

// handleConn runs one SSH connection: handshake under a deadline, then its
// session channels. A panic ends only this connection.
func (s *Server) handleConn(conn net.Conn) {
	connID := newID()
	log := s.Logger.With("conn", connID, "remote", conn.RemoteAddr().String())
	defer func() {
		if r := recover(); r != nil {
			log.Error("sftp connection panic", "panic", r, "stack", string(debug.Stack()))
		}
	}()

	authFailures := 0
	cfg := s.serverConfig(func(meta ssh.ConnMetadata, method string, err error) {
		if err != nil && method != "none" {
			authFailures++
			s.Metrics.SFTPAuthFailed(method)
			log.Warn("sftp auth failed", "user", meta.User(), "method", method, "error", err)
		}
	})
	if s.HandshakeTimeout > 0 {
		conn.SetDeadline(time.Now().Add(s.HandshakeTimeout))
	}
	sconn, chans, reqs, err := ssh.NewServerConn(conn, cfg)
	if err != nil {
		if authFailures > 0 && s.Defender != nil && s.Defender.Fail(conn.RemoteAddr()) {
			log.Warn("sftp source banned after repeated login failures")
		}
		if !errors.Is(err, io.EOF) || authFailures > 0 {
			log.Info("sftp handshake failed", "error", err, "auth_failures", authFailures)
		}
		return
	}
	conn.SetDeadline(time.Time{})
	defer sconn.Close()
	go ssh.DiscardRequests(reqs)

	partner := sconn.Permissions.Extensions["partner"]
	log = log.With("partner", partner, "client", string(sconn.ClientVersion()))
	if !s.openSession(partner) {
		log.Warn("sftp session refused: partner at its session limit", "limit", s.MaxSessionsPerPartner)
		return
	}
	defer s.closeSession(partner)

	root, err := os.OpenRoot(filepath.Join(s.PartnersDir, partner))
	if err != nil {
		log.Error("sftp open partner folder", "error", err)
		return
	}
	defer root.Close()
	sess := &session{srv: s, partner: partner, root: root, dir: root.Name(), log: log, uploads: map[string]*upload{}}
	started := time.Now()
	log.Info("sftp session opened")
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only session channels are served")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			log.Warn("sftp channel accept", "error", err)
			continue
		}
		go s.serveChannel(sess, ch, chReqs)
	}
	sess.waitChannels()
	st := sess.stats()
	log.Info("sftp session closed", "duration", time.Since(started).Round(time.Millisecond),
		"uploads", st.uploads, "downloads", st.downloads, "bytes_in", st.bytesIn, "bytes_out", st.bytesOut)
}

// serveChannel answers a session channel's requests: only the sftp subsystem.
func (s *Server) serveChannel(sess *session, ch ssh.Channel, reqs <-chan *ssh.Request) {
	sess.channels.Add(1)
	defer sess.channels.Done()
	defer ch.Close()
	for req := range reqs {
		if req.Type != "subsystem" || string(req.Payload[min(4, len(req.Payload)):]) != "sftp" {
			req.Reply(false, nil)
			continue
		}
		req.Reply(true, nil)
		go ssh.DiscardRequests(reqs)
		handlers := sftp.Handlers{FileGet: sess, FilePut: sess, FileCmd: sess, FileList: sess}
		rs := sftp.NewRequestServer(ch, handlers, sftp.WithStartDirectory("/"), sftp.WithRSMaxTxPacket(maxTxPacket), sftp.WithRSAllocator())
		if err := rs.Serve(); err != nil && !errors.Is(err, io.EOF) {
			sess.log.Info("sftp subsystem ended", "error", err)
		}
		rs.Close()
		return
	}
}

func (s *Server) serverConfig(authLog func(ssh.ConnMetadata, string, error)) *ssh.ServerConfig {
	cfg := &ssh.ServerConfig{
		Config:                  ssh.Config{KeyExchanges: keyExchanges, Ciphers: ciphers, MACs: macs},
		MaxAuthTries:            s.MaxAuthTries,
		ServerVersion:           "SSH-2.0-Clearway",
		PublicKeyAuthAlgorithms: pubKeyAlgos,
		AuthLogCallback:         authLog,
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			acct, ok := s.Accounts[meta.User()]
			if !ok || !acct.allowsKey(key) {
				return nil, fmt.Errorf("key %s not authorized for %q", ssh.FingerprintSHA256(key), meta.User())
			}
			return &ssh.Permissions{Extensions: map[string]string{"partner": acct.Partner, "key": ssh.FingerprintSHA256(key)}}, nil
		},
		PasswordCallback: func(meta ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
			acct, ok := s.Accounts[meta.User()]
			if !ok || !checkPassword(acct.PasswordHash, password) {
				return nil, fmt.Errorf("password refused for %q", meta.User())
			}
			return &ssh.Permissions{Extensions: map[string]string{"partner": acct.Partner}}, nil
		},
	}
	cfg.AddHostKey(s.HostKey)
	return cfg
}

func (s *Server) openSession(partner string) bool {
	if s.SharedSessions != nil && s.MaxSessionsPerPartner > 0 {
		return s.admitShared(partner)
	}
	s.mu.Lock()
	if s.MaxSessionsPerPartner > 0 && s.sessions[partner] >= s.MaxSessionsPerPartner {
		s.mu.Unlock()
		return false
	}
	s.sessions[partner]++
	s.mu.Unlock()
	s.Metrics.SFTPSessionOpened()
	s.publishSessions(partner)
	return true
}

func (s *Server) closeSession(partner string) {
	s.mu.Lock()
	s.sessions[partner]--
	s.mu.Unlock()
	s.Metrics.SFTPSessionClosed()
	s.publishSessions(partner)
}

// SessionLedger shares the partners' session counts among a cluster's
// nodes (cluster.Sessions).
type SessionLedger interface {
	// Admit says whether one more session fits the limit with those open
	// here and on the other nodes, and if so publishes open+1 for here.
	Admit(ctx context.Context, partner string, open, limit int) (bool, error)
	Publish(ctx context.Context, partner string, open int) error
}

// sharedTimeout bounds a look at the cluster's session counts.
const sharedTimeout = 2 * time.Second

// admitShared opens a session under the cluster's count. Admissions and
// publications here go one at a time (publishMu), so the count published
// is never older than one this node sent before; when the cluster cannot
// be asked, the limit holds for this node alone.
func (s *Server) admitShared(partner string) bool {
	s.publishMu.Lock()
	defer s.publishMu.Unlock()
	s.mu.Lock()
	open := s.sessions[partner]
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(s.ctx, sharedTimeout)
	defer cancel()
	ok, err := s.SharedSessions.Admit(ctx, partner, open, s.MaxSessionsPerPartner)
	if err != nil {
		s.Logger.Warn("sftp: cannot count the partner's sessions on other nodes", "partner", partner, "error", err)
		ok = open < s.MaxSessionsPerPartner
	}
	if !ok {
		return false
	}
	s.mu.Lock()
	s.sessions[partner]++
	s.mu.Unlock()
	s.Metrics.SFTPSessionOpened()
	return true
}

// publishSessions tells the other nodes how many sessions the partner has
// open here; one at a time, so a late write never replaces a newer count.
func (s *Server) publishSessions(partner string) {
	if s.SharedSessions == nil {
		return
	}
	s.publishMu.Lock()
	defer s.publishMu.Unlock()
	s.mu.Lock()
	open := s.sessions[partner]
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	if err := s.SharedSessions.Publish(ctx, partner, open); err != nil {
		s.Logger.Warn("sftp: cannot publish the partner's sessions", "partner", partner, "error", err)
	}
}

// prepareJail creates a partner's folders and removes hub temp files that a
// crash left in its inbox: they were never acknowledged to the partner, and
// anything already journaled is safe in the archive.
func (s *Server) prepareJail(partner string) error {
	dir := filepath.Join(s.PartnersDir, partner)
	for _, sub := range []string{clearway.InboxDir, clearway.OutboxDir, clearway.ErrorsDir} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o750); err != nil {
			return fmt.Errorf("partner %s folders: %w", partner, err)
		}
	}
	return filepath.WalkDir(filepath.Join(dir, clearway.InboxDir), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && folders.IsTemp(d.Name()) {
			s.Logger.Info("removing unfinished upload left by a crash", "partner", partner, "path", p)
			return os.Remove(p)
		}
		return nil
	})
}

// tracker counts open transfers so shutdown can wait for them, and refuses
// new ones once shutdown began.
type tracker struct {
	mu      sync.Mutex
	n       int
	closing bool
	idle    chan struct{}
}

func (t *tracker) start() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closing {
		return false
	}
	t.n++
	return true
}

func (t *tracker) done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	if t.n == 0 && t.idle != nil {
		close(t.idle)
		t.idle = nil
	}
}

// drain refuses new transfers and returns a channel closed when none is open.
func (t *tracker) drain() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closing = true
	ch := make(chan struct{})
	if t.n == 0 {
		close(ch)
	} else {
		t.idle = ch
	}
	return ch
}

func newID() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
