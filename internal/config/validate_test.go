package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoad_Mistakes loads the PRODUCT.md example with one mistake at a time
// and checks the error names the field path and, where the field is in the
// file, its line.
func TestLoad_Mistakes(t *testing.T) {
	for _, tt := range []struct {
		name  string
		edit  [][2]string                     // replacements applied to the example, in order
		setup func(tb testing.TB, f *fixture) // extra files, or files removed
		env   map[string]string               // environment for secrets
		path  string                          // field path the error names
		line  string                          // text on the error's line, "" when not in the file
		want  []string                        // substrings of the error
		not   []string                        // strings the error must not contain
	}{
		{
			name: "UnknownKeyNested",
			edit: [][2]string{{`password_bcrypt: ""`, `pasword_bcrypt: ""`}},
			path: "partners[0].sftp.pasword_bcrypt", line: "pasword_bcrypt",
			want: []string{"partners[0].sftp.pasword_bcrypt: unknown key", `did you mean "password_bcrypt"`},
		},
		{
			name: "UnknownKeyInFlowMapping",
			edit: [][2]string{{"after: delete, ready: stable}", "after: delete, ready: stable, retries: 3}"}},
			path: "partners[1].remote.pull.retries", line: "retries: 3",
			want: []string{"unknown key (valid keys: after, path, prefix, ready, schedule)"},
		},
		{
			name: "UnknownKeyTopLevel",
			edit: [][2]string{{"mappings_dir: ../mappings", "mappings_dir: ../mappings\nmapping_dir: ../mappings"}},
			path: "mapping_dir", line: "mapping_dir:",
			want: []string{`unknown key (did you mean "mappings_dir"?)`},
		},
		{
			name: "DuplicateKey",
			edit: [][2]string{{"role: broker", "role: broker\n    role: erp"}},
			path: "partners[1].role", line: "role: erp",
			want: []string{"duplicate key (first given at line 23)"},
		},
		{
			name: "WrongType",
			edit: [][2]string{{"listen: 127.0.0.1:2022", "listen: 127.0.0.1:2022\n  max_auth_tries: many"}},
			path: "sftp.max_auth_tries", line: "max_auth_tries",
			want: []string{`expected a whole number, got "many"`},
		},
		{
			name: "ListWhereMappingExpected",
			edit: [][2]string{{"push: {path: /incoming}", "push: [/incoming]"}},
			path: "partners[1].remote.push", line: "push: [/incoming]",
			want: []string{"expected a mapping of keys, got a list"},
		},
		{
			name: "DurationWithoutUnit",
			edit: [][2]string{{"mappings_dir: ../mappings", "mappings_dir: ../mappings\nshutdown_timeout: 30"}},
			path: "shutdown_timeout", line: "shutdown_timeout",
			want: []string{`invalid duration "30"`, "30s"},
		},
		{
			name: "InvalidYAML",
			edit: [][2]string{{"    name: ACME Components Ltd", "    name: ACME: Components"}},
			line: "name: ACME: Components",
			want: []string{"invalid YAML"},
		},
		{
			name: "DuplicateID",
			edit: [][2]string{{"id: fastclear", "id: acme"}},
			path: "partners[1].id", line: "id: acme\n    name: FastClear",
			want: []string{`duplicate partner id "acme" (also partners[0])`},
		},
		{
			name: "BadID",
			edit: [][2]string{{"id: fastclear", "id: Fast_Clear"}},
			path: "partners[1].id", line: "id: Fast_Clear",
			want: []string{`"Fast_Clear" must be lower-case letters`},
		},
		{
			name: "BadRole",
			edit: [][2]string{{"role: supplier", "role: vendor"}},
			path: "partners[0].role", line: "role: vendor",
			want: []string{`must be one of supplier, broker, erp, tms, internal, got "vendor"`},
		},
		{
			name: "MissingKeyFile",
			edit: [][2]string{{"keys/fastclear.pub", "keys/x.pub"}},
			path: "partners[1].sftp.authorized_keys_file", line: "keys/x.pub",
			want: []string{"partners[1].sftp.authorized_keys_file: open keys/x.pub: no such file or directory"},
		},
		{
			name: "BadKeyInFile",
			setup: func(tb testing.TB, f *fixture) {
				mustWrite(tb, filepath.Join(f.dir, "keys/fastclear.pub"), "# ok\nssh-rsa notbase64\n")
			},
			path: "partners[1].sftp.authorized_keys_file", line: "keys/fastclear.pub",
			want: []string{"keys/fastclear.pub", "line 2: not an SSH public key"},
		},
		{
			name: "BadInlineKey",
			edit: [][2]string{{`authorized_keys: ["ssh-ed25519`, `authorized_keys: ["garbage", "ssh-ed25519`}},
			path: "partners[0].sftp.authorized_keys[0]", line: "authorized_keys:",
			want: []string{"not an SSH public key"},
		},
		{
			name: "KeyOptions",
			edit: [][2]string{{`authorized_keys: ["ssh-ed25519`, `authorized_keys: ["from=\"10.0.0.1\" ssh-ed25519`}},
			path: "partners[0].sftp.authorized_keys[0]", line: "authorized_keys:",
			want: []string{`key options are not supported, remove them: from="10.0.0.1"`},
		},
		{
			name: "PlainPassword",
			edit: [][2]string{{`password_bcrypt: ""`, `password_bcrypt: "hunter2"`}},
			path: "partners[0].sftp.password_bcrypt", line: "hunter2",
			want: []string{"not a bcrypt hash", "plain passwords are refused", "htpasswd -nbB"},
			not:  []string{"hunter2"},
		},
		{
			name: "UnsetEnvSecret",
			edit: [][2]string{{`password_bcrypt: ""`, `password_bcrypt: $ACME_PW`}},
			path: "partners[0].sftp.password_bcrypt", line: "$ACME_PW",
			want: []string{"environment variable ACME_PW is not set"},
		},
		{
			name: "UnsetRemotePassword",
			edit: [][2]string{{"private_key_file: keys/importer01_ed25519", "password: ${FC_PW}"}},
			path: "partners[1].remote.password", line: "${FC_PW}",
			want: []string{"environment variable FC_PW is not set"},
		},
		{
			name: "PlainPasswordFromEnv",
			edit: [][2]string{{`password_bcrypt: ""`, `password_bcrypt: $ACME_PW`}},
			env:  map[string]string{"ACME_PW": "letmein"},
			path: "partners[0].sftp.password_bcrypt", line: "$ACME_PW",
			want: []string{"not a bcrypt hash"},
			not:  []string{"letmein"},
		},
		{
			name: "BadCron",
			edit: [][2]string{{`schedule: "0 7 * * *"`, `schedule: "0 7 * *"`}},
			path: "partners[0].outbound[0].schedule", line: "job: doc-requests",
			want: []string{`invalid schedule "0 7 * *"`},
		},
		{
			name: "BadCronRange",
			edit: [][2]string{{`schedule: "*/5 * * * *"`, `schedule: "61 * * * *"`}},
			path: "partners[1].remote.pull.schedule", line: "61 * * * *",
			want: []string{`invalid schedule "61 * * * *"`},
		},
		{
			name: "BadEvery",
			edit: [][2]string{{`"@every 1m"`, `"@every often"`}},
			path: "partners[1].outbound[0].schedule", line: "@every often",
			want: []string{"invalid schedule"},
		},
		{
			name: "UnknownMapping",
			edit: [][2]string{{"supplier-documents]", "supplier-docs]"}},
			path: "partners[0].mappings[2]", line: "supplier-docs",
			want: []string{`unknown mapping "supplier-docs"`},
		},
		{
			name: "MissingMappingsDir",
			setup: func(tb testing.TB, f *fixture) {
				if err := os.RemoveAll(filepath.Join(f.root, "mappings")); err != nil {
					tb.Fatal(err)
				}
			},
			path: "mappings_dir", line: "mappings_dir:",
			want: []string{"mappings_dir: open ../mappings: no such file or directory"},
		},
		{
			name: "BadSFTPListen",
			edit: [][2]string{{"listen: 127.0.0.1:2022", "listen: 127.0.0.1"}},
			path: "sftp.listen", line: "listen: 127.0.0.1\n",
			want: []string{`"127.0.0.1" is not host:port: missing port in address`},
		},
		{
			name: "BadHTTPListen",
			edit: [][2]string{{"listen: 127.0.0.1:8080", "listen: localhost:http"}},
			path: "http.listen", line: "localhost:http",
			want: []string{`invalid port "http"`},
		},
		{
			name: "BadLogLevel",
			edit: [][2]string{{"level: info", "level: verbose"}},
			path: "log.level", line: "level: verbose",
			want: []string{`must be debug, info, warn or error, got "verbose"`},
		},
		{
			name: "MissingDataDir",
			edit: [][2]string{{"data_dir: ../var ", "# no data dir"}},
			path: "data_dir",
			want: []string{"data_dir: required"},
		},
		{
			name: "BadReasonCode",
			edit: [][2]string{{"mappings_dir: ../mappings", "mappings_dir: ../mappings\nreview: {reason_codes: [OTHER, typo_fix]}"}},
			path: "review.reason_codes[1]", line: "typo_fix",
			want: []string{`"typo_fix" is not upper snake case`},
		},
		{
			name: "EmptyReasonCodes",
			edit: [][2]string{{"mappings_dir: ../mappings", "mappings_dir: ../mappings\nreview: {reason_codes: []}"}},
			path: "review.reason_codes", line: "reason_codes",
			want: []string{"at least one reason code"},
		},
		{
			name: "BadDestinationBasis",
			edit: [][2]string{{"mappings_dir: ../mappings", "mappings_dir: ../mappings\nvalidation: {destination_basis: CFR}"}},
			path: "validation.destination_basis", line: "destination_basis",
			want: []string{`must be FOB or CIF, got "CFR"`},
		},
		{
			name: "BadTolerance",
			edit: [][2]string{{"mappings_dir: ../mappings", "mappings_dir: ../mappings\nvalidation: {price_tolerance_pct: -1}"}},
			path: "validation.price_tolerance_pct", line: "price_tolerance_pct",
			want: []string{"must be between 0 and 100, got -1"},
		},
		{
			name: "StatusCodesMissing",
			edit: [][2]string{{"mappings: [broker-status-csv", "status_codes: codes/nope.yaml\n    mappings: [broker-status-csv"}},
			path: "partners[1].status_codes", line: "codes/nope.yaml",
			want: []string{"codes/nope.yaml (resolved to", "not a readable code table file"},
		},
		{
			name: "PullPrefixEscapes",
			edit: [][2]string{{"after: delete", "after: delete, prefix: ../x"}},
			path: "partners[1].remote.pull.prefix", line: "prefix: ../x",
			want: []string{`"../x" must be a clean folder inside the partner's`},
		},
		{
			name: "KnownHostsMissing",
			edit: [][2]string{{"known_hosts_file: keys/known_hosts", "known_hosts_file: keys/kh"}},
			path: "partners[1].remote.known_hosts_file", line: "keys/kh",
			want: []string{"open keys/kh: no such file or directory"},
		},
		{
			name: "KnownHostsRequired",
			edit: [][2]string{{"known_hosts_file: keys/known_hosts", "# no known hosts"}},
			path: "partners[1].remote.known_hosts_file", line: "remote:                       #",
			want: []string{"required: host keys are never skipped"},
		},
		{
			name: "PrivateKeyMissing",
			setup: func(tb testing.TB, f *fixture) {
				if err := os.Remove(filepath.Join(f.dir, "keys/importer01_ed25519")); err != nil {
					tb.Fatal(err)
				}
			},
			path: "partners[1].remote.private_key_file", line: "private_key_file",
			want: []string{"open keys/importer01_ed25519: no such file or directory"},
		},
		{
			name: "NoRemoteCredentials",
			edit: [][2]string{{"private_key_file: keys/importer01_ed25519", "# no key"}},
			path: "partners[1].remote", line: "remote:                       #",
			want: []string{"private_key_file or password is required"},
		},
		{
			name: "BadRemoteAddress",
			edit: [][2]string{{"address: sftp.fastclear.example:22", "address: sftp.fastclear.example"}},
			path: "partners[1].remote.address", line: "address:",
			want: []string{"not host:port"},
		},
		{
			name: "RemoteUserRequired",
			edit: [][2]string{{"user: importer01", "# no user"}},
			path: "partners[1].remote.user", line: "remote:                       #",
			want: []string{"partners[1].remote.user: required"},
		},
		{
			name: "BadAfter",
			edit: [][2]string{{"after: delete", "after: keep"}},
			path: "partners[1].remote.pull.after", line: "after: keep",
			want: []string{`must be delete or move:/remote/folder, got "keep"`},
		},
		{
			name: "RelativeMove",
			edit: [][2]string{{"after: delete", "after: move:done"}},
			path: "partners[1].remote.pull.after", line: "move:done",
			want: []string{"absolute remote folder"},
		},
		{
			name: "PullPathRequired",
			edit: [][2]string{{"pull: {path: /outgoing, ", "pull: {"}},
			path: "partners[1].remote.pull.path", line: "pull:",
			want: []string{"required"},
		},
		{
			name: "BadReady",
			edit: [][2]string{{"ready: stable}", "ready: sometimes}"}},
			path: "partners[1].remote.pull.ready", line: "ready: sometimes",
			want: []string{`must be stable or done_file, got "sometimes"`},
		},
		{
			name: "WatchPathRequired",
			edit: [][2]string{{"watch: []", "watch: [{ready: done_file}]"}},
			path: "partners[0].watch[0].path", line: "watch: [",
			want: []string{"required"},
		},
		{
			name: "DuplicateJob",
			edit: [][2]string{{`      - {job: packets, kind: packets, format: zip, schedule: "@every 1m"}`,
				"      - {job: packets, kind: packets, format: zip, schedule: \"@every 1m\"}\n" +
					"      - {job: packets, kind: status, format: csv, schedule: \"@hourly\"}"}},
			path: "partners[1].outbound[1].job", line: "kind: status",
			want: []string{`duplicate job "packets" (also outbound[0])`},
		},
		{
			name: "BadKind",
			edit: [][2]string{{"kind: document_requests", "kind: invoices"}},
			path: "partners[0].outbound[0].kind", line: "kind: invoices",
			want: []string{`must be status, document_requests or packets, got "invoices"`},
		},
		{
			name: "BadFormat",
			edit: [][2]string{{"format: csv", "format: pdf"}},
			path: "partners[0].outbound[0].format", line: "format: pdf",
			want: []string{`must be csv, jsonl, xlsx or zip, got "pdf"`},
		},
		{
			name: "PacketsNotZip",
			edit: [][2]string{{"kind: packets, format: zip", "kind: packets, format: csv"}},
			path: "partners[1].outbound[0].format", line: "kind: packets, format: csv",
			want: []string{"packets are written as zip"},
		},
		{
			name: "UnknownTimezone",
			edit: [][2]string{{"role: broker", "role: broker\n    timezone: America/Springfield"}},
			path: "partners[1].timezone", line: "timezone: America/Springfield",
			want: []string{`partners[1].timezone: unknown time zone "America/Springfield"`, "IANA name"},
		},
		{
			name: "LocalTimezone",
			edit: [][2]string{{"role: supplier ", "timezone: Local\n    role: supplier "}},
			path: "partners[0].timezone", line: "timezone: Local",
			want: []string{`partners[0].timezone: unknown time zone "Local"`},
		},
		{
			name: "TimezoneNotAString",
			edit: [][2]string{{"role: broker", "role: broker\n    timezone: [UTC]"}},
			path: "partners[1].timezone", line: "timezone: [UTC]",
			want: []string{"partners[1].timezone"},
		},
		{
			name: "UnknownValuationDeduction",
			edit: [][2]string{{"mappings_dir: ../mappings", "mappings_dir: ../mappings\nvalidation:\n  valuation_proof_docs: {fright: [freight_invoice]}"}},
			path: "validation.valuation_proof_docs.fright", line: "valuation_proof_docs: {fright",
			want: []string{"validation.valuation_proof_docs.fright: unknown deduction: use freight, insurance, us_inland_freight, duties_included"},
		},
		{
			name: "BadAck",
			edit: [][2]string{{"role: broker", "role: broker\n    ack: 998"}},
			path: "partners[1].ack", line: "ack: 998",
			want: []string{`must be "997" or "999", got "998"`},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			y := f.yaml
			for _, e := range tt.edit {
				if !strings.Contains(y, e[0]) {
					t.Fatalf("example has no %q to replace", e[0])
				}
				y = strings.Replace(y, e[0], e[1], 1)
			}
			f.write(t, y)
			if tt.setup != nil {
				tt.setup(t, f)
			}

			_, err := Load(f.file, envOf(tt.env))
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			msg := err.Error()
			t.Log(msg)
			for _, want := range tt.want {
				if !strings.Contains(msg, want) {
					t.Errorf("error does not contain %q:\n%s", want, msg)
				}
			}
			for _, not := range tt.not {
				if strings.Contains(msg, not) {
					t.Errorf("error contains %q:\n%s", not, msg)
				}
			}

			var errs ValidationErrors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, want ValidationErrors", err)
			}
			ve := findError(errs, tt.path)
			if ve == nil {
				t.Fatalf("no error at path %q:\n%s", tt.path, msg)
			}
			if ve.File != f.file {
				t.Errorf("File = %q, want %q", ve.File, f.file)
			}
			wantLine := 0
			if tt.line != "" {
				wantLine = lineContaining(t, y, tt.line)
			}
			if ve.Line != wantLine {
				t.Errorf("Line = %d, want %d (%q):\n%s", ve.Line, wantLine, tt.line, msg)
			}
			if wantLine > 0 && !strings.Contains(msg, fmt.Sprintf("%s:%d: %s", f.file, wantLine, tt.path)) {
				t.Errorf("error does not read FILE:LINE: PATH:\n%s", msg)
			}
		})
	}
}

