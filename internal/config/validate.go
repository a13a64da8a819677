package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

var (
	// partnerIDPattern is the form of a partner id (also its SFTP user name).
	partnerIDPattern = regexp.MustCompile(`^[a-z0-9-]+$`)
	// jobNamePattern is the form of an outbound job name.
	jobNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	// reasonCodePattern is upper snake case.
	reasonCodePattern = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)
)

// Validate checks the whole configuration and returns every problem found as
// ValidationErrors (nil when there is none), each naming the file, line and
// field path. Call it after Resolve: it reads the key, known_hosts and
// mapping files the configuration names. It fills PartnerSFTP.Keys from
// authorized_keys and authorized_keys_file, the notify SMTP password and
// webhook secrets from their files, and the defaults of http.public_url and
// the SMTP port and TLS mode.
func (c *Config) Validate() error {
	l := &errorList{file: c.source, lines: c.lines}
	c.validateGlobal(l)
	c.validatePartners(l)
	c.validateNotify(l)
	c.validateArchive(l)
	sort.SliceStable(l.errs, func(i, j int) bool { return l.errs[i].Line < l.errs[j].Line })
	return l.err()
}

// validateGlobal checks everything outside partners.
func (c *Config) validateGlobal(l *errorList) {
	if c.DataDir == "" {
		l.add("data_dir", "required: the folder for the database, archive and partner folders")
	} else if fi, err := os.Stat(c.DataDir); err == nil && !fi.IsDir() {
		l.add("data_dir", c.shownPath("data_dir", c.DataDir)+" is not a folder")
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		l.add("log.level", fmt.Sprintf("must be debug, info, warn or error, got %q", c.Log.Level))
	}
	if !slices.Contains([]string{"text", "json"}, c.Log.Format) {
		l.add("log.format", fmt.Sprintf("must be text or json, got %q", c.Log.Format))
	}

	s := &c.SFTP
	if s.Listen != "" {
		if err := checkHostPort(s.Listen, false); err != nil {
			l.add("sftp.listen", err.Error()+` (use "" to disable the SFTP server)`)
		}
		if s.HostKeyFile == "" && c.DataDir != "" {
			l.add("sftp.host_key_file", "required")
		} else if fi, err := os.Stat(s.HostKeyFile); err == nil && fi.IsDir() {
			l.add("sftp.host_key_file", c.shownPath("sftp.host_key_file", s.HostKeyFile)+" is a folder, not a key file")
		}
	}
	positive(l, "sftp.handshake_timeout", s.HandshakeTimeout)
	positive(l, "sftp.stale_upload_after", s.StaleUploadAfter)
	if s.MaxAuthTries < 1 {
		l.add("sftp.max_auth_tries", fmt.Sprintf("must be at least 1, got %d", s.MaxAuthTries))
	}
	if s.MaxSessionsPerPartner < 1 {
		l.add("sftp.max_sessions_per_partner", fmt.Sprintf("must be at least 1, got %d", s.MaxSessionsPerPartner))
	}
	if s.Ban.Threshold < 0 {
		l.add("sftp.ban.threshold", fmt.Sprintf("must be 0 (no bans) or more, got %d", s.Ban.Threshold))
	}
	positive(l, "sftp.ban.window", s.Ban.Window)
	positive(l, "sftp.ban.ban_time", s.Ban.BanTime)
	if s.Ban.MaxBanTime.Duration < s.Ban.BanTime.Duration {
		l.add("sftp.ban.max_ban_time", fmt.Sprintf("must be at least ban_time (%s), got %s", s.Ban.BanTime, s.Ban.MaxBanTime))
	}

	if c.HTTP.Listen != "" {
		if err := checkHostPort(c.HTTP.Listen, false); err != nil {
			l.add("http.listen", err.Error()+` (use "" to disable the web interface)`)
		} else if c.HTTP.Listen == s.Listen && !strings.HasSuffix(s.Listen, ":0") { // port 0: each gets its own
			l.add("http.listen", fmt.Sprintf("%s is also sftp.listen", c.HTTP.Listen))
		}
	}
	positive(l, "shutdown_timeout", c.ShutdownTimeout)

	c.validateValidation(l)
	c.validateHTTP(l)
	c.validateGovernance(l)
	c.validateStore(l)
	if c.Spine.ContainerWindow.Duration <= 0 {
		l.add("spine.container_window", "must be a positive duration such as 60d")
	}

	if len(c.Review.ReasonCodes) == 0 {
		l.add("review.reason_codes", "must list at least one reason code")
	}
	seen := make(map[string]int)
	for i, code := range c.Review.ReasonCodes {
		p := fmt.Sprintf("review.reason_codes[%d]", i)
		if !reasonCodePattern.MatchString(code) {
			l.add(p, fmt.Sprintf("%q is not upper snake case (such as SUPPLIER_ERROR)", code))
		} else if first, dup := seen[code]; dup {
			l.add(p, fmt.Sprintf("duplicate reason code %q (also reason_codes[%d])", code, first))
		} else {
			seen[code] = i
		}
	}
}

