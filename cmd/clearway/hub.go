package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/cluster"
	"github.com/clearway/clearway/internal/config"
	"github.com/clearway/clearway/internal/courier"
	"github.com/clearway/clearway/internal/defender"
	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/ingest"
	"github.com/clearway/clearway/internal/intake"
	"github.com/clearway/clearway/internal/lifecycle"
	"github.com/clearway/clearway/internal/mapchange"
	"github.com/clearway/clearway/internal/mapping"
	"github.com/clearway/clearway/internal/metrics"
	"github.com/clearway/clearway/internal/outbound"
	"github.com/clearway/clearway/internal/schedule"
	"github.com/clearway/clearway/internal/sftpd"
	"github.com/clearway/clearway/internal/spine"
	"github.com/clearway/clearway/internal/sqlite"
	"github.com/clearway/clearway/internal/watch"
	"github.com/clearway/clearway/internal/web"
)

// Hub is the whole daemon wired from a config: store, archive, intake and
// channels. End-to-end tests run it in-process on port 0 with a temp dir.
type Hub struct {
	Config *config.Config
	Logger *slog.Logger

	DB      *sqlite.DB
	Archive archive.Store
	// Folders holds the partners' /outbox and /errors (openFolders).
	Folders folders.Store
	Intake  *intake.Intake
	Ingest  *ingest.Pipeline
	Reload  *ingest.Reloader
	SFTP    *sftpd.Server
	Watch   *watch.Watcher
	Web     *web.Server
	// Defender bans addresses that keep failing to log in, on every door.
	Defender *defender.Defender

	Outbound  *outbound.Runner
	Scheduler *schedule.Scheduler
	// Courier delivers the notifications the outbox holds.
	Courier *courier.Courier
	// Registry holds the daemon's Prometheus series, served on GET
	// /metrics; Metrics are its collectors the components move. Both nil
	// for a CLI command (no metrics).
	Registry *prometheus.Registry
	Metrics  *metrics.Metrics
	jobs     map[string]*partnerJobs // by partner id
	// clusterJobs are the scheduled jobs one node of a cluster runs at a
	// time; cluster is this daemon's part in it (nil: a lone daemon).
	clusterJobs []string
	cluster     *hubCluster
}

// NewHub returns a hub for the config; Open starts it.
func NewHub(cfg *config.Config, logger *slog.Logger) *Hub {
	return &Hub{Config: cfg, Logger: logger}
}

// DBPath is where the database file lives under data_dir.
func DBPath(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "clearway.db") }

// Open opens the store and starts the channels.
func (h *Hub) Open() error {
	if err := h.openMetrics(); err != nil {
		return err
	}
	if err := h.OpenStore(); err != nil {
		return err
	}
	cfg := h.Config
	// Reviews count as overdue past the governance resolution SLA.
	if err := h.Registry.Register(&metrics.StoreCollector{Store: h.DB, OverdueAfter: cfg.Governance.ResolutionSLA.Duration, Now: time.Now}); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	// Edited tolerances, triggers or code tables apply to the shipments
	// already stored, not only to those the next file touches.
	n, err := h.DB.ReassessIfRulesChanged(context.Background())
	if err != nil {
		return err
	}
	if n > 0 {
		h.Logger.Info("rules changed; shipments re-assessed", "shipments", n)
	}
	if err := h.joinCluster(); err != nil {
		return err
	}
	if err := h.Ingest.Open(); err != nil {
		return err
	}
	h.Intake.OnAccepted = func(*clearway.File) { h.Ingest.Wake() }
	if _, err := os.Stat(cfg.MappingsDir); err == nil {
		h.Reload = &ingest.Reloader{Dir: cfg.MappingsDir, Pipeline: h.Ingest, Logger: h.Logger.With("component", "mappings"),
			Loaded: func(ms map[string]*mapping.Mapping) { h.recordMappings(ms, "reload") }}
		if err := h.Reload.Open(); err != nil {
			return err
		}
	}
	if err := h.openChannels(); err != nil {
		return err
	}
	if err := h.openCourier(); err != nil {
		return err
	}
	if err := h.leaseJobs(); err != nil {
		return err
	}
	h.Scheduler.Start(context.Background())
	return nil
}

