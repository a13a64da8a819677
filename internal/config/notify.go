package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/notify"
)

// NotifyConfig configures notifications (PRODUCT.md §11.5): the channels
// (SMTP, webhooks, the in-app inbox), the rules that turn events into
// notifications, and the escalation ladder.
type NotifyConfig struct {
	// SMTP is the mail server notifications are sent through; nil means no
	// email (in-app inbox and webhooks only).
	SMTP *SMTPConfig `yaml:"smtp"`
	// Webhooks are the endpoints a rule may name as webhook:ID.
	Webhooks []WebhookConfig `yaml:"webhooks"`
	// Rules say which events notify whom.
	Rules []NotifyRule `yaml:"rules"`
	// Escalation is the ladder unacknowledged notifications and undecided
	// reviews climb. Default: after 24h role:compliance, after 48h
	// role:admin, when the key is absent; an explicit empty list means no
	// escalation.
	Escalation []EscalationStep `yaml:"escalation"`
	// Digest is when the daily digests go out: a 5-field cron expression or
	// a descriptor. Default "0 7 * * *".
	Digest string `yaml:"digest"`
	// TemplatesDir, optional, is a folder of mail templates overriding the
	// shipped ones.
	TemplatesDir string `yaml:"templates_dir"`
	// MaxAttempts is how many times a mail or webhook delivery is tried
	// before the notification is marked failed. Default 8.
	MaxAttempts int `yaml:"max_attempts"`
	// RetryBackoff is the wait after a first failed attempt, doubled
	// after each further one up to an hour. Default 30s.
	RetryBackoff Duration `yaml:"retry_backoff"`
}

// SMTP TLS modes (SMTPConfig.TLS).
const (
	// SMTPStartTLS connects in plain text and upgrades with STARTTLS
	// (default port 587). The default.
	SMTPStartTLS = "starttls"
	// SMTPTLS connects over TLS from the start (default port 465).
	SMTPTLS = "tls"
	// SMTPNone never encrypts (default port 25).
	SMTPNone = "none"
)

// smtpDefaultPorts is SMTPConfig.Port's default for each TLS mode.
var smtpDefaultPorts = map[string]int{SMTPStartTLS: 587, SMTPTLS: 465, SMTPNone: 25}

// SMTPConfig is the mail server notifications are sent through.
type SMTPConfig struct {
	// Host is the server's host name. Required.
	Host string `yaml:"host"`
	// Port is the server's port. Default by TLS: 587 for starttls, 465 for
	// tls, 25 for none.
	Port int `yaml:"port"`
	// Username and PasswordFile, both or neither, log in to the server.
	Username     string `yaml:"username"`
	PasswordFile string `yaml:"password_file"`
	// From is the sender address, such as "Clearway <hub@example.com>".
	// Required.
	From string `yaml:"from"`
	// TLS is starttls (default), tls or none.
	TLS string `yaml:"tls"`
	// Password is read from PasswordFile by Validate, trailing newline
	// trimmed.
	Password string `yaml:"-"`
}

// WebhookConfig is an endpoint notifications are posted to as signed JSON.
type WebhookConfig struct {
	// ID names the webhook in rules (webhook:ID): [a-z0-9-]+, unique.
	ID string `yaml:"id"`
	// URL is the absolute http or https URL posted to.
	URL string `yaml:"url"`
	// SecretFile holds the HMAC secret bodies are signed with, at least 16
	// bytes. Required.
	SecretFile string `yaml:"secret_file"`
	// Secret is read from SecretFile by Validate, trailing newline trimmed.
	Secret []byte `yaml:"-"`
}

// NotifyRule says which events notify whom.
type NotifyRule struct {
	// ID names the rule: [a-z0-9-]+, unique.
	ID string `yaml:"id"`
	// When is what the rule matches.
	When NotifyWhen `yaml:"when"`
	// To lists the recipients (notify.ParseRecipient): role:ROLE,
	// partner:ID, webhook:ID, email:ADDR, user:LOGIN, parties:ROLE, sender,
	// other_side. At least one.
	To []string `yaml:"to"`
	// Digest is "" (notify at once) or daily (gathered into the daily
	// digest).
	Digest string `yaml:"digest"`
}