// validatePartners checks every partner, and mappings_dir when some partner
// lists mappings.
func (c *Config) validatePartners(l *errorList) {
	var mappings map[string]string // name → file; nil when unknown
	if slices.ContainsFunc(c.Partners, func(p PartnerConfig) bool { return len(p.Mappings) > 0 }) {
		mappings = c.loadMappingNames(l)
	}
	ids := make(map[string]int)
	watched := make(map[string]string) // watch folder → its field path
	for i := range c.Partners {
		p := &c.Partners[i]
		pp := fmt.Sprintf("partners[%d]", i)

		switch {
		case p.ID == "":
			l.add(pp+".id", "required")
		case !partnerIDPattern.MatchString(p.ID):
			l.add(pp+".id", fmt.Sprintf("%q must be lower-case letters, digits and dashes ([a-z0-9-]+)", p.ID))
		default:
			if first, dup := ids[p.ID]; dup {
				l.add(pp+".id", fmt.Sprintf("duplicate partner id %q (also partners[%d])", p.ID, first))
			} else {
				ids[p.ID] = i
			}
		}
		roles := []string{RoleSupplier, RoleBroker, RoleERP, RoleTMS, RoleInternal}
		if !slices.Contains(roles, p.Role) {
			l.add(pp+".role", fmt.Sprintf("must be one of %s, got %q", strings.Join(roles, ", "), p.Role))
		}
		c.validatePartnerSFTP(l, pp+".sftp", &p.SFTP)

		listed := make(map[string]int)
		for j, name := range p.Mappings {
			mp := fmt.Sprintf("%s.mappings[%d]", pp, j)
			if first, dup := listed[name]; dup {
				l.add(mp, fmt.Sprintf("mapping %q is already listed (mappings[%d])", name, first))
				continue
			}
			listed[name] = j
			if name == "" {
				l.add(mp, "empty mapping name")
			} else if _, ok := mappings[name]; !ok && mappings != nil {
				l.add(mp, fmt.Sprintf("unknown mapping %q: no *.yaml or *.yml file in mappings_dir has name: %s", name, name))
			}
		}

		for j := range p.Watch {
			w := &p.Watch[j]
			wp := fmt.Sprintf("%s.watch[%d]", pp, j)
			if w.Path == "" {
				l.add(wp+".path", "required: the local folder to watch")
			} else if other, dup := watched[w.Path]; dup {
				l.add(wp+".path", fmt.Sprintf("folder %s is also watched by %s", c.shownPath(wp+".path", w.Path), other))
			} else {
				watched[w.Path] = wp + ".path"
			}
			checkReady(l, wp+".ready", w.Ready)
			positive(l, wp+".interval", w.Interval)
		}

		if p.Remote != nil {
			c.validateRemote(l, pp+".remote", p.Remote)
		}

		jobs := make(map[string]int)
		for j := range p.Outbound {
			validateOutbound(l, fmt.Sprintf("%s.outbound[%d]", pp, j), &p.Outbound[j], j, jobs)
		}

		if p.Ack != Ack997 && p.Ack != Ack999 {
			l.add(pp+".ack", fmt.Sprintf("must be \"997\" or \"999\", got %q", p.Ack))
		}
		if loc, err := loadTimezone(p.Timezone); err != nil {
			l.add(pp+".timezone", err.Error())
		} else {
			p.loc = loc
		}
		if p.StatusCodes != "" {
			if fi, err := os.Stat(p.StatusCodes); err != nil || fi.IsDir() {
				l.add(pp+".status_codes", fmt.Sprintf("%s: not a readable code table file", c.shownPath(pp+".status_codes", p.StatusCodes)))
			}
		}
	}
}

