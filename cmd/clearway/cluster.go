package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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
// a lone daemon, and from the CLI).
func (h *Hub) addJob(name, spec string, fn func(context.Context) error) error {
	h.clusterJobs = append(h.clusterJobs, name)
	return h.Scheduler.Add(name, spec, func(ctx context.Context) error {
		l := h.cluster.leader(name)
		if l == nil {
			return fn(ctx)
		}
		ran, err := l.Run(ctx, fn)
		if ran {
			h.Logger.Info("cluster job ran on this node", "job", name, "node", h.cluster.node.ID)
		}
		return err
	})
}

// leader is the lease of a job, nil outside a cluster.
func (c *hubCluster) leader(job string) *cluster.Leader {
	if c == nil {
		return nil
	}
	return c.leaders[job]
}

// openCluster joins the cluster when the store is PostgreSQL: registers
// the node and starts competing for the scheduled jobs' leases.
func (h *Hub) openCluster() error {
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
	for _, job := range h.clusterJobs {
		l := cluster.NewLeader(store, "job:"+job, c.node.ID, clusterLeaseTTL)
		if err := l.Open(ctx); err != nil {
			c.close()
			return err
		}
		c.leaders[job] = l
	}
	h.cluster = c
	h.Logger.Info("joined the cluster", "node", c.node.ID, "jobs", len(c.leaders), "lease_ttl", clusterLeaseTTL)
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