// findError returns the error at path ("" for a file-level error).
func findError(errs ValidationErrors, path string) *ValidationError {
	for _, e := range errs {
		if e.Path == path {
			return e
		}
	}
	return nil
}

// lineContaining returns the 1-based line of the first occurrence of text in
// s; text may span lines.
func lineContaining(tb testing.TB, s, text string) int {
	tb.Helper()
	i := strings.Index(s, text)
	if i < 0 {
		tb.Fatalf("%q not in config", text)
	}
	return strings.Count(s[:i], "\n") + 1
}

func TestValidate_CollectsAll(t *testing.T) {
	f := newFixture(t)
	y := strings.NewReplacer(
		"level: info", "level: loud",
		"role: supplier", "role: vendor",
		`"@every 1m"`, `"every minute"`,
	).Replace(f.yaml)
	f.write(t, y)
	_, err := Load(f.file, noEnv)
	var errs ValidationErrors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v, want ValidationErrors", err)
	}
	var paths []string
	for _, e := range errs {
		paths = append(paths, e.Path)
	}
	want := []string{"log.level", "partners[0].role", "partners[1].outbound[0].schedule"}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("paths = %q, want %q (in file order)", paths, want)
	}
	var first *ValidationError
	if !errors.As(err, &first) || first.Path != "log.level" {
		t.Errorf("errors.As *ValidationError = %v, want the log.level error", first)
	}
}