// loadMappingNames reads the mapping names of mappings_dir, reporting
// problems at mappings_dir. It returns nil when the names are unknown.
func (c *Config) loadMappingNames(l *errorList) map[string]string {
	if c.MappingsDir == "" {
		l.add("mappings_dir", "required when a partner lists mappings")
		return nil
	}
	names, err := mappingNames(c.MappingsDir)
	if err == nil {
		return names
	}
	var multi interface{ Unwrap() []error }
	if errors.As(err, &multi) {
		for _, e := range multi.Unwrap() {
			l.add("mappings_dir", e.Error())
		}
	} else {
		l.add("mappings_dir", c.fileMessage("mappings_dir", err))
	}
	return names
}

// validatePartnerSFTP checks a partner's SFTP credentials and parses its keys.
func (c *Config) validatePartnerSFTP(l *errorList, sp string, s *PartnerSFTP) {
	s.Keys = nil
	for k, line := range s.AuthorizedKeys {
		key, err := parseAuthorizedKey(line)
		if err != nil {
			l.add(fmt.Sprintf("%s.authorized_keys[%d]", sp, k), err.Error())
			continue
		}
		s.Keys = append(s.Keys, key)
	}
	if s.AuthorizedKeysFile != "" {
		fp := sp + ".authorized_keys_file"
		data, err := os.ReadFile(s.AuthorizedKeysFile)
		if err != nil {
			l.add(fp, c.fileMessage(fp, err))
		} else {
			for n, line := range strings.Split(string(data), "\n") {
				line = strings.TrimSpace(line)
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				key, err := parseAuthorizedKey(line)
				if err != nil {
					l.add(fp, fmt.Sprintf("%s line %d: %s", c.writtenPath(fp, s.AuthorizedKeysFile), n+1, err))
					continue
				}
				s.Keys = append(s.Keys, key)
			}
		}
	}

	bp := sp + ".password_bcrypt"
	if name, ok := s.PasswordBcrypt.EnvVar(); ok {
		l.add(bp, fmt.Sprintf("environment variable %s is not set", name))
	} else if s.PasswordBcrypt != "" {
		if _, err := bcrypt.Cost([]byte(s.PasswordBcrypt)); err != nil {
			// Never echo the value: it may be a plain password.
			l.add(bp, "not a bcrypt hash; plain passwords are refused: give a bcrypt hash "+
				"(such as the part after the colon of `htpasswd -nbB USER PASSWORD`) or $ENV_VAR naming a variable that holds one")
		}
	}
}

// parseAuthorizedKey parses one authorized_keys line. Key options (from=,
// command=, cert-authority …) are refused, as the hub would not enforce them.
func parseAuthorizedKey(line string) (ssh.PublicKey, error) {
	key, _, options, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return nil, fmt.Errorf("not an SSH public key in authorized_keys format: %w", err)
	}
	if len(options) > 0 {
		return nil, fmt.Errorf("key options are not supported, remove them: %s", strings.Join(options, ","))
	}
	return key, nil
}