// OpenStore opens the parts a file goes through — store, archive, intake
// and a routed pipeline — without starting any worker or channel: what
// `clearway ingest` needs, and the first half of Open.
func (h *Hub) OpenStore() error {
	cfg := h.Config
	db, err := openStoreDB(cfg)
	if err != nil {
		return err
	}
	h.DB = db
	if h.Archive, err = openArchive(cfg); err != nil {
		return err
	}
	if h.Folders, err = openFolders(cfg, h.Archive); err != nil {
		return err
	}
	h.Intake = &intake.Intake{DB: h.DB, Archive: h.Archive, Logger: h.Logger.With("component", "intake"), Metrics: h.Metrics}
	h.Ingest = newPipeline(cfg, h.DB, h.Archive, h.Logger)
	h.Ingest.Folders = h.Folders
	h.Ingest.Metrics = h.Metrics
	router, err := loadRouter(cfg, h.Logger)
	if err != nil {
		return err
	}
	h.Ingest.SetRouter(router)
	h.recordMappings(router.Mappings, "load")
	return h.openJobs()
}

// recordMappings keeps the mapping versions the pipeline now uses in the
// mapping history. A failure to record is logged: files keep flowing.
func (h *Hub) recordMappings(ms map[string]*mapping.Mapping, by string) {
	var vs []sqlite.MappingVersion
	for _, name := range slices.Sorted(maps.Keys(ms)) {
		m := ms[name]
		vs = append(vs, sqlite.MappingVersion{Name: m.Name, Hash: m.Hash, File: m.File, Content: m.Source})
	}
	added, err := h.DB.RecordMappings(context.Background(), vs, by)
	if err != nil {
		h.Logger.Error("mapping history", "error", err)
		return
	}
	for _, a := range added {
		h.Logger.Info("mapping version active", "component", "mappings", "mapping", a.Name, "hash", a.Hash[:12], "by", by)
	}
}

