package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// notifyYAML is PRODUCT.md §11.5's example, but for the password and secret
// files, which live beside the configuration (config/secrets/) so that the
// test can write them.
const notifyYAML = `notify:
  smtp: {host: mail.example.com, port: 587, username: hub, password_file: secrets/smtp.pass,
         from: "Clearway <hub@example.com>", tls: starttls}      # starttls | tls | none
  webhooks:
    - {id: erp-hook, url: "https://erp.example.com/clearway", secret_file: secrets/erp-hook.secret}
  rules:
    - id: declaration-rejected
      when: {event: status, code_list: cargowise, codes: [DCR]}
      to: [role:compliance, partner:fastclear, webhook:erp-hook, "email:trade@example.com"]
    - id: holds
      when: {event: hold_added}
      to: [role:logistics]
  escalation:                       # unacknowledged notifications and undecided reviews climb the ladder
    - {after: 24h, to: [role:compliance]}
    - {after: 48h, to: [role:admin]}
`

// The contents of the files notifyYAML names.
const (
	testSMTPPassword  = "smtp-pass-0123"
	testWebhookSecret = "0123456789abcdef0123456789abcdef"
)

// newNotifyFixture is newFixture with notifyYAML appended to its YAML and
// the SMTP password and webhook secret files written, each with a trailing
// newline.
func newNotifyFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := newFixture(tb)
	f.yaml += notifyYAML
	mustMkdir(tb, filepath.Join(f.dir, "secrets"))
	mustWrite(tb, filepath.Join(f.dir, "secrets", "smtp.pass"), testSMTPPassword+"\n")
	mustWrite(tb, filepath.Join(f.dir, "secrets", "erp-hook.secret"), testWebhookSecret+"\r\n")
	return f
}

// edited applies replacements to y, each once, failing when one is missing.
func edited(tb testing.TB, y string, edits [][2]string) string {
	tb.Helper()
	for _, e := range edits {
		if !strings.Contains(y, e[0]) {
			tb.Fatalf("config has no %q to replace", e[0])
		}
		y = strings.Replace(y, e[0], e[1], 1)
	}
	return y
}

// mustLoadNotify writes y and loads it, failing on an error.
func mustLoadNotify(tb testing.TB, f *fixture, y string) *Config {
	tb.Helper()
	f.write(tb, y)
	c, err := Load(f.file, noEnv)
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return c
}

// mustLoadErrorAt writes y, loads it and returns the whole error message,
// failing unless there is an error at path on the line of text ("" when the
// error names no line) rendered as FILE:LINE: PATH: with every string of
// want in it and none of not.
func mustLoadErrorAt(tb testing.TB, f *fixture, y, path, text string, want, not []string) string {
	tb.Helper()
	f.write(tb, y)
	_, err := Load(f.file, noEnv)
	if err == nil {
		tb.Fatal("Load succeeded, want an error")
	}
	msg := err.Error()
	var errs ValidationErrors
	if !errors.As(err, &errs) {
		tb.Fatalf("error is %T, want ValidationErrors: %v", err, err)
	}
	ve := findError(errs, path)
	if ve == nil {
		tb.Fatalf("no error at path %q:\n%s", path, msg)
	}
	got := ve.Error()
	for _, w := range want {
		if !strings.Contains(got, w) {
			tb.Errorf("error does not contain %q:\n%s", w, got)
		}
	}
	for _, n := range not {
		if strings.Contains(msg, n) {
			tb.Errorf("errors contain %q:\n%s", n, msg)
		}
	}
	wantLine := 0
	if text != "" {
		wantLine = lineContaining(tb, y, text)
	}
	if ve.File != f.file || ve.Line != wantLine {
		tb.Errorf("error at %s:%d, want %s:%d (%q):\n%s", ve.File, ve.Line, f.file, wantLine, text, got)
	}
	if wantLine > 0 && !strings.HasPrefix(got, fmt.Sprintf("%s:%d: %s: ", f.file, wantLine, path)) {
		tb.Errorf("error does not read FILE:LINE: PATH: MSG:\n%s", got)
	}
	return msg
}

