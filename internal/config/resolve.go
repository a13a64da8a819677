package config

import (
	"fmt"
	"path/filepath"
)

// Resolve makes the configuration ready to use after Parse:
//
//   - relative local paths (data_dir, sftp.host_key_file, mappings_dir,
//     authorized_keys_file, private_key_file, known_hosts_file, watch paths,
//     notify.smtp.password_file, notify.webhooks[].secret_file,
//     notify.templates_dir, the archive's key files and temp_dir) become
//     absolute against dir, the folder of the configuration file; absolute
//     paths are kept and "~" is not expanded.
//     Remote paths (pull, push, move:) are left alone.
//   - secrets written as "$NAME" or "${NAME}" (password_bcrypt,
//     remote.password) are replaced by the value getenv gives for NAME; a
//     nil getenv means no variable is set. A secret whose variable is unset
//     is kept as written and reported by Validate.
//
// Resolve may be called again; resolved values do not change.
func (c *Config) Resolve(dir string, getenv func(string) (string, bool)) error {
	base, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("resolve config paths against %s: %w", dir, err)
	}
	if getenv == nil {
		getenv = func(string) (string, bool) { return "", false }
	}
	if c.written == nil {
		c.written = make(map[string]string)
	}
	c.defaultHostKeyFile()

	abs := func(path string, p *string) {
		if *p == "" || filepath.IsAbs(*p) {
			return
		}
		if _, ok := c.written[path]; !ok {
			c.written[path] = *p
		}
		*p = filepath.Join(base, *p)
	}
	secret := func(s *Secret) {
		if name, ok := s.EnvVar(); ok {
			if v, set := getenv(name); set {
				*s = Secret(v)
			}
		}
	}

	abs("data_dir", &c.DataDir)
	abs("sftp.host_key_file", &c.SFTP.HostKeyFile)
	abs("mappings_dir", &c.MappingsDir)
	abs("http.tls_cert_file", &c.HTTP.TLSCertFile)
	abs("http.tls_key_file", &c.HTTP.TLSKeyFile)
	secret(&c.HTTP.MetricsToken)
	secret(&c.Store.DSN)
	for i := range c.Partners {
		p := &c.Partners[i]
		pp := fmt.Sprintf("partners[%d]", i)
		abs(pp+".sftp.authorized_keys_file", &p.SFTP.AuthorizedKeysFile)
		secret(&p.SFTP.PasswordBcrypt)
		abs(pp+".status_codes", &p.StatusCodes)
		for j := range p.Watch {
			abs(fmt.Sprintf("%s.watch[%d].path", pp, j), &p.Watch[j].Path)
		}
		if r := p.Remote; r != nil {
			abs(pp+".remote.private_key_file", &r.PrivateKeyFile)
			abs(pp+".remote.known_hosts_file", &r.KnownHostsFile)
			secret(&r.Password)
		}
	}
	if s := c.Notify.SMTP; s != nil {
		abs("notify.smtp.password_file", &s.PasswordFile)
	}
	for i := range c.Notify.Webhooks {
		abs(fmt.Sprintf("notify.webhooks[%d].secret_file", i), &c.Notify.Webhooks[i].SecretFile)
	}
	abs("notify.templates_dir", &c.Notify.TemplatesDir)
	c.resolveArchive(abs)
	return nil
}
