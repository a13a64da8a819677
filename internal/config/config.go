// Package config reads, resolves and validates Clearway's YAML configuration
// (config/clearway.yaml, PRODUCT.md §4).
//
// The life of a configuration is DefaultConfig → Parse → Resolve → Validate;
// Load does all four for a file on disk. Parse is strict: an unknown key
// anywhere in the tree is refused with its field path and line. Every error
// users see is a *ValidationError rendered as "FILE:LINE: PATH: MSG", and
// Validate reports all problems at once as ValidationErrors.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"gopkg.in/yaml.v3"
)

// Partner roles (PartnerConfig.Role).
const (
	RoleSupplier = "supplier"
	RoleBroker   = "broker"
	RoleERP      = "erp"
	RoleTMS      = "tms"
	RoleInternal = "internal"
)

// Readiness rules for watched folders and remote pulls (WatchConfig.Ready,
// PullConfig.Ready).
const (
	// ReadyStable takes a file once its size and mtime are unchanged across
	// two looks.
	ReadyStable = "stable"
	// ReadyDoneFile takes a file x once x.done exists.
	ReadyDoneFile = "done_file"
)

// Outbound job kinds (OutboundJob.Kind).
const (
	KindStatus           = "status"
	KindDocumentRequests = "document_requests"
	KindPackets          = "packets"
)

// Outbound file formats (OutboundJob.Format).
const (
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
	FormatXLSX  = "xlsx"
	FormatZIP   = "zip"
)

// X12 acknowledgement types (PartnerConfig.Ack).
const (
	Ack997 = "997"
	Ack999 = "999"
)

// AfterDelete is the PullConfig.After value that deletes a pulled file from
// the partner's server; AfterMovePrefix followed by an absolute remote folder
// moves it there instead.
const (
	AfterDelete     = "delete"
	AfterMovePrefix = "move:"
)

// Config is the whole daemon configuration. Its yaml tags are the key names of
// the configuration contract (PRODUCT.md §4).
type Config struct {
	// Path is the absolute path of the file read; set by Load.
	Path string `yaml:"-"`

	// DataDir holds the SQLite database, the archive, partner folders and
	// host keys. Required.
	DataDir string `yaml:"data_dir"`
	// Log configures the daemon's logger.
	Log LogConfig `yaml:"log"`
	// SFTP configures the embedded SFTP server.
	SFTP SFTPConfig `yaml:"sftp"`
	// HTTP configures the web interface.
	HTTP HTTPConfig `yaml:"http"`
	// MappingsDir is the folder of mapping YAML files. Required only when a
	// partner lists mappings.
	MappingsDir string `yaml:"mappings_dir"`
	// Review configures the human review queue.
	Review ReviewConfig `yaml:"review"`
	// Validation holds the tolerances and triggers of the pre-file checks.
	Validation ValidationConfig `yaml:"validation"`
	// Spine configures how weak identifiers link records to shipments.
	Spine SpineConfig `yaml:"spine"`
	// Governance configures the partners' data-quality reviews.
	Governance GovernanceConfig `yaml:"governance"`
	// Notify configures notifications (PRODUCT.md §11.5).
	Notify NotifyConfig `yaml:"notify"`
	// Store is where the canonical store lives (store.go).
	Store StoreConfig `yaml:"store"`
	// Retention says how long originals are kept (retention.go).
	Retention RetentionConfig `yaml:"retention"`
	// Archive says where originals are kept: local or S3 (archive.go).
	Archive ArchiveConfig `yaml:"archive"`
	// ShutdownTimeout bounds how long the daemon lets transfers and ingests
	// finish after a stop signal. Default 30s.
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
	// Partners lists everyone who exchanges files with the hub.
	Partners []PartnerConfig `yaml:"partners"`

	source  string            // file name used in error messages (as given to Parse)
	lines   map[string]int    // field path → line in source
	written map[string]string // field path → path as written, for paths Resolve changed
}

// LogConfig configures logging.
type LogConfig struct {
	// Level is debug, info, warn or error. Default info.
	Level string `yaml:"level"`
	// Format is text or json. Default text.
	Format string `yaml:"format"`
}

