package config

import "fmt"

// Store drivers (config block store).
const (
	StoreSQLite   = "sqlite"
	StorePostgres = "postgres"
)

// StoreConfig is where the canonical store lives (config block store):
// SQLite in data_dir (the embedded default) or a PostgreSQL database that
// several daemons share (docs/cluster.md).
type StoreConfig struct {
	// Driver is sqlite (default) or postgres.
	Driver string `yaml:"driver"`
	// DSN is the PostgreSQL connection string (a URL or key=value pairs),
	// inline or "$ENV_VAR"; create the database with the C collation.
	DSN Secret `yaml:"dsn"`
}

// validateStore checks the store block.
func (c *Config) validateStore(l *errorList) {
	s := c.Store
	switch s.Driver {
	case StoreSQLite:
		if s.DSN != "" {
			l.add("store.dsn", "is for driver postgres; the sqlite store lives in data_dir")
		}
	case StorePostgres:
		if name, ok := s.DSN.EnvVar(); ok {
			l.add("store.dsn", fmt.Sprintf("environment variable %s is not set", name))
		} else if s.DSN == "" {
			l.add("store.dsn", "driver postgres needs the database's connection string, such as postgres://clearway@db1/clearway")
		}
	default:
		l.add("store.driver", fmt.Sprintf("must be sqlite or postgres, got %q", s.Driver))
	}
}