// openMetrics creates the daemon's Prometheus registry and collectors,
// with the Go runtime's and the process's series beside clearway_*.
func (h *Hub) openMetrics() error {
	reg := prometheus.NewRegistry()
	for _, c := range []prometheus.Collector{collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	m, err := metrics.New(reg)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	h.Registry, h.Metrics = reg, m
	return nil
}

// defender is the one defender of every door (SFTP and the web): failed
// logins on either ban the address on both, and in a cluster on every
// node.
func (h *Hub) defender() *defender.Defender {
	if h.Defender == nil {
		b := h.Config.SFTP.Ban
		h.Defender = &defender.Defender{Threshold: b.Threshold, Window: b.Window.Duration,
			BanTime: b.BanTime.Duration, MaxBanTime: b.MaxBanTime.Duration, Now: time.Now, Metrics: h.Metrics}
		if h.Config.Store.Driver == config.StorePostgres {
			h.Defender.Shared = h.DB // every node counts the failures and keeps the bans
		}
	}
	return h.Defender
}

// openChannels starts the ways files come in: SFTP, watched folders, HTTP.
func (h *Hub) openChannels() error {
	cfg := h.Config
	if cfg.SFTP.Listen != "" {
		hostKey, err := sftpd.LoadOrCreateHostKey(cfg.SFTP.HostKeyFile)
		if err != nil {
			return err
		}
		h.SFTP = &sftpd.Server{
			Listen:                cfg.SFTP.Listen,
			HostKey:               hostKey,
			PartnersDir:           filepath.Join(cfg.DataDir, "partners"),
			Folders:               h.Folders,
			Accounts:              accounts(cfg),
			Intake:                h.Intake,
			Logger:                h.Logger.With("component", "sftpd"),
			HandshakeTimeout:      cfg.SFTP.HandshakeTimeout.Duration,
			MaxAuthTries:          cfg.SFTP.MaxAuthTries,
			MaxSessionsPerPartner: cfg.SFTP.MaxSessionsPerPartner,
			ShutdownTimeout:       cfg.ShutdownTimeout.Duration,
			Defender:              h.defender(),
			Metrics:               h.Metrics,
		}
		if h.cluster != nil {
			h.SFTP.SharedSessions = &cluster.Sessions{Store: h.cluster.store, Node: h.cluster.node.ID, StaleAfter: clusterStaleAfter}
		}
		if err := h.SFTP.Open(); err != nil {
			return err
		}
	}
	var folders []watch.Folder
	for _, p := range cfg.Partners {
		for _, w := range p.Watch {
			folders = append(folders, watch.Folder{Partner: p.ID, Path: w.Path, Ready: w.Ready, Interval: w.Interval.Duration, Prefix: w.Prefix})
		}
	}
	if len(folders) > 0 {
		h.Watch = watch.New(h.Intake, folders...)
		h.Watch.Logger = h.Logger.With("component", "watch")
		if err := h.Watch.Open(); err != nil {
			return err
		}
	}
	if cfg.HTTP.Listen != "" {
		var partners []web.Partner
		for _, p := range cfg.Partners {
			partners = append(partners, web.Partner{ID: p.ID, Name: p.Name, Role: p.Role, Mappings: p.Mappings})
		}
		h.Web = &web.Server{
			Listen:      cfg.HTTP.Listen,
			DB:          h.DB,
			Archive:     h.Archive,
			Intake:      h.Intake,
			Defender:    h.defender(),
			Folders:     h.Folders,
			Partners:    partners,
			ReasonCodes: cfg.Review.ReasonCodes,
			Governance:  dashboardPolicy(cfg),
			Mappings:    h.mappingDesk(),
			SessionIdle: cfg.HTTP.SessionIdle.Duration,
			MaxUpload:   int64(cfg.HTTP.MaxUploadMB) << 20,
			TLSCertFile: cfg.HTTP.TLSCertFile,
			TLSKeyFile:  cfg.HTTP.TLSKeyFile,
			Logger:      h.Logger.With("component", "web"),
			Now:         time.Now,
			Counters:    h.Metrics,
		}
		if h.Registry != nil {
			h.Web.Metrics = metrics.Handler(h.Registry, slog.NewLogLogger(h.Web.Logger.Handler(), slog.LevelError))
			h.Web.MetricsToken = string(cfg.HTTP.MetricsToken)
		}
		if err := h.Web.Open(); err != nil {
			return err
		}
	}
	return nil
}

// Close stops the channels (letting open transfers finish, bounded by the
// config's shutdown_timeout) and the scheduled jobs, and closes the store.
func (h *Hub) Close() error {
	var errs []error
	if h.Scheduler != nil {
		ctx, cancel := context.WithTimeout(context.Background(), h.Config.ShutdownTimeout.Duration)
		errs = append(errs, h.Scheduler.Stop(ctx))
		cancel()
	}
	errs = append(errs, h.cluster.close())
	if h.Web != nil {
		errs = append(errs, h.Web.Close())
	}
	if h.Courier != nil {
		errs = append(errs, h.Courier.Close())
	}
	if h.SFTP != nil {
		errs = append(errs, h.SFTP.Close())
	}
	if h.Watch != nil {
		errs = append(errs, h.Watch.Close())
	}
	if h.Reload != nil {
		errs = append(errs, h.Reload.Close())
	}
	if h.Ingest != nil {
		errs = append(errs, h.Ingest.Close())
	}
	if c, ok := h.Folders.(io.Closer); ok { // data_dir's folders hold an open directory
		errs = append(errs, c.Close())
	}
	if h.DB != nil {
		errs = append(errs, h.DB.Close())
	}
	return errors.Join(errs...)
}

func newPipeline(cfg *config.Config, db *sqlite.DB, arc archive.Store, logger *slog.Logger) *ingest.Pipeline {
	return &ingest.Pipeline{DB: db, Archive: arc, PartnersDir: filepath.Join(cfg.DataDir, "partners"), Logger: logger.With("component", "ingest")}
}

// loadRouter compiles the mappings and routes each partner's files through
// its configured list. A mapping that does not compile is logged and left
// out; files it would read are rejected naming it, never lost.
func loadRouter(cfg *config.Config, logger *slog.Logger) (*ingest.Router, error) {
	r := &ingest.Router{Partners: map[string][]string{}, Mappings: map[string]*mapping.Mapping{}, Acks: map[string]string{}}
	used := false
	for _, p := range cfg.Partners {
		r.Partners[p.ID] = p.Mappings
		r.Acks[p.ID] = p.Ack
		used = used || len(p.Mappings) > 0
	}
	if !used {
		return r, nil
	}
	ms, err := mapping.LoadDir(cfg.MappingsDir)
	if err != nil {
		if ms == nil {
			return nil, err
		}
		logger.Error("some mappings do not compile and are not used", "error", err)
	}
	r.Mappings = ms
	return r, nil
}

// accounts turns partner config into SFTP logins.
func accounts(cfg *config.Config) map[string]*sftpd.Account {
	m := make(map[string]*sftpd.Account, len(cfg.Partners))
	for _, p := range cfg.Partners {
		m[p.ID] = &sftpd.Account{Partner: p.ID, Keys: p.SFTP.Keys, PasswordHash: []byte(p.SFTP.PasswordBcrypt)}
	}
	return m
}

// newLogger builds the one slog logger from the config's log section.
func newLogger(cfg config.LogConfig, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.Level)); err != nil {
		return nil, fmt.Errorf("log.level %q: %w", cfg.Level, err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(cfg.Format) {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log.format %q: want text or json", cfg.Format)
}

// loadConfig reads and validates the config at path.
func loadConfig(path string) (*config.Config, error) {
	return config.Load(path, os.LookupEnv)
}

// openConfigDB loads the config (--config, $CLEARWAY_CONFIG or the
// default) and opens its store: what most commands start with.
func openConfigDB(cfgPath string) (*config.Config, *sqlite.DB, error) {
	cfg, err := loadConfig(configPath(cfgPath))
	if err != nil {
		return nil, nil, err
	}
	db, err := openStoreDB(cfg)
	return cfg, db, err
}

// openStoreDB opens the database with the configured rules, which every
// change to a shipment re-runs.
func openStoreDB(cfg *config.Config) (*sqlite.DB, error) {
	rules, err := storeRules(cfg)
	if err != nil {
		return nil, err
	}
	db := sqlite.NewDB(DBPath(cfg))
	if cfg.Store.Driver == config.StorePostgres {
		db = sqlite.NewPostgres(string(cfg.Store.DSN))
	}
	db.Rules = rules
	if len(cfg.Notify.Rules) > 0 || len(cfg.Notify.Escalation) > 0 {
		db.Planner = notifyPlanner(cfg)
	}
	if err := db.Open(); err != nil {
		return nil, err
	}
	return db, nil
}

// storeRules builds the checks' tolerances and triggers and the status code
// tables (shipped ones plus each partner's status_codes) from the config.
func storeRules(cfg *config.Config) (*sqlite.Rules, error) {
	rules, err := sqlite.DefaultRules()
	if err != nil {
		return nil, err
	}
	v := cfg.Validation
	rules.Validation.QtyTolerancePct = v.QtyTolerancePct
	rules.Validation.PriceTolerancePct = v.PriceTolerancePct
	rules.ChangeTolerancePct = v.PriceTolerancePct
	rules.DestinationBasis = v.DestinationBasis
	for mode, docs := range v.RequiredDocs {
		if mode == "default" {
			mode = ""
		}
		rules.Validation.RequiredDocs[mode] = docs
	}
	if v.AgencyDocs != nil {
		rules.Validation.AgencyDocs = v.AgencyDocs
	}
	rules.Validation.UOMAliases = v.UOMAliases
	for k, docs := range v.ValuationProofDocs {
		rules.Validation.ValuationProofDocs[k] = docs
	}
	rules.Spine = spine.Policy{ContainerWindow: cfg.Spine.ContainerWindow.Duration}
	rules.Timezones = map[string]*time.Location{}
	for i := range cfg.Partners {
		rules.Timezones[cfg.Partners[i].ID] = cfg.Partners[i].Location()
	}
	for i, p := range cfg.Partners {
		if p.StatusCodes == "" {
			continue
		}
		table, err := os.ReadFile(p.StatusCodes)
		if err == nil {
			err = rules.Codes.Load(lifecycle.PartnerCodeList(p.ID), table)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: partners[%d].status_codes: %w", cfg.Path, i, err)
		}
	}
	return rules, nil
}

// mappingDesk is mapping change control for the web workspace: an
// approved version is reloaded at once, not at the reloader's next look.
func (h *Hub) mappingDesk() *mapchange.Desk {
	cfg := h.Config
	return &mapchange.Desk{DB: h.DB, Pipeline: h.Ingest, Dir: cfg.MappingsDir, Policy: cfg.Governance.MappingChanges,
		Logger: h.Logger.With("component", "mappings"),
		Activated: func(string) {
			if h.Reload != nil {
				h.Reload.Check()
			}
		}}
}

// openCommandHub opens the store side of a hub for a one-shot command,
// logging to logTo (io.Discard when the command reports for itself). The
// caller closes it.
func openCommandHub(cfg *config.Config, logTo io.Writer, command string) (*Hub, error) {
	logger, err := newLogger(cfg.Log, logTo)
	if err != nil {
		return nil, err
	}
	hub := NewHub(cfg, logger.With("command", command))
	if err := hub.OpenStore(); err != nil {
		hub.Close()
		return nil, err
	}
	return hub, nil
}