func TestParse_UnknownKeysEverywhere(t *testing.T) {
	_, err := Parse(strings.NewReader(`data_dir: x
bogus: 1
sftp:
  ban: {thresold: 3}
partners:
  - id: a
    role: erp
    watch: [{path: /x, intervall: 5s}]
    remote: {adress: "h:22", pull: {pth: /o}}
    outbound: [{job: j, knd: status}]
`), "clearway.yaml")
	var errs ValidationErrors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v, want ValidationErrors", err)
	}
	want := []string{
		"clearway.yaml:2: bogus: unknown key",
		"clearway.yaml:4: sftp.ban.thresold: unknown key",
		"clearway.yaml:8: partners[0].watch[0].intervall: unknown key",
		"clearway.yaml:9: partners[0].remote.adress: unknown key",
		"clearway.yaml:9: partners[0].remote.pull.pth: unknown key",
		"clearway.yaml:10: partners[0].outbound[0].knd: unknown key",
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%s", len(errs), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want prefix %q", i, errs[i], w)
		}
	}
}

func TestParse_MergeKeys(t *testing.T) {
	c, err := Parse(strings.NewReader(`data_dir: x
partners:
  - &base {id: a, role: erp, ack: "999"}
  - {<<: *base, id: b}
`), "clearway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Partners[1]; got.ID != "b" || got.Role != RoleERP || got.Ack != Ack999 {
		t.Errorf("merged partner = %+v", got)
	}

	_, err = Parse(strings.NewReader(`data_dir: x
defaults: &d {rol: erp}
`), "clearway.yaml")
	if err == nil || !strings.Contains(err.Error(), "defaults: unknown key") {
		t.Errorf("err = %v, want unknown key defaults", err)
	}
	_, err = Parse(strings.NewReader(`data_dir: x
partners:
  - {<<: {rol: erp}, id: b}
`), "clearway.yaml")
	if err == nil || !strings.Contains(err.Error(), "partners[0].rol: unknown key") {
		t.Errorf("err = %v, want unknown key in merged mapping", err)
	}
}