// TestLoad_Notify loads PRODUCT.md §11.5's example, less the keys that have
// defaults, and checks what it reads and what the defaults fill in.
func TestLoad_Notify(t *testing.T) {
	f := newNotifyFixture(t)
	y := edited(t, f.yaml, [][2]string{
		{"port: 587, ", ""},
		{", tls: starttls}", "}"},
		{`  escalation:                       # unacknowledged notifications and undecided reviews climb the ladder
    - {after: 24h, to: [role:compliance]}
    - {after: 48h, to: [role:admin]}
`, ""},
	})
	c := mustLoadNotify(t, f, y)
	n := c.Notify

	wantSMTP := &SMTPConfig{Host: "mail.example.com", Port: 587, Username: "hub",
		PasswordFile: filepath.Join(f.dir, "secrets", "smtp.pass"), From: "Clearway <hub@example.com>",
		TLS: SMTPStartTLS, Password: testSMTPPassword}
	if !reflect.DeepEqual(n.SMTP, wantSMTP) {
		t.Errorf("smtp = %+v, want %+v", n.SMTP, wantSMTP)
	}
	wantHooks := []WebhookConfig{{ID: "erp-hook", URL: "https://erp.example.com/clearway",
		SecretFile: filepath.Join(f.dir, "secrets", "erp-hook.secret"), Secret: []byte(testWebhookSecret)}}
	if !reflect.DeepEqual(n.Webhooks, wantHooks) {
		t.Errorf("webhooks = %+v, want %+v", n.Webhooks, wantHooks)
	}
	wantRules := []NotifyRule{
		{ID: "declaration-rejected", When: NotifyWhen{Event: "status", CodeList: "cargowise", Codes: []string{"DCR"}},
			To: []string{"role:compliance", "partner:fastclear", "webhook:erp-hook", "email:trade@example.com"}},
		{ID: "holds", When: NotifyWhen{Event: "hold_added"}, To: []string{"role:logistics"}},
	}
	if !reflect.DeepEqual(n.Rules, wantRules) {
		t.Errorf("rules = %+v, want %+v", n.Rules, wantRules)
	}
	wantLadder := []EscalationStep{
		{After: Duration{24 * time.Hour}, To: []string{"role:compliance"}},
		{After: Duration{48 * time.Hour}, To: []string{"role:admin"}},
	}
	if !reflect.DeepEqual(n.Escalation, wantLadder) {
		t.Errorf("escalation = %+v, want the default %+v", n.Escalation, wantLadder)
	}
	if got, want := n.Digest, "0 7 * * *"; got != want {
		t.Errorf("digest = %q, want %q", got, want)
	}
	if got, want := n.MaxAttempts, 8; got != want {
		t.Errorf("max_attempts = %d, want %d", got, want)
	}
	if n.TemplatesDir != "" {
		t.Errorf("templates_dir = %q, want empty", n.TemplatesDir)
	}
	if got, want := c.HTTP.PublicURL, "http://127.0.0.1:8080"; got != want {
		t.Errorf("http.public_url = %q, want %q", got, want)
	}

	// The example as written, port, tls and escalation given, reads the same.
	c = mustLoadNotify(t, f, f.yaml)
	if !reflect.DeepEqual(c.Notify, n) {
		t.Errorf("example with explicit defaults = %+v, want %+v", c.Notify, n)
	}
}