// validateRemote checks a partner's remote SFTP server settings.
func (c *Config) validateRemote(l *errorList, rp string, r *RemoteConfig) {
	if r.Address == "" {
		l.add(rp+".address", "required: the server's host:port")
	} else if err := checkHostPort(r.Address, true); err != nil {
		l.add(rp+".address", err.Error())
	}
	if r.User == "" {
		l.add(rp+".user", "required")
	}

	kp := rp + ".known_hosts_file"
	if r.KnownHostsFile == "" {
		l.add(kp, "required: host keys are never skipped (add the server's key with ssh-keyscan)")
	} else if _, err := knownhosts.New(r.KnownHostsFile); err != nil {
		l.add(kp, c.fileMessage(kp, err))
	}

	pwp := rp + ".password"
	pwUnset := false
	if name, ok := r.Password.EnvVar(); ok {
		l.add(pwp, fmt.Sprintf("environment variable %s is not set", name))
		pwUnset = true
	}
	pkp := rp + ".private_key_file"
	if r.PrivateKeyFile != "" {
		data, err := os.ReadFile(r.PrivateKeyFile)
		if err != nil {
			l.add(pkp, c.fileMessage(pkp, err))
		} else if _, err := ssh.ParsePrivateKey(data); err != nil {
			var missing *ssh.PassphraseMissingError
			if errors.As(err, &missing) {
				l.add(pkp, c.shownPath(pkp, r.PrivateKeyFile)+" is encrypted: give an unencrypted key (protected by file permissions)")
			} else {
				l.add(pkp, fmt.Sprintf("%s: not an SSH private key: %s", c.shownPath(pkp, r.PrivateKeyFile), err))
			}
		}
	} else if r.Password == "" && !pwUnset {
		l.add(rp, "private_key_file or password is required")
	}

	if r.Pull == nil && r.Push == nil {
		l.add(rp, "needs pull, push or both")
	}
	if pl := r.Pull; pl != nil {
		pp := rp + ".pull"
		if pl.Path == "" {
			l.add(pp+".path", "required: the remote folder to fetch from")
		}
		checkSchedule(l, pp+".schedule", pl.Schedule)
		if dir, ok := pl.MoveTo(); ok {
			if !path.IsAbs(dir) {
				l.add(pp+".after", fmt.Sprintf("move: needs an absolute remote folder, such as move:/outgoing/done, got %q", pl.After))
			}
		} else if pl.After != AfterDelete {
			l.add(pp+".after", fmt.Sprintf("must be delete or move:/remote/folder, got %q", pl.After))
		}
		checkReady(l, pp+".ready", pl.Ready)
		if pl.Prefix != "" && (path.IsAbs(pl.Prefix) || path.Clean(pl.Prefix) != pl.Prefix || strings.HasPrefix(pl.Prefix, "..")) {
			l.add(pp+".prefix", fmt.Sprintf("%q must be a clean folder inside the partner's, such as inbox/edi/350", pl.Prefix))
		}
	}
	if r.Push != nil && r.Push.Path == "" {
		l.add(rp+".push.path", "required: the remote folder to deliver to")
	}
}

// validateOutbound checks one outbound job; jobs holds the names seen so far
// for this partner.
func validateOutbound(l *errorList, op string, o *OutboundJob, index int, jobs map[string]int) {
	switch {
	case o.Job == "":
		l.add(op+".job", "required: the job's name")
	case !jobNamePattern.MatchString(o.Job):
		l.add(op+".job", fmt.Sprintf("%q must be letters, digits, '-', '_' and '.'", o.Job))
	default:
		if first, dup := jobs[o.Job]; dup {
			l.add(op+".job", fmt.Sprintf("duplicate job %q (also outbound[%d])", o.Job, first))
		} else {
			jobs[o.Job] = index
		}
	}
	kindOK := slices.Contains([]string{KindStatus, KindDocumentRequests, KindPackets}, o.Kind)
	if !kindOK {
		l.add(op+".kind", fmt.Sprintf("must be status, document_requests or packets, got %q", o.Kind))
	}
	switch {
	case !slices.Contains([]string{FormatCSV, FormatJSONL, FormatXLSX, FormatZIP}, o.Format):
		l.add(op+".format", fmt.Sprintf("must be csv, jsonl, xlsx or zip, got %q", o.Format))
	case kindOK && o.Kind == KindPackets && o.Format != FormatZIP:
		l.add(op+".format", fmt.Sprintf("packets are written as zip, got %q", o.Format))
	case kindOK && o.Kind != KindPackets && o.Format == FormatZIP:
		l.add(op+".format", fmt.Sprintf("zip is for packets; %s is csv, jsonl or xlsx", o.Kind))
	}
	checkSchedule(l, op+".schedule", o.Schedule)
}

