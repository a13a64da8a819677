package sftpd

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"
)

// Account is how a partner logs in: its id is the SSH user name.
type Account struct {
	Partner      string
	Keys         []ssh.PublicKey
	PasswordHash []byte // bcrypt; empty disables password login
}

// allowsKey reports whether key is one of the account's authorized keys.
func (a *Account) allowsKey(key ssh.PublicKey) bool {
	wire := key.Marshal()
	for _, k := range a.Keys {
		if bytes.Equal(k.Marshal(), wire) {
			return true
		}
	}
	return false
}

// LoadOrCreateHostKey reads the ed25519 host key at path, creating it (0600,
// OpenSSH format) on first start so clients see the same key across restarts.
func LoadOrCreateHostKey(path string) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		signer, err := ssh.ParsePrivateKey(data)
		if err != nil {
			return nil, fmt.Errorf("host key %s: %w", path, err)
		}
		return signer, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate host key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "clearway host key")
	if err != nil {
		return nil, fmt.Errorf("marshal host key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return ssh.NewSignerFromKey(priv)
}

// checkPassword compares a password with a bcrypt hash in constant time.
func checkPassword(hash []byte, password []byte) bool {
	return len(hash) > 0 && bcrypt.CompareHashAndPassword(hash, password) == nil
}