// NotifyWhen is what a rule matches: the event and, optionally, narrower
// conditions, every one of which must hold.
type NotifyWhen struct {
	// Event is the event type (notify.Events). Required.
	Event string `yaml:"event"`
	// CodeList and Codes narrow a status event to a code list and codes.
	CodeList string   `yaml:"code_list"`
	Codes    []string `yaml:"codes"`
	// Rules narrows a finding event to the findings of these rule ids.
	Rules []string `yaml:"rules"`
	// ReviewKinds narrows a review_opened or review_overdue event.
	ReviewKinds []string `yaml:"review_kinds"`
	// Partner is a partner id: the sender or a party of the shipment.
	Partner string `yaml:"partner"`
	// Mode is ocean, air, truck or rail.
	Mode string `yaml:"mode"`
	// Over and Under bound the event's amount (value at risk, valuation
	// change), exclusive.
	Over  *float64 `yaml:"over"`
	Under *float64 `yaml:"under"`
}

// EscalationStep is one rung of the escalation ladder: who is told when a
// notification stays unacknowledged, or a review undecided, this long.
type EscalationStep struct {
	// After is how long since the notification or review. Positive, and
	// increasing down the ladder.
	After Duration `yaml:"after"`
	// To lists the recipients, as in rules (other_side excepted).
	To []string `yaml:"to"`
}

// Defaults of the notify block.
const (
	defaultNotifyDigest      = "0 7 * * *"
	defaultNotifyMaxAttempts = 8
	// minWebhookSecret is the shortest webhook secret accepted, in bytes.
	minWebhookSecret = 16
)

// defaultNotify returns the notify block's defaults.
func defaultNotify() NotifyConfig {
	return NotifyConfig{
		Escalation: []EscalationStep{
			{After: Duration{24 * time.Hour}, To: []string{"role:compliance"}},
			{After: Duration{48 * time.Hour}, To: []string{"role:admin"}},
		},
		Digest:       defaultNotifyDigest,
		MaxAttempts:  defaultNotifyMaxAttempts,
		RetryBackoff: Duration{30 * time.Second},
	}
}

// notifyCodeLists are the built-in code lists a status rule may name; a
// partner's own is "partner:<id>".
var notifyCodeLists = []string{"cargowise", "cbp_disposition", "cbp_disposition_air", "x12_350", "pga", "ace_summary", "manual"}

// transportModes are the modes a rule may name.
var transportModes = []string{"ocean", "air", "truck", "rail"}

// partnerRoles are the roles a partner may have, in the order messages list
// them.
var partnerRoles = []string{RoleSupplier, RoleBroker, RoleERP, RoleTMS, RoleInternal}

// validateNotify checks the notify block and http.public_url, filling
// http.public_url's default, the SMTP port and TLS defaults, the SMTP
// password and the webhook secrets.
func (c *Config) validateNotify(l *errorList) {
	n := &c.Notify
	c.validatePublicURL(l)
	if n.SMTP != nil {
		c.validateSMTP(l, n.SMTP)
	}
	hooks := c.validateWebhooks(l)

	ids := make(map[string]int)
	for i := range n.Rules {
		c.validateNotifyRule(l, fmt.Sprintf("notify.rules[%d]", i), &n.Rules[i], i, ids, hooks)
	}

	for i, s := range n.Escalation {
		sp := fmt.Sprintf("notify.escalation[%d]", i)
		switch {
		case s.After.Duration <= 0:
			l.add(sp+".after", fmt.Sprintf("must be a positive duration such as 24h, got %s", s.After))
		case i > 0 && s.After.Duration <= n.Escalation[i-1].After.Duration:
			l.add(sp+".after", fmt.Sprintf("must be later than the step before (escalation[%d] after %s), got %s",
				i-1, n.Escalation[i-1].After, s.After))
		}
		c.checkRecipients(l, sp+".to", s.To, false, hooks)
	}

	checkSchedule(l, "notify.digest", n.Digest)
	if n.TemplatesDir != "" {
		if fi, err := os.Stat(n.TemplatesDir); err != nil {
			l.add("notify.templates_dir", c.fileMessage("notify.templates_dir", err))
		} else if !fi.IsDir() {
			l.add("notify.templates_dir", c.shownPath("notify.templates_dir", n.TemplatesDir)+" is not a folder")
		}
	}
	if n.RetryBackoff.Duration <= 0 {
		l.add("notify.retry_backoff", fmt.Sprintf("must be positive, got %s", n.RetryBackoff.Duration))
	}
	if n.MaxAttempts < 1 {
		l.add("notify.max_attempts", fmt.Sprintf("must be at least 1, got %d", n.MaxAttempts))
	}
}

