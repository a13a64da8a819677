package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/clearway/clearway/internal/config"
	"github.com/clearway/clearway/internal/sqlite"
)

// MigrateStoreCommand is `clearway migrate-store --to postgres DSN`.
type MigrateStoreCommand struct{ Stdout io.Writer }

// Run copies the configured SQLite store into an empty PostgreSQL
// database; run again after an interruption, it carries on and copies
// nothing twice.
func (c *MigrateStoreCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("migrate-store")
	cfgPath := fs.String("config", "", "config file")
	to := fs.String("to", "", "the target store's driver: postgres")
	batch := fs.Int("batch", 1000, "rows a transaction")
	if err := parseFlags(fs, reorderFlags(args, "config", "to", "batch")); err != nil {
		return err
	}
	if *to != config.StorePostgres || fs.NArg() != 1 {
		return usagef("migrate-store: want --to postgres DSN")
	}
	cfg, err := loadConfig(configPath(*cfgPath))
	if err != nil {
		return err
	}
	if cfg.Store.Driver != config.StoreSQLite {
		return usagef("migrate-store: %s already uses store.driver %s; it copies the SQLite store of data_dir", cfg.Path, cfg.Store.Driver)
	}
	src, err := openStoreDB(cfg)
	if err != nil {
		return err
	}
	defer src.Close()
	dst := sqlite.NewPostgres(fs.Arg(0))
	if err := dst.Open(); err != nil {
		return err
	}
	defer dst.Close()
	start, tables, rows := time.Now(), 0, int64(0)
	last := map[string]int64{}
	err = sqlite.CopyStore(ctx, src, dst, *batch, func(table string, copied, total int64) {
		if _, seen := last[table]; !seen {
			tables++
		}
		rows += copied - last[table]
		last[table] = copied
		if copied == total {
			fmt.Fprintf(c.Stdout, "%-22s %d rows\n", table, copied)
		}
	})
	if err != nil {
		return fmt.Errorf("%w (run the same command again to carry on)", err)
	}
	fmt.Fprintf(c.Stdout, "copied %d rows of %d tables in %s; set store: {driver: postgres, dsn: …} in %s and start the daemon\n",
		rows, tables, time.Since(start).Round(time.Millisecond), cfg.Path)
	return nil
}
