// Package remote is the hub's client for a partner's own SFTP server: the
// remote-poll channel (Puller) takes the partner's files into the intake, and
// the Pusher delivers outbound files there (SFTP.md §3).
//
// Host keys are always checked against the partner's known_hosts file; an
// unknown or changed key is refused with a *HostKeyError.
package remote

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/clearway/clearway/internal/config"
)

// DefaultTimeout bounds the TCP connect, SSH handshake and SFTP start.
const DefaultTimeout = 30 * time.Second

// Errors a *HostKeyError wraps, for errors.Is.
var (
	// ErrHostKeyUnknown: known_hosts has no key for the server.
	ErrHostKeyUnknown = errors.New("host key unknown")
	// ErrHostKeyChanged: known_hosts has other keys for the server, or lists
	// the offered key as revoked.
	ErrHostKeyChanged = errors.New("host key changed")
)

// HostKeyError is a refused server host key.
type HostKeyError struct {
	// Host is the server as known_hosts names it ("host" or "[host]:port").
	Host string
	// KnownHostsFile is the file consulted.
	KnownHostsFile string
	// Offered is the offered key's type and SHA256 fingerprint.
	Offered string
	// Known lists the keys the file holds for Host, as "line N: type
	// fingerprint"; empty for an unknown host.
	Known []string
	// Err is ErrHostKeyUnknown or ErrHostKeyChanged.
	Err error
}

// Error says what was refused and what to do about it.
func (e *HostKeyError) Error() string {
	if errors.Is(e.Err, ErrHostKeyUnknown) {
		return fmt.Sprintf("host key of %s is unknown: %s has no key for it (the server offered %s); "+
			"check the fingerprint with the partner and add the key to that file", e.Host, e.KnownHostsFile, e.Offered)
	}
	if len(e.Known) == 0 {
		return fmt.Sprintf("host key of %s is refused: %s marks the offered key %s as revoked", e.Host, e.KnownHostsFile, e.Offered)
	}
	return fmt.Sprintf("host key of %s has changed: the server offered %s but %s lists %s; "+
		"refusing to connect (a changed key can mean an attack: confirm it with the partner before replacing the line)",
		e.Host, e.Offered, e.KnownHostsFile, strings.Join(e.Known, ", "))
}

// Unwrap returns ErrHostKeyUnknown or ErrHostKeyChanged.
func (e *HostKeyError) Unwrap() error { return e.Err }

// Dialer connects to partners' servers. The zero value uses DefaultTimeout
// and concurrent reads.
type Dialer struct {
	// Timeout bounds connect, handshake and SFTP start; zero means
	// DefaultTimeout.
	Timeout time.Duration
	// ReadOnce is for servers that delete a file once it has been read or
	// allow one open handle (IBM Sterling): reads are sequential and use
	// fstat (pkg/sftp UseConcurrentReads(false), UseFstat(true)).
	ReadOnce bool
}

// Conn is an SFTP session on a partner's server. It is safe for concurrent
// use.
type Conn struct {
	// Addr is the server's host:port.
	Addr string

	ssh  *ssh.Client
	sftp *sftp.Client
	// posixRename: the server offers posix-rename@openssh.com (an
	// overwriting rename).
	posixRename bool
	// fsync: the server offers fsync@openssh.com.
	fsync bool

	closeOnce sync.Once
	closeErr  error
}

// Dial connects to rc's server with a zero Dialer.
func Dial(ctx context.Context, rc config.RemoteConfig) (*Conn, error) {
	var d Dialer
	return d.Dial(ctx, rc)
}

// Dial connects to rc's server, checking its host key against
// rc.KnownHostsFile, logs in with the private key and/or password, and starts
// SFTP. ctx bounds the whole set-up; the connection outlives it.
func (d Dialer) Dial(ctx context.Context, rc config.RemoteConfig) (*Conn, error) {
	c, err := d.dial(ctx, rc)
	if err != nil {
		return nil, fmt.Errorf("connect to %s as %s: %w", rc.Address, rc.User, err)
	}
	return c, nil
}

func (d Dialer) dial(ctx context.Context, rc config.RemoteConfig) (*Conn, error) {
	if rc.KnownHostsFile == "" {
		return nil, errors.New("known_hosts_file is required: host keys are never skipped")
	}
	hostKeys, err := knownhosts.New(rc.KnownHostsFile)
	if err != nil {
		return nil, fmt.Errorf("read known hosts: %w", err)
	}
	auth, err := authMethods(rc)
	if err != nil {
		return nil, err
	}
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	cfg := &ssh.ClientConfig{
		User:              rc.User,
		Auth:              auth,
		HostKeyCallback:   checkHostKey(hostKeys, rc.KnownHostsFile),
		HostKeyAlgorithms: knownAlgorithms(hostKeys, rc.Address),
		Timeout:           timeout,
	}

	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	nd := net.Dialer{Deadline: deadline}
	tcp, err := nd.DialContext(ctx, "tcp", rc.Address)
	if err != nil {
		return nil, err
	}
	// The handshake and SFTP start do not take a context: a past deadline
	// unblocks them when ctx ends.
	tcp.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { tcp.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	sc, chans, reqs, err := ssh.NewClientConn(tcp, rc.Address, cfg)
	if err != nil {
		tcp.Close()
		return nil, contextFirst(ctx, err)
	}
	client := ssh.NewClient(sc, chans, reqs)
	var opts []sftp.ClientOption
	if d.ReadOnce {
		opts = append(opts, sftp.UseConcurrentReads(false), sftp.UseFstat(true))
	}
	fc, err := sftp.NewClient(client, opts...)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("start sftp: %w", contextFirst(ctx, err))
	}
	if !stop() || tcp.SetDeadline(time.Time{}) != nil {
		fc.Close()
		client.Close()
		return nil, contextFirst(ctx, errors.New("connection set-up interrupted"))
	}
	c := &Conn{Addr: rc.Address, ssh: client, sftp: fc}
	_, c.posixRename = fc.HasExtension("posix-rename@openssh.com")
	v, ok := fc.HasExtension("fsync@openssh.com")
	c.fsync = ok && v == "1"
	return c, nil
}