// TestLoad_NotifyEverything sets every key of the notify block.
func TestLoad_NotifyEverything(t *testing.T) {
	f := newNotifyFixture(t)
	mustMkdir(t, filepath.Join(f.dir, "mail"))
	y := edited(t, f.yaml, [][2]string{
		{"port: 587, ", ""},
		{"tls: starttls}", "tls: tls}"},
		{"  listen: 127.0.0.1:8080\n", "  listen: 127.0.0.1:8080\n  public_url: https://clearway.example.com/hub/\n"},
		{"      to: [role:logistics]\n", `      to: [role:logistics, "parties:broker", sender]
      digest: daily
    - id: valuation-risk
      when: {event: finding, rules: [VALUATION_PROOF_MISSING], partner: acme, mode: ocean, over: 1000, under: 50000}
      to: [role:compliance, user:ana, trade@example.com]
    - id: questions
      when: {event: question_asked}
      to: [other_side]
    - id: overdue
      when: {event: review_overdue, review_kinds: [partner_error_rate]}
      to: [role:admin]
    - id: broker-codes
      when: {event: status, code_list: "partner:fastclear", codes: [X1, X2]}
      to: [partner:acme]
`},
		{`  escalation:                       # unacknowledged notifications and undecided reviews climb the ladder
    - {after: 24h, to: [role:compliance]}
    - {after: 48h, to: [role:admin]}
`, `  escalation: []
  digest: "30 6 * * 1-5"
  templates_dir: mail
  max_attempts: 3
`},
	})
	c := mustLoadNotify(t, f, y)
	n := c.Notify
	if n.SMTP.TLS != SMTPTLS || n.SMTP.Port != 465 {
		t.Errorf("smtp tls, port = %s, %d, want tls, 465", n.SMTP.TLS, n.SMTP.Port)
	}
	if n.Escalation == nil || len(n.Escalation) != 0 {
		t.Errorf("escalation = %#v, want explicitly empty", n.Escalation)
	}
	if n.Digest != "30 6 * * 1-5" || n.MaxAttempts != 3 || n.TemplatesDir != filepath.Join(f.dir, "mail") {
		t.Errorf("digest, max_attempts, templates_dir = %q, %d, %q", n.Digest, n.MaxAttempts, n.TemplatesDir)
	}
	if got, want := c.HTTP.PublicURL, "https://clearway.example.com/hub"; got != want {
		t.Errorf("http.public_url = %q, want %q", got, want)
	}
	if got, want := len(n.Rules), 6; got != want {
		t.Fatalf("len(rules) = %d, want %d", got, want)
	}
	if got := n.Rules[1]; got.Digest != "daily" || !reflect.DeepEqual(got.To, []string{"role:logistics", "parties:broker", "sender"}) {
		t.Errorf("rules[1] = %+v", got)
	}
	over, under := 1000.0, 50000.0
	wantWhen := NotifyWhen{Event: "finding", Rules: []string{"VALUATION_PROOF_MISSING"}, Partner: "acme", Mode: "ocean", Over: &over, Under: &under}
	if got := n.Rules[2].When; !reflect.DeepEqual(got, wantWhen) {
		t.Errorf("rules[2].when = %+v, want %+v", got, wantWhen)
	}
	if got := n.Rules[4].When.ReviewKinds; !reflect.DeepEqual(got, []string{"partner_error_rate"}) {
		t.Errorf("rules[4].when.review_kinds = %q", got)
	}
}

// TestValidate_NotifyDefaults checks the notify block and http.public_url
// when the file gives neither.
func TestValidate_NotifyDefaults(t *testing.T) {
	for _, tt := range []struct {
		name, yaml, publicURL string
		ladder                int
	}{
		{"NoBlock", "data_dir: /srv/clearway\n", "http://127.0.0.1:8080", 2},
		{"NullBlock", "data_dir: /srv/clearway\nnotify:\n", "http://127.0.0.1:8080", 2},
		{"NoEscalation", "data_dir: /srv/clearway\nnotify: {escalation: []}\n", "http://127.0.0.1:8080", 0},
		{"NullEscalation", "data_dir: /srv/clearway\nnotify: {escalation: null}\n", "http://127.0.0.1:8080", 0},
		{"AnyHost", "data_dir: /srv/clearway\nhttp: {listen: \":9090\"}\n", "http://localhost:9090", 2},
		{"IPv6", "data_dir: /srv/clearway\nhttp: {listen: \"[::1]:8443\"}\n", "http://[::1]:8443", 2},
		{"WebOff", "data_dir: /srv/clearway\nhttp: {listen: \"\"}\n", "", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tt.yaml), "clearway.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if got := c.HTTP.PublicURL; got != tt.publicURL {
				t.Errorf("http.public_url = %q, want %q", got, tt.publicURL)
			}
			if got := len(c.Notify.Escalation); got != tt.ladder {
				t.Errorf("len(escalation) = %d, want %d", got, tt.ladder)
			}
			if c.Notify.SMTP != nil || c.Notify.Digest != "0 7 * * *" || c.Notify.MaxAttempts != 8 {
				t.Errorf("notify = %+v, want no smtp, the default digest and 8 attempts", c.Notify)
			}
		})
	}
}