// ParseSchedule parses a schedule as the configuration accepts it: a 5-field
// cron expression (minute hour day-of-month month day-of-week, optionally
// prefixed by CRON_TZ=Zone) or a descriptor such as @hourly, @daily or
// "@every 30s" (at least 1s). Schedulers should parse with it so that they
// accept exactly what Validate does.
func ParseSchedule(spec string) (sched cron.Schedule, err error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, errors.New("empty schedule")
	}
	if tz, ok := strings.CutPrefix(spec, "CRON_TZ="); ok && !strings.Contains(tz, " ") {
		return nil, fmt.Errorf("%q has a time zone but no schedule", spec)
	}
	if tz, ok := strings.CutPrefix(spec, "TZ="); ok && !strings.Contains(tz, " ") {
		return nil, fmt.Errorf("%q has a time zone but no schedule", spec)
	}
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		if v, perr := time.ParseDuration(strings.TrimSpace(d)); perr == nil && v < time.Second {
			return nil, fmt.Errorf("@every needs at least 1s, got %s", strings.TrimSpace(d))
		}
	}
	defer func() { // the cron parser has panicked on odd input before
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("invalid schedule %q", spec)
		}
	}()
	p := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	return p.Parse(spec)
}

// checkSchedule reports a missing or invalid schedule at sp.
func checkSchedule(l *errorList, sp, spec string) {
	if spec == "" {
		l.add(sp, `required: a 5-field cron expression such as "*/5 * * * *" or "@every 1m"`)
		return
	}
	if _, err := ParseSchedule(spec); err != nil {
		l.add(sp, fmt.Sprintf("invalid schedule %q: %s; use 5 cron fields (minute hour day-of-month month day-of-week, "+
			"such as \"0 7 * * *\") or a descriptor such as @hourly or \"@every 5m\"", spec, err))
	}
}

// checkReady reports a readiness rule other than stable or done_file.
func checkReady(l *errorList, rp, ready string) {
	if ready != ReadyStable && ready != ReadyDoneFile {
		l.add(rp, fmt.Sprintf("must be stable or done_file, got %q", ready))
	}
}

// positive reports a duration that is not above zero.
func positive(l *errorList, path string, d Duration) {
	if d.Duration <= 0 {
		l.add(path, fmt.Sprintf("must be a positive duration such as 30s, got %s", d))
	}
}

