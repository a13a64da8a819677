package config

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// exampleYAML is PRODUCT.md §4's example, verbatim but for the inline key
// placeholder, which fixture replaces with a real key.
const exampleYAML = `data_dir: ../var                 # SQLite db, archive, partner folders, host keys
log: {level: info, format: text} # format: text | json
sftp:
  listen: 127.0.0.1:2022
  host_key_file: ../var/ssh_host_ed25519_key   # created on first start if missing
http:
  listen: 127.0.0.1:8080
mappings_dir: ../mappings
partners:
  - id: acme                      # [a-z0-9-]+, the SFTP user name
    name: ACME Components Ltd
    role: supplier                # supplier | broker | erp | tms | internal
    sftp:
      authorized_keys: ["ssh-ed25519 AAAA... acme-ops"]   # and/or authorized_keys_file
      password_bcrypt: ""        # optional bcrypt hash; plain passwords are refused
    mappings: [supplier-invoice-xlsx, supplier-packing-csv, supplier-documents]
    watch: []                     # local folders: [{path: /srv/x, ready: stable|done_file}]
    remote: null
    outbound:
      - {job: doc-requests, kind: document_requests, format: csv, schedule: "0 7 * * *"}
  - id: fastclear
    name: FastClear Customs Brokers
    role: broker
    sftp: {authorized_keys_file: keys/fastclear.pub}
    mappings: [broker-status-csv, broker-status-fixed, x12-350]
    remote:                       # the partner's own SFTP server
      address: sftp.fastclear.example:22
      user: importer01
      private_key_file: keys/importer01_ed25519
      known_hosts_file: keys/known_hosts        # required; host keys are never skipped
      pull: {path: /outgoing, schedule: "*/5 * * * *", after: delete, ready: stable}  # after: delete | move:/outgoing/done
      push: {path: /incoming}     # outbound files also go here (temp name + rename)
    outbound:
      - {job: packets, kind: packets, format: zip, schedule: "@every 1m"}
`

// fixture is a temp folder laid out for exampleYAML: config/clearway.yaml,
// config/keys/{fastclear.pub,importer01_ed25519,known_hosts} and mappings/.
type fixture struct {
	root      string // the temp folder
	dir       string // root/config, the configuration's folder
	file      string // root/config/clearway.yaml
	yaml      string // exampleYAML with the real inline key
	acmeKey   ssh.PublicKey
	brokerKey ssh.PublicKey // first key of fastclear.pub
}

// newFixture creates the files exampleYAML needs; the config file itself is
// written by write.
func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := &fixture{root: tb.TempDir()}
	f.dir = filepath.Join(f.root, "config")
	f.file = filepath.Join(f.dir, "clearway.yaml")
	mustMkdir(tb, filepath.Join(f.dir, "keys"))
	mustMkdir(tb, filepath.Join(f.root, "mappings"))

	var acmeLine string
	f.acmeKey, acmeLine = mustPublicKey(tb, "acme-ops")
	f.yaml = strings.Replace(exampleYAML, "ssh-ed25519 AAAA... acme-ops", acmeLine, 1)

	var k1, k2 string
	f.brokerKey, k1 = mustPublicKey(tb, "fastclear-1")
	_, k2 = mustPublicKey(tb, "fastclear-2")
	mustWrite(tb, filepath.Join(f.dir, "keys/fastclear.pub"), "# FastClear ops keys\n"+k1+"\n\n"+k2+"\r\n")

	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "importer01")
	if err != nil {
		tb.Fatal(err)
	}
	mustWrite(tb, filepath.Join(f.dir, "keys/importer01_ed25519"), string(pem.EncodeToMemory(block)))

	hostKey, _ := mustPublicKey(tb, "")
	mustWrite(tb, filepath.Join(f.dir, "keys/known_hosts"),
		knownhosts.Line([]string{"sftp.fastclear.example:22"}, hostKey)+"\n")

	for file, name := range map[string]string{
		"supplier-invoice-xlsx.yaml": "supplier-invoice-xlsx",
		"supplier-packing-csv.yaml":  "supplier-packing-csv",
		"supplier-documents.yml":     "supplier-documents",
		"broker-status-csv.yaml":     "broker-status-csv",
		"broker-status-fixed.yaml":   "broker-status-fixed",
		"x12_350.yaml":               "x12-350",
	} {
		mustWrite(tb, filepath.Join(f.root, "mappings", file),
			"name: "+name+"\ndescription: test mapping\nformat: csv\nrecords: []\n")
	}
	return f
}