// validatePublicURL checks http.public_url, the base of the links in mails,
// and fills its default from http.listen: http://HOST:PORT (https when
// tls_cert_file is set), localhost standing in for an unspecified host. With
// the web interface off and no public_url it stays empty.
func (c *Config) validatePublicURL(l *errorList) {
	h := &c.HTTP
	if h.PublicURL == "" {
		host, port, err := net.SplitHostPort(h.Listen)
		if err != nil { // no web interface, or a bad listen reported as such
			return
		}
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "localhost"
		}
		scheme := "http"
		if h.TLSCertFile != "" {
			scheme = "https"
		}
		h.PublicURL = scheme + "://" + net.JoinHostPort(host, port)
		return
	}
	u, err := url.Parse(h.PublicURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		l.add("http.public_url", fmt.Sprintf("%q must be an absolute http or https URL, such as https://clearway.example.com", h.PublicURL))
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		l.add("http.public_url", fmt.Sprintf("%q must be a base URL, without user, query or fragment", h.PublicURL))
	default:
		h.PublicURL = strings.TrimRight(h.PublicURL, "/")
	}
}

// validateSMTP checks the mail server settings, fills the TLS and port
// defaults and reads the password file.
func (c *Config) validateSMTP(l *errorList, s *SMTPConfig) {
	const sp = "notify.smtp"
	if s.Host == "" {
		l.add(sp+".host", "required: the mail server's host name")
	}
	if s.TLS == "" {
		s.TLS = SMTPStartTLS
	}
	if port, ok := smtpDefaultPorts[s.TLS]; !ok {
		l.add(sp+".tls", fmt.Sprintf("must be starttls, tls or none, got %q", s.TLS))
	} else if s.Port == 0 {
		s.Port = port
	}
	if s.Port < 0 || s.Port > 65535 {
		l.add(sp+".port", fmt.Sprintf("must be a port from 1 to 65535, got %d", s.Port))
	}
	if s.From == "" {
		l.add(sp+".from", `required: the sender address, such as "Clearway <hub@example.com>"`)
	} else if _, err := mail.ParseAddress(s.From); err != nil {
		l.add(sp+".from", fmt.Sprintf("%q is not an email address: %s", s.From, err))
	}
	switch {
	case s.Username != "" && s.PasswordFile == "":
		l.add(sp+".username", "give both username and password_file, or neither")
	case s.Username == "" && s.PasswordFile != "":
		l.add(sp+".password_file", "give both username and password_file, or neither")
	}
	s.Password = ""
	if s.PasswordFile != "" {
		pw, ok := c.readSecretFile(l, sp+".password_file", s.PasswordFile)
		if ok {
			s.Password = string(pw)
		}
	}
}