// contextFirst reports ctx's error when ctx ended, since that is why err
// happened.
func contextFirst(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}

// Close ends the session. It may be called more than once.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		err1 := c.sftp.Close()
		err2 := c.ssh.Close()
		for _, err := range []error{err1, err2} {
			if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
				c.closeErr = fmt.Errorf("close connection to %s: %w", c.Addr, err)
				break
			}
		}
	})
	return c.closeErr
}

// replace renames tmp onto name, overwriting name: posix-rename when the
// server offers it, otherwise remove + rename (SFTPv3 RENAME fails on an
// existing target).
func (c *Conn) replace(tmp, name string) error {
	if c.posixRename {
		return c.sftp.PosixRename(tmp, name)
	}
	if err := c.sftp.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return c.sftp.Rename(tmp, name)
}

// authMethods returns the key and password logins rc configures.
func authMethods(rc config.RemoteConfig) ([]ssh.AuthMethod, error) {
	var auth []ssh.AuthMethod
	if rc.PrivateKeyFile != "" {
		pem, err := os.ReadFile(rc.PrivateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("read private key: %w", err)
		}
		signer, err := ssh.ParsePrivateKey(pem)
		if err != nil {
			return nil, fmt.Errorf("private key %s: %w", rc.PrivateKeyFile, err)
		}
		auth = append(auth, ssh.PublicKeys(signer))
	}
	if pw := string(rc.Password); pw != "" {
		if name, unset := rc.Password.EnvVar(); unset { // Resolve found no such variable
			return nil, fmt.Errorf("password: environment variable %s is not set", name)
		}
		// Servers ask for passwords either way.
		auth = append(auth, ssh.Password(pw), ssh.KeyboardInteractive(
			func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	if len(auth) == 0 {
		return nil, errors.New("no private key file or password to log in with")
	}
	return auth, nil
}

// checkHostKey wraps the known_hosts check so that a refusal says which host
// and file, and can be told apart with errors.Is.
func checkHostKey(hostKeys ssh.HostKeyCallback, file string) ssh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := hostKeys(hostname, remote, key)
		if err == nil {
			return nil
		}
		e := &HostKeyError{
			Host:           knownhosts.Normalize(hostname),
			KnownHostsFile: file,
			Offered:        key.Type() + " " + ssh.FingerprintSHA256(key),
		}
		var keyErr *knownhosts.KeyError
		var revoked *knownhosts.RevokedError
		switch {
		case errors.As(err, &keyErr) && len(keyErr.Want) == 0:
			e.Err = ErrHostKeyUnknown
		case errors.As(err, &keyErr):
			e.Err = ErrHostKeyChanged
			for _, k := range keyErr.Want {
				e.Known = append(e.Known, fmt.Sprintf("line %d: %s %s", k.Line, k.Key.Type(), ssh.FingerprintSHA256(k.Key)))
			}
		case errors.As(err, &revoked):
			e.Err = ErrHostKeyChanged
		default:
			return fmt.Errorf("check host key of %s against %s: %w", e.Host, file, err)
		}
		return e
	}
}

// knownAlgorithms returns the host key algorithms of the keys known_hosts
// holds for addr, so the server is asked for a key that can match (otherwise
// it may offer, say, RSA while the file lists its ed25519 key, and a good
// server looks changed). Nil when no key is known: any key is asked for,
// and refused as unknown.
func knownAlgorithms(hostKeys ssh.HostKeyCallback, addr string) []string {
	_, probe, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil
	}
	signer, err := ssh.NewSignerFromKey(probe)
	if err != nil {
		return nil
	}
	var keyErr *knownhosts.KeyError
	if err := hostKeys(addr, &net.TCPAddr{IP: net.IPv4zero}, signer.PublicKey()); !errors.As(err, &keyErr) {
		return nil
	}
	var algos []string
	seen := map[string]bool{}
	for _, k := range keyErr.Want {
		for _, a := range algorithmsForKeyType(k.Key.Type()) {
			if !seen[a] {
				seen[a] = true
				algos = append(algos, a)
			}
		}
	}
	return algos
}

// algorithmsForKeyType lists the signature algorithms a key of this type
// can sign the handshake with.
func algorithmsForKeyType(keyType string) []string {
	switch keyType {
	case ssh.KeyAlgoRSA:
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	case ssh.CertAlgoRSAv01:
		return []string{ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01, ssh.CertAlgoRSAv01}
	default:
		return []string{keyType}
	}
}
