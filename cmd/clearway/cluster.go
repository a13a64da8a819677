package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/clearway/clearway/internal/cluster"
	"github.com/clearway/clearway/internal/config"
)

// clusterLeaseTTL is how long a job's lease lasts without renewal: the
// longest a dead node keeps its jobs from the others.
const clusterLeaseTTL = 15 * time.Second

// clusterStaleAfter is when cluster status calls a node stale: three
// missed heartbeats (cluster.Node's default period is 5 s).
const clusterStaleAfter = 15 * time.Second

// hubCluster is a daemon's part in a cluster (store.driver: postgres): its
// node row and a lease per cluster-wide scheduled job.
type hubCluster struct {
	store   *cluster.Store
	node    *cluster.Node
	leaders map[string]*cluster.Leader // by job name
}

// addJob schedules a job that runs on one node of a cluster at a time: a
// tick runs it only where the job's lease is held (every tick runs it on
// a lone daemon, and from the CLI). Each run in a cluster is logged at
// INFO with the node (addLeasedJob chooses the level).
func (h *Hub) addJob(name, spec string, fn func(context.Context) error) error {
	return h.addLeasedJob(name, spec, slog.LevelInfo, fn)
}

// addLeasedJob is addJob logging each run at ranLevel: a job ticking
// every few seconds that logs its own work says less.
func (h *Hub) addLeasedJob(name, spec string, ranLevel slog.Level, fn func(context.Context) error) error {
	h.clusterJobs = append(h.clusterJobs, name)
	return h.Scheduler.Add(name, spec, func(ctx context.Context) error {
		l := h.cluster.leader(name)
		if l == nil {
			return fn(ctx)
		}
		ran, err := l.Run(ctx, fn)
		if ran {
			h.Logger.Log(ctx, ranLevel, "cluster job ran on this node", "job", name, "node", h.cluster.node.ID)
		}
		return err
	})
}

// leader is the lease of a job, nil outside a cluster.
func (c *hubCluster) leader(job string) *cluster.Leader {
	if c == nil {
		return nil
	}
	return c.leaders["job:"+job]
}

// joinCluster registers this daemon as a node when the store is
// PostgreSQL; leaseJobs then has it compete for the jobs' leases.
func (h *Hub) joinCluster() error {
	if h.Config.Store.Driver != config.StorePostgres {
		return nil
	}
	ctx := context.Background()
	store, err := cluster.Open(ctx, string(h.Config.Store.DSN))
	if err != nil {
		return err
	}
	c := &hubCluster{store: store, node: cluster.NewNode(store, buildVersion()), leaders: map[string]*cluster.Leader{}}
	c.node.Logger = h.Logger.With("component", "cluster")
	if err := c.node.Open(ctx); err != nil {
		store.Close()
		return err
	}
	h.cluster = c
	// Files this node claims name it; those of nodes that are gone go
	// back in the queue (one node looks, every few seconds).
	h.DB.Node = c.node.ID
	h.Ingest.LiveNodes = func(ctx context.Context) ([]string, error) { return store.LiveNodes(ctx, clusterStaleAfter) }
	// Every 5 s, and it logs the files it requeues: its runs at DEBUG.
	return h.addLeasedJob("requeue-orphans", "@every 5s", slog.LevelDebug, func(ctx context.Context) error {
		_, err := h.Ingest.RequeueOrphans(ctx)
		return err
	})
}

// lease opens the lease of one cluster-wide task under this node.
func (c *hubCluster) lease(name string) (*cluster.Leader, error) {
	l := cluster.NewLeader(c.store, name, c.node.ID, clusterLeaseTTL)
	if err := l.Open(context.Background()); err != nil {
		return nil, err
	}
	c.leaders[name] = l
	return l, nil
}

// leaseJobs has the node compete for every cluster-wide job's lease.
func (h *Hub) leaseJobs() error {
	c := h.cluster
	if c == nil {
		return nil
	}
	for _, job := range h.clusterJobs {
		if _, err := c.lease("job:" + job); err != nil {
			return err
		}
	}
	h.Logger.Info("joined the cluster", "node", c.node.ID, "leases", len(c.leaders), "lease_ttl", clusterLeaseTTL)
	return nil
}

// close releases the leases (the others take them at once), marks the
// node gone and closes the pool.
func (c *hubCluster) close() error {
	if c == nil {
		return nil
	}
	var errs []error
	for _, l := range c.leaders {
		errs = append(errs, l.Close())
	}
	errs = append(errs, c.node.Close(), c.store.Close())
	return errors.Join(errs...)
}

// ClusterStatusCommand is `clearway cluster status [--json]`.
type ClusterStatusCommand struct{ Stdout io.Writer }

// Run lists the nodes and the leases of the store's cluster.
func (c *ClusterStatusCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("cluster status")
	cfgPath := fs.String("config", "", "config file")
	asJSON := fs.Bool("json", false, `print JSON: {"nodes": [...], "leases": [...]}`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(configPath(*cfgPath))
	if err != nil {
		return err
	}
	if cfg.Store.Driver != config.StorePostgres {
		return fmt.Errorf("cluster status: %s uses the embedded SQLite store, a single node; a cluster shares store.driver: postgres (docs/cluster.md)", cfg.Path)
	}
	store, err := cluster.Open(ctx, string(cfg.Store.DSN))
	if err != nil {
		return err
	}
	defer store.Close()
	st, err := store.Status(ctx, clusterStaleAfter)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.Stdout, st)
	}
	return st.WriteText(c.Stdout)
}