// TestNotifyBadRoleNamesLine is the must-work: a rule sending to a
// role that does not exist fails the check naming its line.
func TestNotifyBadRoleNamesLine(t *testing.T) {
	f := newNotifyFixture(t)
	y := edited(t, f.yaml, [][2]string{{"to: [role:logistics]", "to: [role:nobody]"}})
	mustLoadErrorAt(t, f, y, "notify.rules[1].to[0]", "role:nobody",
		[]string{`notify.rules[1].to[0]: role "nobody" is not a role (admin, compliance, logistics, viewer, broker, supplier)`}, nil)
}

// TestLoad_NotifyMistakes loads the §4 and §11.5 examples with one mistake
// at a time in the notify block and checks the error names the field path
// and its line.
func TestLoad_NotifyMistakes(t *testing.T) {
	for _, tt := range []struct {
		name  string
		edit  [][2]string
		setup func(tb testing.TB, f *fixture)
		path  string   // field path the error names
		line  string   // text on the error's line
		want  []string // substrings of the error
		not   []string // strings no error may contain
	}{
		{
			name: "UnknownEvent",
			edit: [][2]string{{"{event: hold_added}", "{event: hold_placed}"}},
			path: "notify.rules[1].when.event", line: "hold_placed",
			want: []string{`unknown event "hold_placed" (status, hold_added,`},
		},
		{
			name: "EventRequired",
			edit: [][2]string{{"{event: hold_added}", "{mode: air}"}},
			path: "notify.rules[1].when.event", line: "when: {mode: air}",
			want: []string{"required: one of status, hold_added"},
		},
		{
			name: "UnknownKeyInWhen",
			edit: [][2]string{{"{event: hold_added}", "{evnt: hold_added}"}},
			path: "notify.rules[1].when.evnt", line: "evnt",
			want: []string{`unknown key (did you mean "event"?)`},
		},
		{
			name: "UnknownWebhook",
			edit: [][2]string{{"webhook:erp-hook", "webhook:crm-hook"}},
			path: "notify.rules[0].to[2]", line: "webhook:crm-hook",
			want: []string{`unknown webhook "crm-hook" (webhooks: erp-hook)`},
		},
		{
			name: "UnknownPartner",
			edit: [][2]string{{"partner:fastclear,", "partner:fastcleer,"}},
			path: "notify.rules[0].to[1]", line: "partner:fastcleer",
			want: []string{`unknown partner "fastcleer" (partners: acme, fastclear)`},
		},
		{
			name: "UnknownWhenPartner",
			edit: [][2]string{{"{event: hold_added}", "{event: hold_added, partner: nobody}"}},
			path: "notify.rules[1].when.partner", line: "partner: nobody",
			want: []string{`unknown partner "nobody"`},
		},
		{
			name: "BadEscalationDuration",
			edit: [][2]string{{"{after: 24h,", "{after: 1x,"}},
			path: "notify.escalation[0].after", line: "after: 1x",
			want: []string{`invalid duration "1x"`},
		},
		{
			name: "ZeroEscalation",
			edit: [][2]string{{"{after: 24h,", "{after: 0,"}},
			path: "notify.escalation[0].after", line: "after: 0",
			want: []string{"must be a positive duration"},
		},
		{
			name: "DecreasingEscalation",
			edit: [][2]string{{"{after: 48h,", "{after: 12h,"}},
			path: "notify.escalation[1].after", line: "after: 12h",
			want: []string{"must be later than the step before (escalation[0] after 24h0m0s), got 12h0m0s"},
		},
		{
			name: "EqualEscalation",
			edit: [][2]string{{"{after: 48h,", "{after: 1d,"}},
			path: "notify.escalation[1].after", line: "after: 1d",
			want: []string{"must be later than the step before"},
		},
		{
			name: "EscalationBadRole",
			edit: [][2]string{{"to: [role:admin]", "to: [role:root]"}},
			path: "notify.escalation[1].to[0]", line: "role:root",
			want: []string{`role "root" is not a role`},
		},
		{
			name: "OtherSideInEscalation",
			edit: [][2]string{{"to: [role:admin]", "to: [role:admin, other_side]"}},
			path: "notify.escalation[1].to[1]", line: "other_side",
			want: []string{"other_side is only for rules of event question_asked"},
		},
		{
			name: "OtherSideOutsideQuestionAsked",
			edit: [][2]string{{"to: [role:logistics]", "to: [role:logistics, other_side]"}},
			path: "notify.rules[1].to[1]", line: "other_side",
			want: []string{"other_side is only for rules of event question_asked"},
		},
		{
			name: "CodesWithNonStatusEvent",
			edit: [][2]string{{"{event: hold_added}", "{event: hold_added, codes: [H1]}"}},
			path: "notify.rules[1].when.codes", line: "codes: [H1]",
			want: []string{"codes is only for event status; this rule is for hold_added"},
		},
		{
			name: "CodeListWithNonStatusEvent",
			edit: [][2]string{{"{event: hold_added}", "{event: hold_added, code_list: cargowise}"}},
			path: "notify.rules[1].when.code_list", line: "hold_added, code_list",
			want: []string{"code_list is only for event status"},
		},
		{
			name: "RulesWithNonFindingEvent",
			edit: [][2]string{{"{event: hold_added}", "{event: hold_added, rules: [QTY_OVER_PO]}"}},
			path: "notify.rules[1].when.rules", line: "QTY_OVER_PO",
			want: []string{"rules is only for event finding"},
		},
		{
			name: "ReviewKindsWithOtherEvent",
			edit: [][2]string{{"{event: hold_added}", "{event: hold_added, review_kinds: [partner_error_rate]}"}},
			path: "notify.rules[1].when.review_kinds", line: "review_kinds",
			want: []string{"review_kinds is only for event review_opened or review_overdue"},
		},
		{
			name: "UnknownCodeList",
			edit: [][2]string{{"code_list: cargowise", "code_list: cargowize"}},
			path: "notify.rules[0].when.code_list", line: "cargowize",
			want: []string{`unknown code list "cargowize" (cargowise, cbp_disposition, cbp_disposition_air, x12_350, pga, ace_summary, manual, or partner:<partner id>)`},
		},
		{
			name: "UnknownPartnerCodeList",
			edit: [][2]string{{"code_list: cargowise", `code_list: "partner:nobody"`}},
			path: "notify.rules[0].when.code_list", line: "partner:nobody",
			want: []string{`"partner:nobody": unknown partner "nobody"`},
		},
		{
			name: "BadMode",
			edit: [][2]string{{"{event: hold_added}", "{event: hold_added, mode: sea}"}},
			path: "notify.rules[1].when.mode", line: "mode: sea",
			want: []string{`must be one of ocean, air, truck, rail, got "sea"`},
		},
		{
			name: "OverNotBelowUnder",
			edit: [][2]string{{"{event: hold_added}", "{event: hold_added, over: 100, under: 10}"}},
			path: "notify.rules[1].when.under", line: "under: 10",
			want: []string{"must be above over (100), got 10"},
		},
		{
			name: "DuplicateRuleID",
			edit: [][2]string{{"id: holds", "id: declaration-rejected"}},
			path: "notify.rules[1].id", line: "id: declaration-rejected\n      when: {event: hold_added}",
			want: []string{`duplicate rule id "declaration-rejected" (also rules[0])`},
		},
		{
			name: "BadRuleID",
			edit: [][2]string{{"id: holds", "id: Holds_1"}},
			path: "notify.rules[1].id", line: "Holds_1",
			want: []string{`"Holds_1" must be lower-case letters, digits and dashes`},
		},
		{
			name: "RuleDigestWeekly",
			edit: [][2]string{{"to: [role:logistics]\n", "to: [role:logistics]\n      digest: weekly\n"}},
			path: "notify.rules[1].digest", line: "digest: weekly",
			want: []string{`must be daily or left out, got "weekly"`},
		},
		{
			name: "EmptyTo",
			edit: [][2]string{{"to: [role:logistics]", "to: []"}},
			path: "notify.rules[1].to", line: "to: []",
			want: []string{"needs at least one recipient"},
		},
		{
			name: "RecipientWithoutKind",
			edit: [][2]string{{"to: [role:logistics]", "to: [logistics]"}},
			path: "notify.rules[1].to[0]", line: "to: [logistics]",
			want: []string{`recipient "logistics": write kind:value`},
		},
		{
			name: "UnknownRecipientKind",
			edit: [][2]string{{"to: [role:logistics]", "to: [group:ops]"}},
			path: "notify.rules[1].to[0]", line: "group:ops",
			want: []string{`unknown kind "group"`},
		},
		{
			name: "BadPartiesRole",
			edit: [][2]string{{"to: [role:logistics]", "to: [parties:shipper]"}},
			path: "notify.rules[1].to[0]", line: "parties:shipper",
			want: []string{`"shipper" is not a partner role (supplier, broker, erp, tms, internal)`},
		},
		{
			name: "EmailWithoutSMTP",
			edit: [][2]string{{`  smtp: {host: mail.example.com, port: 587, username: hub, password_file: secrets/smtp.pass,
         from: "Clearway <hub@example.com>", tls: starttls}      # starttls | tls | none
`, ""}},
			path: "notify.rules[0].to[3]", line: "email:trade@example.com",
			want: []string{"email recipients need notify.smtp"},
		},
		{
			name: "DuplicateWebhookID",
			edit: [][2]string{{"    - {id: erp-hook,", "    - {id: erp-hook, url: \"https://a.example\", secret_file: secrets/erp-hook.secret}\n    - {id: erp-hook,"}},
			path: "notify.webhooks[1].id", line: "- {id: erp-hook, url: \"https://erp",
			want: []string{`duplicate webhook id "erp-hook" (also webhooks[0])`},
		},
		{
			name: "BadWebhookURL",
			edit: [][2]string{{`url: "https://erp.example.com/clearway"`, `url: "erp.example.com/clearway"`}},
			path: "notify.webhooks[0].url", line: "url:",
			want: []string{`"erp.example.com/clearway" must be an absolute http or https URL`},
		},
		{
			name: "SecretFileMissing",
			setup: func(tb testing.TB, f *fixture) {
				if err := os.Remove(filepath.Join(f.dir, "secrets", "erp-hook.secret")); err != nil {
					tb.Fatal(err)
				}
			},
			path: "notify.webhooks[0].secret_file", line: "secret_file:",
			want: []string{"open secrets/erp-hook.secret: no such file or directory (resolved to "},
		},
		{
			name: "SecretFileRequired",
			edit: [][2]string{{", secret_file: secrets/erp-hook.secret}", "}"}},
			path: "notify.webhooks[0].secret_file", line: "- {id: erp-hook",
			want: []string{"required: a file holding the secret"},
		},
		{
			name: "SecretTooShort",
			setup: func(tb testing.TB, f *fixture) {
				mustWrite(tb, filepath.Join(f.dir, "secrets", "erp-hook.secret"), "abc123\n")
			},
			path: "notify.webhooks[0].secret_file", line: "secret_file:",
			want: []string{"secrets/erp-hook.secret: secret too short (6 bytes): use at least 16"},
			not:  []string{"abc123"},
		},
		{
			name: "SecretEmpty",
			setup: func(tb testing.TB, f *fixture) {
				mustWrite(tb, filepath.Join(f.dir, "secrets", "erp-hook.secret"), "\n")
			},
			path: "notify.webhooks[0].secret_file", line: "secret_file:",
			want: []string{"secrets/erp-hook.secret is empty"},
		},
		{
			name: "BadFromAddress",
			edit: [][2]string{{`from: "Clearway <hub@example.com>"`, `from: "Clearway hub at example.com"`}},
			path: "notify.smtp.from", line: "from:",
			want: []string{`"Clearway hub at example.com" is not an email address`},
		},
		{
			name: "SMTPHostRequired",
			edit: [][2]string{{"host: mail.example.com, ", ""}},
			path: "notify.smtp.host", line: "smtp:",
			want: []string{"required: the mail server's host name"},
		},
		{
			name: "BadTLS",
			edit: [][2]string{{"tls: starttls}", "tls: ssl}"}},
			path: "notify.smtp.tls", line: "tls: ssl",
			want: []string{`must be starttls, tls or none, got "ssl"`},
		},
		{
			name: "BadPort",
			edit: [][2]string{{"port: 587", "port: 70000"}},
			path: "notify.smtp.port", line: "port: 70000",
			want: []string{"must be a port from 1 to 65535, got 70000"},
		},
		{
			name: "UsernameWithoutPasswordFile",
			edit: [][2]string{{" password_file: secrets/smtp.pass,", ""}},
			path: "notify.smtp.username", line: "username: hub",
			want: []string{"give both username and password_file, or neither"},
		},
		{
			name: "PasswordFileWithoutUsername",
			edit: [][2]string{{" username: hub,", ""}},
			path: "notify.smtp.password_file", line: "password_file:",
			want: []string{"give both username and password_file, or neither"},
		},
		{
			name: "PasswordFileMissing",
			setup: func(tb testing.TB, f *fixture) {
				if err := os.Remove(filepath.Join(f.dir, "secrets", "smtp.pass")); err != nil {
					tb.Fatal(err)
				}
			},
			path: "notify.smtp.password_file", line: "password_file:",
			want: []string{"open secrets/smtp.pass: no such file or directory"},
		},
		{
			name: "BadDigest",
			edit: [][2]string{{"  rules:\n", "  digest: \"0 7 * *\"\n  rules:\n"}},
			path: "notify.digest", line: "digest:",
			want: []string{`invalid schedule "0 7 * *"`},
		},
		{
			name: "TemplatesDirMissing",
			edit: [][2]string{{"  rules:\n", "  templates_dir: mail-templates\n  rules:\n"}},
			path: "notify.templates_dir", line: "templates_dir:",
			want: []string{"mail-templates: no such file or directory (resolved to "},
		},
		{
			name: "TemplatesDirIsFile",
			edit: [][2]string{{"  rules:\n", "  templates_dir: secrets/smtp.pass\n  rules:\n"}},
			path: "notify.templates_dir", line: "templates_dir:",
			want: []string{"secrets/smtp.pass (resolved to", "is not a folder"},
		},
		{
			name: "MaxAttemptsZero",
			edit: [][2]string{{"  rules:\n", "  max_attempts: 0\n  rules:\n"}},
			path: "notify.max_attempts", line: "max_attempts:",
			want: []string{"must be at least 1, got 0"},
		},
		{
			name: "PublicURLNotAbsolute",
			edit: [][2]string{{"  listen: 127.0.0.1:8080\n", "  listen: 127.0.0.1:8080\n  public_url: clearway.example.com\n"}},
			path: "http.public_url", line: "public_url:",
			want: []string{`"clearway.example.com" must be an absolute http or https URL`},
		},
		{
			name: "PublicURLNotHTTP",
			edit: [][2]string{{"  listen: 127.0.0.1:8080\n", "  listen: 127.0.0.1:8080\n  public_url: ftp://clearway.example.com\n"}},
			path: "http.public_url", line: "public_url:",
			want: []string{"must be an absolute http or https URL"},
		},
		{
			name: "PublicURLWithQuery",
			edit: [][2]string{{"  listen: 127.0.0.1:8080\n", "  listen: 127.0.0.1:8080\n  public_url: https://clearway.example.com/?x=1\n"}},
			path: "http.public_url", line: "public_url:",
			want: []string{"must be a base URL, without user, query or fragment"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newNotifyFixture(t)
			y := edited(t, f.yaml, tt.edit)
			if tt.setup != nil {
				tt.setup(t, f)
			}
			msg := mustLoadErrorAt(t, f, y, tt.path, tt.line, tt.want, tt.not)
			t.Log(msg)
		})
	}
}