// write writes the configuration file.
func (f *fixture) write(tb testing.TB, yaml string) {
	tb.Helper()
	mustWrite(tb, f.file, yaml)
}

// mustPublicKey returns a fresh ed25519 public key and its authorized_keys
// line with the given comment.
func mustPublicKey(tb testing.TB, comment string) (ssh.PublicKey, string) {
	tb.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
	if comment != "" {
		line += " " + comment
	}
	return key, line
}

func mustWrite(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
}

func mustMkdir(tb testing.TB, path string) {
	tb.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		tb.Fatal(err)
	}
}

// noEnv is a getenv with no variables set.
func noEnv(string) (string, bool) { return "", false }

// envOf is a getenv serving vars.
func envOf(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestLoad_Example(t *testing.T) {
	f := newFixture(t)
	f.write(t, f.yaml)
	c, err := Load(f.file, noEnv)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}

	if got, want := c.Path, f.file; got != want {
		t.Errorf("Path = %q, want %q", got, want)
	}
	if got, want := c.DataDir, filepath.Join(f.root, "var"); got != want {
		t.Errorf("DataDir = %q, want %q", got, want)
	}
	if got, want := c.SFTP.HostKeyFile, filepath.Join(f.root, "var", "ssh_host_ed25519_key"); got != want {
		t.Errorf("SFTP.HostKeyFile = %q, want %q", got, want)
	}
	if got, want := c.MappingsDir, filepath.Join(f.root, "mappings"); got != want {
		t.Errorf("MappingsDir = %q, want %q", got, want)
	}
	if got, want := len(c.Partners), 2; got != want {
		t.Fatalf("len(Partners) = %d, want %d", got, want)
	}

	acme, ok := c.Partner("acme")
	if !ok {
		t.Fatal(`Partner("acme") not found`)
	}
	if acme.Name != "ACME Components Ltd" || acme.Role != RoleSupplier || acme.Ack != Ack997 || acme.Remote != nil {
		t.Errorf("acme = %+v", acme)
	}
	if len(acme.SFTP.Keys) != 1 || !bytes.Equal(acme.SFTP.Keys[0].Marshal(), f.acmeKey.Marshal()) {
		t.Errorf("acme keys = %v, want the inline key", acme.SFTP.Keys)
	}
	if got, want := acme.Mappings, []string{"supplier-invoice-xlsx", "supplier-packing-csv", "supplier-documents"}; !reflect.DeepEqual(got, want) {
		t.Errorf("acme mappings = %q, want %q", got, want)
	}
	if got, want := acme.Outbound, []OutboundJob{{Job: "doc-requests", Kind: KindDocumentRequests, Format: FormatCSV, Schedule: "0 7 * * *"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("acme outbound = %+v, want %+v", got, want)
	}

	fc, ok := c.Partner("fastclear")
	if !ok {
		t.Fatal(`Partner("fastclear") not found`)
	}
	if got, want := fc.SFTP.AuthorizedKeysFile, filepath.Join(f.dir, "keys", "fastclear.pub"); got != want {
		t.Errorf("authorized_keys_file = %q, want %q", got, want)
	}
	if len(fc.SFTP.Keys) != 2 || !bytes.Equal(fc.SFTP.Keys[0].Marshal(), f.brokerKey.Marshal()) {
		t.Errorf("fastclear keys = %d keys, want 2 from the file", len(fc.SFTP.Keys))
	}
	r := fc.Remote
	if r == nil {
		t.Fatal("fastclear remote is nil")
	}
	if r.Address != "sftp.fastclear.example:22" || r.User != "importer01" {
		t.Errorf("remote = %+v", r)
	}
	if got, want := r.PrivateKeyFile, filepath.Join(f.dir, "keys", "importer01_ed25519"); got != want {
		t.Errorf("private_key_file = %q, want %q", got, want)
	}
	if got, want := r.KnownHostsFile, filepath.Join(f.dir, "keys", "known_hosts"); got != want {
		t.Errorf("known_hosts_file = %q, want %q", got, want)
	}
	if got, want := *r.Pull, (PullConfig{Path: "/outgoing", Schedule: "*/5 * * * *", After: AfterDelete, Ready: ReadyStable}); got != want {
		t.Errorf("pull = %+v, want %+v", got, want)
	}
	if r.Push == nil || r.Push.Path != "/incoming" {
		t.Errorf("push = %+v, want /incoming", r.Push)
	}
	if got, want := fc.Outbound[0].Schedule, "@every 1m"; got != want {
		t.Errorf("schedule = %q, want %q", got, want)
	}

	if _, ok := c.Partner("nobody"); ok {
		t.Error(`Partner("nobody") found`)
	}
}

func TestParse_Defaults(t *testing.T) {
	c, err := Parse(strings.NewReader(`data_dir: var
partners:
  - id: erp
    role: erp
    watch: [{path: /srv/erp}]
    remote:
      pull: {path: /out}
`), "clearway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.DataDir = "var"
	want.SFTP.HostKeyFile = filepath.Join("var", "ssh_host_ed25519_key")
	if !reflect.DeepEqual(c.Log, want.Log) || !reflect.DeepEqual(c.SFTP, want.SFTP) || !reflect.DeepEqual(c.HTTP, want.HTTP) ||
		!reflect.DeepEqual(c.Review, want.Review) || c.ShutdownTimeout != want.ShutdownTimeout {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
	if got, want := c.SFTP.Ban.MaxBanTime.Duration, 24*time.Hour; got != want {
		t.Errorf("max_ban_time = %s, want %s", got, want)
	}
	p := c.Partners[0]
	if p.Ack != Ack997 {
		t.Errorf("ack = %q, want 997", p.Ack)
	}
	if got, want := p.Watch[0], (WatchConfig{Path: "/srv/erp", Ready: ReadyStable, Interval: Duration{10 * time.Second}}); got != want {
		t.Errorf("watch = %+v, want %+v", got, want)
	}
	if got, want := p.Remote.Pull.Ready, ReadyStable; got != want {
		t.Errorf("pull.ready = %q, want %q", got, want)
	}
}

func TestParse_OverridesDefaults(t *testing.T) {
	c, err := Parse(strings.NewReader(`data_dir: /var/lib/clearway
sftp:
  listen: ""
  handshake_timeout: 1m30s
  ban: {threshold: 3}
http: {listen: ":9090"}
review: {reason_codes: [OTHER]}
shutdown_timeout: 5s
partners:
  - {id: tms, role: tms, ack: 999, watch: [{path: in, ready: done_file, interval: 1m}]}
`), "clearway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.SFTP.Listen != "" || c.SFTP.HandshakeTimeout.Duration != 90*time.Second || c.SFTP.Ban.Threshold != 3 {
		t.Errorf("sftp = %+v", c.SFTP)
	}
	if got, want := c.SFTP.Ban.Window.Duration, 5*time.Minute; got != want {
		t.Errorf("ban.window = %s, want default %s", got, want)
	}
	if c.HTTP.Listen != ":9090" || !reflect.DeepEqual(c.Review.ReasonCodes, []string{"OTHER"}) || c.ShutdownTimeout.Duration != 5*time.Second {
		t.Errorf("config = %+v", c)
	}
	p := c.Partners[0]
	if p.Ack != Ack999 || p.Watch[0].Ready != ReadyDoneFile || p.Watch[0].Interval.Duration != time.Minute {
		t.Errorf("partner = %+v", p)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestParse_Empty(t *testing.T) {
	c, err := Parse(strings.NewReader("# nothing yet\n"), "clearway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.HTTP.Listen, "127.0.0.1:8080"; got != want {
		t.Errorf("http.listen = %q, want %q", got, want)
	}
	err = c.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Path != "data_dir" {
		t.Errorf("Validate = %v, want data_dir required", err)
	}
}

func TestResolve_Paths(t *testing.T) {
	root := t.TempDir()
	c, err := Parse(strings.NewReader(`data_dir: ../var
sftp: {host_key_file: /etc/clearway/host_key}
mappings_dir: maps
partners:
  - id: a
    role: erp
    sftp: {authorized_keys_file: ~/keys.pub}
    watch: [{path: drop/in}, {path: /srv/abs}]
    remote:
      address: h:22
      private_key_file: ./keys/id
      known_hosts_file: keys/../kh
      pull: {path: relative/remote, after: "move:/done"}
`), "clearway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "etc")
	if err := c.Resolve(dir, nil); err != nil {
		t.Fatal(err)
	}
	p := c.Partners[0]
	for _, tt := range []struct{ name, got, want string }{
		{"data_dir", c.DataDir, filepath.Join(root, "var")},
		{"host_key_file (absolute kept)", c.SFTP.HostKeyFile, "/etc/clearway/host_key"},
		{"mappings_dir", c.MappingsDir, filepath.Join(dir, "maps")},
		{"authorized_keys_file (~ not expanded)", p.SFTP.AuthorizedKeysFile, filepath.Join(dir, "~", "keys.pub")},
		{"watch[0]", p.Watch[0].Path, filepath.Join(dir, "drop", "in")},
		{"watch[1] (absolute kept)", p.Watch[1].Path, "/srv/abs"},
		{"private_key_file", p.Remote.PrivateKeyFile, filepath.Join(dir, "keys", "id")},
		{"known_hosts_file", p.Remote.KnownHostsFile, filepath.Join(dir, "kh")},
		{"pull.path (remote, kept)", p.Remote.Pull.Path, "relative/remote"},
		{"pull.after (remote, kept)", p.Remote.Pull.After, "move:/done"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}

	// Resolving again changes nothing.
	before := *c
	if err := c.Resolve(filepath.Join(root, "elsewhere"), nil); err != nil {
		t.Fatal(err)
	}
	if c.DataDir != before.DataDir || c.Partners[0].Watch[0].Path != filepath.Join(dir, "drop", "in") {
		t.Errorf("second Resolve changed paths: data_dir %q", c.DataDir)
	}
}

func TestResolve_DefaultHostKeyFollowsDataDir(t *testing.T) {
	c, err := Parse(strings.NewReader("data_dir: state\n"), "clearway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := c.Resolve(dir, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := c.SFTP.HostKeyFile, filepath.Join(dir, "state", "ssh_host_ed25519_key"); got != want {
		t.Errorf("host_key_file = %q, want %q", got, want)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate (host key and its folder missing is fine): %v", err)
	}
}

func TestLoad_Secrets(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	y := strings.Replace(f.yaml, `password_bcrypt: ""`, `password_bcrypt: $ACME_PW`, 1)
	y = strings.Replace(y, "private_key_file: keys/importer01_ed25519", "password: ${FASTCLEAR_PW}", 1)
	f.write(t, y)

	c, err := Load(f.file, envOf(map[string]string{"ACME_PW": string(hash), "FASTCLEAR_PW": "remote-pw"}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := string(c.Partners[0].SFTP.PasswordBcrypt); got != string(hash) {
		t.Errorf("password_bcrypt = %q, want the hash from $ACME_PW", got)
	}
	if got, want := string(c.Partners[1].Remote.Password), "remote-pw"; got != want {
		t.Errorf("remote.password = %q, want %q", got, want)
	}
	if got := c.Partners[1].Remote.Password.String(); strings.Contains(got, "remote-pw") {
		t.Errorf("Secret.String() = %q, leaks the secret", got)
	}

	// An inline bcrypt hash starts with "$" but is not a variable.
	if _, ok := Secret(hash).EnvVar(); ok {
		t.Errorf("bcrypt hash %q taken for an environment variable", hash)
	}
}

func TestLoad_MissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), noEnv)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not exist", err)
	}
}

func TestValidationError_Error(t *testing.T) {
	for _, tt := range []struct {
		err  ValidationError
		want string
	}{
		{ValidationError{File: "c.yaml", Line: 14, Path: "partners[2].id", Msg: "required"}, "c.yaml:14: partners[2].id: required"},
		{ValidationError{File: "c.yaml", Path: "data_dir", Msg: "required"}, "c.yaml: data_dir: required"},
		{ValidationError{File: "c.yaml", Line: 3, Msg: "invalid YAML"}, "c.yaml:3: invalid YAML"},
		{ValidationError{Path: "data_dir", Msg: "required"}, "data_dir: required"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	errs := ValidationErrors{{Path: "a", Msg: "x"}, {Path: "b", Msg: "y"}}
	if got, want := errs.Error(), "a: x\nb: y"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var ve *ValidationError
	if !errors.As(error(errs), &ve) || ve.Path != "a" {
		t.Errorf("errors.As = %v, want the first error", ve)
	}
}

func TestParseSchedule(t *testing.T) {
	for _, spec := range []string{"0 7 * * *", "*/5 * * * *", "@every 30s", "@every 1m", "@daily", "@hourly", "CRON_TZ=UTC 0 7 * * 1-5"} {
		if _, err := ParseSchedule(spec); err != nil {
			t.Errorf("ParseSchedule(%q) = %v, want ok", spec, err)
		}
	}
	for _, spec := range []string{"", "0 7 * *", "0 0 7 * * *", "61 * * * *", "@every 100ms", "@every soon", "@sometimes", "CRON_TZ=UTC", "TZ=Nowhere/Land 0 7 * * *"} {
		if _, err := ParseSchedule(spec); err == nil {
			t.Errorf("ParseSchedule(%q) ok, want error", spec)
		}
	}
}

func TestMappingNames(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "a.yaml"), "name: alpha\nformat: csv\n")
	mustWrite(t, filepath.Join(dir, "b.yml"), "# comment\nformat: csv\nname: beta\n")
	mustWrite(t, filepath.Join(dir, "codes.yaml"), "- {from: A, to: B}\n") // no name: skipped
	mustWrite(t, filepath.Join(dir, ".hidden.yaml"), "name: hidden\n")
	mustWrite(t, filepath.Join(dir, "notes.txt"), "name: text\n")
	mustMkdir(t, filepath.Join(dir, "sub.yaml"))

	names, err := mappingNames(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"alpha": filepath.Join(dir, "a.yaml"), "beta": filepath.Join(dir, "b.yml")}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("got %v, want %v", names, want)
	}

	mustWrite(t, filepath.Join(dir, "c.yaml"), "name: alpha\n")
	mustWrite(t, filepath.Join(dir, "d.yaml"), "name: [unclosed\n")
	names, err = mappingNames(dir)
	if err == nil || !strings.Contains(err.Error(), `"alpha" is used by both`) || !strings.Contains(err.Error(), "d.yaml:") {
		t.Errorf("err = %v, want duplicate alpha and invalid d.yaml", err)
	}
	if names["beta"] == "" {
		t.Errorf("names = %v, want beta kept alongside the errors", names)
	}

	if _, err := mappingNames(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing dir: err = %v, want not exist", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(exampleYAML)
	f.Add("data_dir: x\npartners: [{id: a, role: erp, remote: {pull: {schedule: '@every 1s'}}}]\n")
	f.Add("a: &x {b: *x}\n")
	f.Add("<<: {data_dir: y}\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Parse(strings.NewReader(in), "fuzz.yaml")
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is not a *ValidationError", err)
			}
			return
		}
		if err := c.Resolve(t.TempDir(), nil); err != nil {
			t.Fatal(err)
		}
		_ = c.Validate() // must not panic
	})
}

func TestPartnerConfig_Location(t *testing.T) {
	tests := []struct {
		name     string
		timezone string // "-": the key left out
		want     string // the zone's name
		offset   int    // seconds east of UTC on 2026-03-21 (after US DST starts)
	}{
		{"Omitted", "-", "UTC", 0},
		{"Empty", `""`, "UTC", 0},
		{"UTC", "UTC", "UTC", 0},
		{"LosAngeles", "America/Los_Angeles", "America/Los_Angeles", -7 * 3600},
		{"Shanghai", "Asia/Shanghai", "Asia/Shanghai", 8 * 3600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := "data_dir: " + t.TempDir() + "\nsftp: {listen: \"\"}\npartners:\n  - id: fastclear\n    role: broker\n"
			if tt.timezone != "-" {
				y += "    timezone: " + tt.timezone + "\n"
			}
			c, err := Parse(strings.NewReader(y), "clearway.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			loc := c.Partners[0].Location()
			if got := loc.String(); got != tt.want {
				t.Errorf("Location() = %s, want %s", got, tt.want)
			}
			// The start of a date-only status time in the partner's zone.
			day := time.Date(2026, 3, 21, 0, 0, 0, 0, loc)
			if _, off := day.Zone(); off != tt.offset {
				t.Errorf("offset on 2026-03-21 = %d, want %d", off, tt.offset)
			}
		})
	}
}

func TestPartnerConfig_LocationWithoutValidate(t *testing.T) {
	for tz, want := range map[string]string{"": "UTC", "Europe/Berlin": "Europe/Berlin", "Nowhere/Else": "UTC", "Local": "UTC"} {
		p := PartnerConfig{ID: "x", Timezone: tz}
		if got := p.Location().String(); got != want {
			t.Errorf("Timezone %q: Location() = %s, want %s", tz, got, want)
		}
	}
}

func TestParse_ValuationProofDocs(t *testing.T) {
	c, err := Parse(strings.NewReader("data_dir: var\nvalidation:\n  valuation_proof_docs:\n    freight: [freight_invoice, carrier_statement]\n    insurance: []\n"), "clearway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"freight": {"freight_invoice", "carrier_statement"}, "insurance": {}}
	if got := c.Validation.ValuationProofDocs; !reflect.DeepEqual(got, want) {
		t.Errorf("valuation_proof_docs = %q, want %q", got, want)
	}
}