// checkHostPort checks a host:port address with a numeric port; a listen
// address may leave the host empty (all interfaces) and use port 0 (any).
func checkHostPort(addr string, remote bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) {
			return fmt.Errorf("%q is not host:port: %s", addr, ae.Err)
		}
		return fmt.Errorf("%q is not host:port: %w", addr, err)
	}
	if remote && host == "" {
		return fmt.Errorf("%q has no host", addr)
	}
	if strings.ContainsAny(host, " /\\") {
		return fmt.Errorf("%q has an invalid host", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || (remote && n == 0) {
		return fmt.Errorf("%q has an invalid port %q: want a number up to 65535", addr, port)
	}
	return nil
}

// fileMessage describes an error reading a file the configuration names,
// showing the path as written in the file and, if different, where it
// resolved to: "open keys/x.pub: no such file or directory (resolved to …)".
func (c *Config) fileMessage(fieldPath string, err error) string {
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	msg := fmt.Sprintf("%s %s: %s", pe.Op, pe.Path, pe.Err)
	if w, ok := c.written[fieldPath]; ok && w != pe.Path {
		msg = fmt.Sprintf("%s %s: %s (resolved to %s)", pe.Op, w, pe.Err, pe.Path)
	}
	return msg
}

// writtenPath returns a local path as the file wrote it.
func (c *Config) writtenPath(fieldPath, resolved string) string {
	if w, ok := c.written[fieldPath]; ok {
		return w
	}
	return resolved
}

// shownPath returns a local path as the file wrote it, with where it resolved
// to when different.
func (c *Config) shownPath(fieldPath, resolved string) string {
	if w, ok := c.written[fieldPath]; ok && w != resolved {
		return fmt.Sprintf("%s (resolved to %s)", w, resolved)
	}
	return resolved
}

// validateValidation checks the tolerances and triggers of the pre-file checks.
func (c *Config) validateValidation(l *errorList) {
	v := &c.Validation
	if v.QtyTolerancePct < 0 || v.QtyTolerancePct > 100 {
		l.add("validation.qty_tolerance_pct", fmt.Sprintf("must be between 0 and 100, got %g", v.QtyTolerancePct))
	}
	if v.PriceTolerancePct < 0 || v.PriceTolerancePct > 100 {
		l.add("validation.price_tolerance_pct", fmt.Sprintf("must be between 0 and 100, got %g", v.PriceTolerancePct))
	}
	if v.DestinationBasis != "FOB" && v.DestinationBasis != "CIF" {
		l.add("validation.destination_basis", fmt.Sprintf("must be FOB or CIF, got %q", v.DestinationBasis))
	}
	for mode := range v.RequiredDocs {
		if !slices.Contains([]string{"default", "ocean", "air", "truck", "rail"}, mode) {
			l.add("validation.required_docs."+mode, "unknown mode: use default, ocean, air, truck or rail")
		}
	}
	for deduction := range v.ValuationProofDocs {
		if !slices.Contains(valuationDeductions, deduction) {
			l.add("validation.valuation_proof_docs."+deduction, "unknown deduction: use "+strings.Join(valuationDeductions, ", "))
		}
	}
	for chapter := range v.AgencyDocs {
		if len(chapter) != 2 || chapter < "01" || chapter > "97" || strings.Trim(chapter, "0123456789") != "" {
			l.add("validation.agency_docs."+chapter, "keys are two-digit HS chapters such as \"28\"")
		}
	}
}

// minMetricsToken is the shortest http.metrics_token accepted: it opens
// /metrics to any address, so it must not be guessable.
const minMetricsToken = 16

// validateHTTP checks the web workspace's settings.
func (c *Config) validateHTTP(l *errorList) {
	h := &c.HTTP
	if h.SessionIdle.Duration <= 0 {
		l.add("http.session_idle", "must be a positive duration such as 12h")
	}
	if h.MaxUploadMB <= 0 {
		l.add("http.max_upload_mb", fmt.Sprintf("must be a positive number of megabytes, got %d", h.MaxUploadMB))
	}
	if (h.TLSCertFile == "") != (h.TLSKeyFile == "") {
		l.add("http.tls_cert_file", "give both tls_cert_file and tls_key_file, or neither")
	}
	if name, ok := h.MetricsToken.EnvVar(); ok {
		l.add("http.metrics_token", fmt.Sprintf("environment variable %s is not set", name))
	} else if n := len(h.MetricsToken); n > 0 && n < minMetricsToken {
		// Never echo the value.
		l.add("http.metrics_token", fmt.Sprintf("too short (%d characters): use at least %d random characters, e.g. from `openssl rand -hex 24`", n, minMetricsToken))
	}
	for _, f := range []struct{ key, path string }{{"http.tls_cert_file", h.TLSCertFile}, {"http.tls_key_file", h.TLSKeyFile}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			l.add(f.key, c.shownPath(f.key, f.path)+": not a readable file")
		}
	}
}

// validateGovernance checks the data-quality governance settings.
func (c *Config) validateGovernance(l *errorList) {
	g := &c.Governance
	if g.ErrorRateThreshold <= 0 || g.ErrorRateThreshold >= 100 {
		l.add("governance.error_rate_threshold", fmt.Sprintf("must be a percentage between 0 and 100, got %g", g.ErrorRateThreshold))
	}
	for _, d := range []struct {
		key string
		v   Duration
	}{{"governance.window", g.Window}, {"governance.review_due", g.ReviewDue}, {"governance.resolution_sla", g.ResolutionSLA}} {
		if d.v.Duration <= 0 {
			l.add(d.key, "must be a positive duration such as 48h or 7d")
		}
	}
	if g.MappingChanges != "four_eyes" && g.MappingChanges != "direct" {
		l.add("governance.mapping_changes", fmt.Sprintf("must be four_eyes or direct, got %q", g.MappingChanges))
	}
	if g.FinanceThreshold < 0 {
		l.add("governance.finance_threshold", fmt.Sprintf("must not be negative, got %g", g.FinanceThreshold))
	}
	checkSchedule(l, "governance.check", g.Check)
}