func TestParse_MultipleDocuments(t *testing.T) {
	_, err := Parse(strings.NewReader("data_dir: a\n---\ndata_dir: b\n"), "clearway.yaml")
	if err == nil || !strings.Contains(err.Error(), "clearway.yaml:2: only one YAML document") {
		t.Errorf("err = %v, want only one document", err)
	}
}

func TestValidate_NoSFTPAccessIsFine(t *testing.T) {
	c, err := Parse(strings.NewReader(`data_dir: /srv/clearway
sftp: {listen: ""}
http: {listen: ""}
partners:
  - {id: erp, role: erp, watch: [{path: /srv/erp/out}]}
`), "clearway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if got := c.Partners[0].SFTP.Keys; len(got) != 0 {
		t.Errorf("keys = %v, want none", got)
	}
}

func TestValidate_DuplicateWatchFolder(t *testing.T) {
	c, err := Parse(strings.NewReader(`data_dir: /srv/clearway
partners:
  - {id: a, role: erp, watch: [{path: /srv/in}]}
  - {id: b, role: tms, watch: [{path: /srv/in}]}
`), "clearway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate()
	if err == nil || !strings.Contains(err.Error(), "clearway.yaml:4: partners[1].watch[0].path: folder /srv/in is also watched by partners[0].watch[0].path") {
		t.Errorf("err = %v, want duplicate watch folder", err)
	}
}

func TestParse_AliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("partners:\n  - &p0 {id: x}\n")
	for i := 1; i < 12; i++ {
		refs := strings.Repeat(fmt.Sprintf("*p%d, ", i-1), 10)
		fmt.Fprintf(&b, "  - &p%d {<<: [%s]}\n", i, strings.TrimSuffix(refs, ", "))
	}
	_, err := Parse(strings.NewReader(b.String()), "clearway.yaml")
	if err == nil || !strings.Contains(err.Error(), "too many alias expansions") {
		t.Errorf("err = %.300v, want too many alias expansions", err)
	}
}