// validateWebhooks checks the webhooks and reads their secrets. It returns
// the ids of the webhooks with a valid id, for rules to refer to.
func (c *Config) validateWebhooks(l *errorList) map[string]int {
	ids := make(map[string]int)
	for i := range c.Notify.Webhooks {
		w := &c.Notify.Webhooks[i]
		wp := fmt.Sprintf("notify.webhooks[%d]", i)
		checkID(l, wp+".id", "webhook", "webhooks", "the name rules give as webhook:ID", w.ID, i, ids)
		if u, err := url.Parse(w.URL); w.URL == "" {
			l.add(wp+".url", "required: the http or https URL notifications are posted to")
		} else if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			l.add(wp+".url", fmt.Sprintf("%q must be an absolute http or https URL, such as https://erp.example.com/clearway", w.URL))
		}
		w.Secret = nil
		sfp := wp + ".secret_file"
		if w.SecretFile == "" {
			l.add(sfp, "required: a file holding the secret webhook bodies are signed with (e.g. from `openssl rand -hex 32`)")
			continue
		}
		secret, ok := c.readSecretFile(l, sfp, w.SecretFile)
		if !ok {
			continue
		}
		if len(secret) < minWebhookSecret {
			// Never echo the value.
			l.add(sfp, fmt.Sprintf("%s: secret too short (%d bytes): use at least %d random bytes, e.g. from `openssl rand -hex 32`",
				c.writtenPath(sfp, w.SecretFile), len(secret), minWebhookSecret))
			continue
		}
		w.Secret = secret
	}
	return ids
}

// readSecretFile reads a password or secret file, trimming the trailing
// newline. It reports a file that cannot be read or holds nothing.
func (c *Config) readSecretFile(l *errorList, fieldPath, name string) ([]byte, bool) {
	data, err := os.ReadFile(name)
	if err != nil {
		l.add(fieldPath, c.fileMessage(fieldPath, err))
		return nil, false
	}
	data = []byte(strings.TrimRight(string(data), "\r\n"))
	if len(data) == 0 {
		l.add(fieldPath, c.writtenPath(fieldPath, name)+" is empty")
		return nil, false
	}
	return data, true
}

// validateNotifyRule checks one rule; ids holds the rule ids seen so far and
// hooks the webhook ids.
func (c *Config) validateNotifyRule(l *errorList, rp string, r *NotifyRule, index int, ids, hooks map[string]int) {
	checkID(l, rp+".id", "rule", "rules", "the rule's name", r.ID, index, ids)

	w := &r.When
	wp := rp + ".when"
	eventOK := false
	switch {
	case w.Event == "":
		l.add(wp+".event", "required: one of "+strings.Join(notify.Events, ", "))
	case !notify.ValidEvent(w.Event):
		l.add(wp+".event", fmt.Sprintf("unknown event %q (%s)", w.Event, strings.Join(notify.Events, ", ")))
	default:
		eventOK = true
	}
	only := func(key string, given bool, events ...string) {
		if given && eventOK && !slices.Contains(events, w.Event) {
			l.add(wp+"."+key, fmt.Sprintf("%s is only for event %s; this rule is for %s", key, strings.Join(events, " or "), w.Event))
		}
	}
	only("code_list", w.CodeList != "", notify.EventStatus)
	only("codes", len(w.Codes) > 0, notify.EventStatus)
	only("rules", len(w.Rules) > 0, notify.EventFinding)
	only("review_kinds", len(w.ReviewKinds) > 0, notify.EventReviewOpened, notify.EventReviewOverdue)

	if w.CodeList != "" {
		if id, ok := strings.CutPrefix(w.CodeList, "partner:"); ok {
			if _, found := c.Partner(id); !found {
				l.add(wp+".code_list", fmt.Sprintf("%q: %s", w.CodeList, c.unknownPartner(id)))
			}
		} else if !slices.Contains(notifyCodeLists, w.CodeList) {
			l.add(wp+".code_list", fmt.Sprintf("unknown code list %q (%s, or partner:<partner id>)", w.CodeList, strings.Join(notifyCodeLists, ", ")))
		}
	}
	for _, list := range []struct {
		key    string
		values []string
	}{{"codes", w.Codes}, {"rules", w.Rules}, {"review_kinds", w.ReviewKinds}} {
		for j, v := range list.values {
			if strings.TrimSpace(v) == "" {
				l.add(fmt.Sprintf("%s.%s[%d]", wp, list.key, j), "empty value")
			}
		}
	}
	if w.Partner != "" {
		if _, found := c.Partner(w.Partner); !found {
			l.add(wp+".partner", c.unknownPartner(w.Partner))
		}
	}
	if w.Mode != "" && !slices.Contains(transportModes, w.Mode) {
		l.add(wp+".mode", fmt.Sprintf("must be one of %s, got %q", strings.Join(transportModes, ", "), w.Mode))
	}
	if w.Over != nil && w.Under != nil && *w.Over >= *w.Under {
		l.add(wp+".under", fmt.Sprintf("must be above over (%g), got %g", *w.Over, *w.Under))
	}

	if r.Digest != notify.DigestNone && r.Digest != notify.DigestDaily {
		l.add(rp+".digest", fmt.Sprintf("must be daily or left out, got %q", r.Digest))
	}
	c.checkRecipients(l, rp+".to", r.To, w.Event == notify.EventQuestionAsked, hooks)
}