// HTTPConfig configures the web interface.
type HTTPConfig struct {
	// Listen is the host:port to serve on. Default 127.0.0.1:8080; "" disables
	// the web interface.
	Listen string `yaml:"listen"`
	// SessionIdle ends a web session unused this long. Default 12h.
	SessionIdle Duration `yaml:"session_idle"`
	// TLSCertFile and TLSKeyFile, both set, serve HTTPS.
	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`
	// MaxUploadMB bounds a document uploaded through the web or the API
	// (413 beyond it). Default 100.
	MaxUploadMB int `yaml:"max_upload_mb"`
	// MetricsToken, when set (inline or "$ENV_VAR"), opens GET /metrics to
	// requests from any address that send "Authorization: Bearer <token>";
	// without it /metrics answers loopback only.
	MetricsToken Secret `yaml:"metrics_token"`
	// PublicURL is the base URL links in mails point to, such as
	// https://clearway.example.com: an absolute http or https URL. Default
	// http://<listen> (https with tls_cert_file, localhost for an
	// unspecified host), filled in by Validate.
	PublicURL string `yaml:"public_url"`
}

// GovernanceConfig configures the data-quality governance of seed 001:
// a partner whose error rate passes the threshold is reviewed in time.
type GovernanceConfig struct {
	// ErrorRateThreshold is the rate, in percent, of a partner's files
	// rejected or raising error findings above which a partner_error_rate
	// review opens. Default 2.
	ErrorRateThreshold float64 `yaml:"error_rate_threshold"`
	// Window is the trailing window the rate is counted over. Default 7d.
	Window Duration `yaml:"window"`
	// ReviewDue is how soon a data steward must decide that review.
	// Default 48h.
	ReviewDue Duration `yaml:"review_due"`
	// ResolutionSLA is how long any review may stay open before it counts
	// as overdue. Default 24h.
	ResolutionSLA Duration `yaml:"resolution_sla"`
	// FinanceThreshold splits value at risk per cycle: under it finance
	// handles the overrun, over it operations. Default 10000 (USD).
	FinanceThreshold float64 `yaml:"finance_threshold"`
	// Check is when the rates are checked: a cron spec or @every. Default
	// "@every 5m".
	Check string `yaml:"check"`
	// MappingChanges is how a new mapping version goes live: four_eyes (a
	// second admin or compliance user approves it; the default) or direct.
	MappingChanges string `yaml:"mapping_changes"`
}

// SpineConfig configures the identifier spine (DOMAIN.md §4.8).
type SpineConfig struct {
	// ContainerWindow is how recent a shipment's last activity must be for
	// a container or purchase order to link a record to it. Default 60d.
	ContainerWindow Duration `yaml:"container_window"`
}

// ReviewConfig configures the review queue.
type ReviewConfig struct {
	// ReasonCodes are the codes a reviewer may give when approving or
	// rejecting a change; upper snake case.
	ReasonCodes []string `yaml:"reason_codes"`
}

// ValidationConfig holds the tolerances and triggers of the pre-file checks
// (DOMAIN.md §0–§6). Keys left out keep their defaults.
type ValidationConfig struct {
	// QtyTolerancePct is how far, in percent, an invoiced quantity may
	// exceed its PO line before QTY_OVER_PO. Default 5.
	QtyTolerancePct float64 `yaml:"qty_tolerance_pct"`
	// PriceTolerancePct is how far, in percent, an invoice unit price may
	// differ from its PO line before PRICE_DEVIATION, and how far a value
	// on an accepted line may move before the change waits for review.
	// Default 5.
	PriceTolerancePct float64 `yaml:"price_tolerance_pct"`
	// DestinationBasis is the importing country's valuation basis: FOB (US,
	// the default) or CIF (EU and others), DOMAIN.md §2.4.
	DestinationBasis string `yaml:"destination_basis"`
	// RequiredDocs maps a mode (ocean, air, truck, rail, or "default") to
	// the document types it always needs; a mode listed here replaces the
	// built-in list for that mode.
	RequiredDocs map[string][]string `yaml:"required_docs"`
	// AgencyDocs maps a two-digit HS chapter to the agency documents its
	// lines need, such as {"28": [sds]}; it replaces the built-in table
	// when given.
	AgencyDocs map[string][]string `yaml:"agency_docs"`
	// UOMAliases maps extra unit spellings to known units, such as
	// {STUECK: PCS}.
	UOMAliases map[string]string `yaml:"uom_aliases"`
	// ValuationProofDocs maps a valuation deduction (freight, insurance,
	// us_inland_freight, duties_included) to the document types, any one of
	// which proves an amount deducted for it (VALUATION_PROOF_MISSING); a
	// deduction listed here replaces the built-in list for it, and an empty
	// list turns its proof check off.
	ValuationProofDocs map[string][]string `yaml:"valuation_proof_docs"`
}

// valuationDeductions are the keys ValidationConfig.ValuationProofDocs
// accepts.
var valuationDeductions = []string{"freight", "insurance", "us_inland_freight", "duties_included"}

// SFTPConfig configures the embedded SFTP server.
type SFTPConfig struct {
	// Listen is the host:port to serve on. Default 127.0.0.1:2022; "" disables
	// the server.
	Listen string `yaml:"listen"`
	// HostKeyFile is the server's private host key. Default
	// <data_dir>/ssh_host_ed25519_key. It is created on first start when
	// missing, so neither it nor its folder need exist yet.
	HostKeyFile string `yaml:"host_key_file"`
	// HandshakeTimeout bounds the SSH handshake including authentication.
	// Default 30s.
	HandshakeTimeout Duration `yaml:"handshake_timeout"`
	// MaxAuthTries is the number of authentication attempts allowed per
	// connection. Default 6.
	MaxAuthTries int `yaml:"max_auth_tries"`
	// MaxSessionsPerPartner caps concurrent sessions of one partner.
	// Default 8.
	MaxSessionsPerPartner int `yaml:"max_sessions_per_partner"`
	// StaleUploadAfter is how long a file may sit in an inbox under a
	// temporary name (x.filepart, …) before it is moved to the partner's
	// /errors with a report ("upload never completed"). Default 24h.
	StaleUploadAfter Duration `yaml:"stale_upload_after"`
	// Ban configures temporary bans of addresses that keep failing to log in.
	Ban BanConfig `yaml:"ban"`
}

// BanConfig configures temporary bans of client addresses after repeated
// authentication failures. The ban time doubles for each repeat offence, up to
// MaxBanTime.
type BanConfig struct {
	// Threshold is the number of failures within Window that triggers a ban.
	// Default 10; 0 disables banning.
	Threshold int `yaml:"threshold"`
	// Window is the period failures are counted over. Default 5m.
	Window Duration `yaml:"window"`
	// BanTime is the length of a first ban. Default 15m.
	BanTime Duration `yaml:"ban_time"`
	// MaxBanTime caps the length of repeated bans. Default 24h.
	MaxBanTime Duration `yaml:"max_ban_time"`
}

// PartnerConfig is one supplier, broker, ERP, TMS or internal system.
type PartnerConfig struct {
	// ID is the partner's identifier and SFTP user name: [a-z0-9-]+, unique.
	ID string `yaml:"id"`
	// Name is the partner's display name.
	Name string `yaml:"name"`
	// Role is supplier, broker, erp, tms or internal.
	Role string `yaml:"role"`
	// SFTP holds the credentials the partner logs in to the hub with.
	SFTP PartnerSFTP `yaml:"sftp"`
	// Mappings names the mappings (by their `name:`) applied to this
	// partner's files.
	Mappings []string `yaml:"mappings"`
	// Watch lists local folders whose files belong to this partner.
	Watch []WatchConfig `yaml:"watch"`
	// Remote is the partner's own SFTP server, pulled from and pushed to; nil
	// when there is none.
	Remote *RemoteConfig `yaml:"remote"`
	// Outbound lists the partner's scheduled outbound jobs.
	Outbound []OutboundJob `yaml:"outbound"`
	// Ack is the X12 acknowledgement the partner gets: "997" (default) or
	// "999".
	Ack string `yaml:"ack"`
	// StatusCodes is a YAML code table for the partner's own status codes
	// (code list "partner:<id>"): {codes: [{code, events, agency}]}.
	StatusCodes string `yaml:"status_codes"`
	// Timezone is the IANA time zone the partner's local dates and times
	// are in, such as "America/Los_Angeles"; "" means UTC. Validate refuses
	// a name the time zone database does not know. Use Location for the
	// resolved zone.
	Timezone string `yaml:"timezone"`

	loc *time.Location // Timezone resolved by Validate
}

// Location returns the partner's time zone: Timezone resolved, or UTC when
// it is empty. It is the zone in which a date given without a time (a
// status_event at of "2026-03-21") starts: midnight of that day there.
// Validate resolves the name once; on a configuration that was not
// validated, a name that does not resolve also gives UTC.
func (p *PartnerConfig) Location() *time.Location {
	if p.loc != nil {
		return p.loc
	}
	if loc, err := loadTimezone(p.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// loadTimezone resolves an IANA zone name; "" is UTC. "Local" is refused:
// it would mean whatever zone the host happens to run in.
func loadTimezone(name string) (*time.Location, error) {
	switch name {
	case "":
		return time.UTC, nil
	case "Local":
		return nil, fmt.Errorf("unknown time zone %q: name the zone, such as America/Chicago", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: use an IANA name such as America/Los_Angeles, Europe/Berlin or UTC", name)
	}
	return loc, nil
}

// PartnerSFTP holds a partner's credentials for the hub's SFTP server. A
// partner with neither keys nor password cannot log in over SFTP, which is
// fine for partners reached by other channels only.
type PartnerSFTP struct {
	// AuthorizedKeys are public keys in authorized_keys format.
	AuthorizedKeys []string `yaml:"authorized_keys"`
	// AuthorizedKeysFile is a file of public keys in authorized_keys format.
	AuthorizedKeysFile string `yaml:"authorized_keys_file"`
	// PasswordBcrypt is a bcrypt hash of the partner's password; plain
	// passwords are refused.
	PasswordBcrypt Secret `yaml:"password_bcrypt"`
	// Keys are the public keys parsed by Validate from AuthorizedKeys and
	// AuthorizedKeysFile, in that order.
	Keys []ssh.PublicKey `yaml:"-"`
}

// WatchConfig is a local folder whose files are taken in for a partner.
type WatchConfig struct {
	// Path is the folder watched. Required.
	Path string `yaml:"path"`
	// Ready is stable (default) or done_file.
	Ready string `yaml:"ready"`
	// Interval is how often the folder is rescanned besides file system
	// notifications. Default 10s.
	Interval Duration `yaml:"interval"`
	// Prefix is the partner-relative folder files count as arriving in, so
	// mapping globs match them as they would an upload (default "inbox":
	// a file sub/x.csv is journaled as inbox/sub/x.csv).
	Prefix string `yaml:"prefix"`
}

// RemoteConfig is a partner's own SFTP server.
type RemoteConfig struct {
	// Address is the server's host:port.
	Address string `yaml:"address"`
	// User is the user name the hub logs in as.
	User string `yaml:"user"`
	// PrivateKeyFile is the hub's unencrypted private key for this server;
	// required unless Password is given.
	PrivateKeyFile string `yaml:"private_key_file"`
	// KnownHostsFile holds the server's host keys. Required: host keys are
	// never skipped.
	KnownHostsFile string `yaml:"known_hosts_file"`
	// Password is the login password, optional; usually "$ENV_VAR".
	Password Secret `yaml:"password"`
	// Pull, when set, fetches the partner's files on a schedule.
	Pull *PullConfig `yaml:"pull"`
	// Push, when set, also delivers the partner's outbound files to the
	// server.
	Push *PushConfig `yaml:"push"`
}

// PullConfig fetches files from a partner's server on a schedule.
type PullConfig struct {
	// Path is the remote folder to fetch from. Required.
	Path string `yaml:"path"`
	// Schedule is a 5-field cron expression or a descriptor such as
	// "@every 5m". Required.
	Schedule string `yaml:"schedule"`
	// After says what happens to a fetched file on the server: "delete" or
	// "move:/absolute/remote/folder". Required.
	After string `yaml:"after"`
	// Ready is stable (default) or done_file.
	Ready string `yaml:"ready"`
	// Prefix is the partner-relative folder pulled files count as arriving
	// in, so mapping globs match them as they would an upload (default
	// "inbox": /outgoing/x.edi is journaled as inbox/x.edi).
	Prefix string `yaml:"prefix"`
}

// MoveTo returns the remote folder fetched files are moved to, and false when
// After is not a move.
func (p *PullConfig) MoveTo() (string, bool) {
	dir, ok := strings.CutPrefix(p.After, AfterMovePrefix)
	return dir, ok
}

// PushConfig delivers outbound files to a partner's server.
type PushConfig struct {
	// Path is the remote folder files are written to (temp name + rename).
	Path string `yaml:"path"`
}

// OutboundJob is one scheduled outbound delivery to a partner.
type OutboundJob struct {
	// Job names the job, unique per partner (`outbound run --job NAME`).
	Job string `yaml:"job"`
	// Kind is status, document_requests or packets.
	Kind string `yaml:"kind"`
	// Format is csv, jsonl or xlsx; zip for packets.
	Format string `yaml:"format"`
	// Schedule is a 5-field cron expression or a descriptor such as
	// "@every 1m".
	Schedule string `yaml:"schedule"`
}

// DefaultConfig returns the configuration used for every key a file omits.
// DataDir has no default (it is required); SFTP.HostKeyFile defaults to
// <data_dir>/ssh_host_ed25519_key once DataDir is known (Parse and Resolve
// fill it in).
func DefaultConfig() *Config {
	return &Config{
		Log: LogConfig{Level: "info", Format: "text"},
		SFTP: SFTPConfig{
			Listen:                "127.0.0.1:2022",
			HandshakeTimeout:      Duration{30 * time.Second},
			MaxAuthTries:          6,
			MaxSessionsPerPartner: 8,
			StaleUploadAfter:      Duration{24 * time.Hour},
			Ban: BanConfig{
				Threshold:  10,
				Window:     Duration{5 * time.Minute},
				BanTime:    Duration{15 * time.Minute},
				MaxBanTime: Duration{24 * time.Hour},
			},
		},
		HTTP: HTTPConfig{Listen: "127.0.0.1:8080", SessionIdle: Duration{12 * time.Hour}, MaxUploadMB: 100},
		Review: ReviewConfig{ReasonCodes: []string{
			"CLASSIFICATION_CORRECTION",
			"SUPPLIER_ERROR",
			"CUSTOMS_RULING",
			"VALUATION_ADJUSTMENT",
			"DATA_ENTRY",
			"OTHER",
		}},
		Validation: ValidationConfig{QtyTolerancePct: 5, PriceTolerancePct: 5, DestinationBasis: "FOB"},
		Spine:      SpineConfig{ContainerWindow: Duration{60 * 24 * time.Hour}},
		Governance: GovernanceConfig{ErrorRateThreshold: 2, Window: Duration{7 * 24 * time.Hour}, ReviewDue: Duration{48 * time.Hour},
			ResolutionSLA: Duration{24 * time.Hour}, FinanceThreshold: 10000, Check: "@every 5m", MappingChanges: "four_eyes"},
		Notify:          defaultNotify(),
		Retention:       defaultRetention(),
		Store:           StoreConfig{Driver: StoreSQLite},
		Archive:         defaultArchive(),
		ShutdownTimeout: Duration{30 * time.Second},
	}
}

// hostKeyFileName is the default host key file inside DataDir.
const hostKeyFileName = "ssh_host_ed25519_key"

// defaultHostKeyFile fills SFTP.HostKeyFile from DataDir when it is unset.
func (c *Config) defaultHostKeyFile() {
	if c.SFTP.HostKeyFile == "" && c.DataDir != "" {
		c.SFTP.HostKeyFile = filepath.Join(c.DataDir, hostKeyFileName)
	}
}

// Load reads the configuration file at path, then parses, resolves and
// validates it. Relative paths in the file are resolved against the file's
// folder; getenv (normally os.LookupEnv) expands "$ENV_VAR" secrets, and nil
// means no variable is set. Errors name the file as path was given.
func Load(path string, getenv func(string) (string, bool)) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("load config %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	defer f.Close()

	c, err := Parse(f, path)
	if err != nil {
		return nil, err
	}
	c.Path = abs
	if err := c.Resolve(filepath.Dir(abs), getenv); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Partner returns the partner with the given id.
func (c *Config) Partner(id string) (*PartnerConfig, bool) {
	for i := range c.Partners {
		if c.Partners[i].ID == id {
			return &c.Partners[i], true
		}
	}
	return nil, false
}

// Duration is a time.Duration written in YAML as a Go duration string such as
// "30s", "5m" or "1h30m".
type Duration struct{ time.Duration }

// UnmarshalYAML reads a duration string. A bare number is refused (its unit
// would be a guess) except 0.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected a duration such as 30s or 5m")
	}
	if n.Value == "0" {
		d.Duration = 0
		return nil
	}
	// Whole days ("60d") read as people write windows; Go's own units
	// stop at hours.
	if days, err := strconv.Atoi(strings.TrimSuffix(n.Value, "d")); err == nil && strings.HasSuffix(n.Value, "d") && days >= 0 {
		d.Duration = time.Duration(days) * 24 * time.Hour
		return nil
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("invalid duration %q: use a number with a unit, such as 30s, 5m, 1h30m or 60d", n.Value)
	}
	d.Duration = v
	return nil
}

// MarshalYAML writes the duration as a string such as "30s".
func (d Duration) MarshalYAML() (any, error) {
	return d.String(), nil
}

// Secret is a configuration value that is either given inline or, written as
// "$NAME" or "${NAME}", taken from environment variable NAME by Resolve. An
// unset variable is reported by Validate with the field path and variable.
type Secret string

// envRefPattern matches a whole-value environment reference: $NAME or ${NAME}.
// A bcrypt hash ("$2a$10$...") never matches, as NAME cannot start with a digit
// nor contain "$".
var envRefPattern = regexp.MustCompile(`^\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})$`)

// EnvVar returns the name of the environment variable the secret refers to,
// and false when the secret is an inline value.
func (s Secret) EnvVar() (string, bool) {
	m := envRefPattern.FindStringSubmatch(string(s))
	if m == nil {
		return "", false
	}
	return m[1] + m[2], true
}

// String returns "[redacted]" for a non-empty secret so that printing a
// configuration does not leak it; use string(s) for the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}