// checkRecipients checks a to: list: each entry's form (notify.ParseRecipient)
// and that the roles, partners and webhooks it names exist. otherSide allows
// other_side (rules of event question_asked).
func (c *Config) checkRecipients(l *errorList, tp string, to []string, otherSide bool, hooks map[string]int) {
	if len(to) == 0 {
		l.add(tp, "needs at least one recipient, such as role:compliance")
		return
	}
	for i, s := range to {
		ip := fmt.Sprintf("%s[%d]", tp, i)
		r, err := notify.ParseRecipient(s)
		if err != nil {
			l.add(ip, err.Error())
			continue
		}
		switch r.Kind {
		case notify.ToRole:
			if !slices.Contains(notify.Roles, r.Value) {
				l.add(ip, fmt.Sprintf("role %q is not a role (%s)", r.Value, strings.Join(notify.Roles, ", ")))
			}
		case notify.ToPartner:
			if _, found := c.Partner(r.Value); !found {
				l.add(ip, c.unknownPartner(r.Value))
			}
		case notify.ToWebhook:
			if _, found := hooks[r.Value]; !found {
				l.add(ip, c.unknownWebhook(r.Value))
			}
		case notify.ToParties:
			if !slices.Contains(partnerRoles, r.Value) {
				l.add(ip, fmt.Sprintf("%q is not a partner role (%s)", r.Value, strings.Join(partnerRoles, ", ")))
			}
		case notify.ToEmail:
			if c.Notify.SMTP == nil {
				l.add(ip, fmt.Sprintf("%s: email recipients need notify.smtp", s))
			}
		case notify.ToOtherSide:
			if !otherSide {
				l.add(ip, "other_side is only for rules of event question_asked")
			}
		}
	}
}

// unknownPartner says id is not a configured partner, listing those that are.
func (c *Config) unknownPartner(id string) string {
	ids := make([]string, 0, len(c.Partners))
	for _, p := range c.Partners {
		ids = append(ids, p.ID)
	}
	if len(ids) == 0 {
		return fmt.Sprintf("unknown partner %q: no partners are configured", id)
	}
	return fmt.Sprintf("unknown partner %q (partners: %s)", id, strings.Join(ids, ", "))
}

// unknownWebhook says id is not a configured webhook, listing those that are.
func (c *Config) unknownWebhook(id string) string {
	ids := make([]string, 0, len(c.Notify.Webhooks))
	for _, w := range c.Notify.Webhooks {
		if w.ID != "" {
			ids = append(ids, w.ID)
		}
	}
	if len(ids) == 0 {
		return fmt.Sprintf("unknown webhook %q: notify.webhooks is empty", id)
	}
	return fmt.Sprintf("unknown webhook %q (webhooks: %s)", id, strings.Join(ids, ", "))
}

// checkID checks the id of the index-th entry of a list (what: "rule",
// list: "rules"): present, [a-z0-9-]+, and unique; ids holds those seen.
func checkID(l *errorList, path, what, list, purpose, id string, index int, ids map[string]int) {
	switch {
	case id == "":
		l.add(path, "required: "+purpose)
	case !partnerIDPattern.MatchString(id):
		l.add(path, fmt.Sprintf("%q must be lower-case letters, digits and dashes ([a-z0-9-]+)", id))
	default:
		if first, dup := ids[id]; dup {
			l.add(path, fmt.Sprintf("duplicate %s id %q (also %s[%d])", what, id, list, first))
		} else {
			ids[id] = index
		}
	}
}
