package config

import (
	"os"
	"strings"
	"testing"
)

// The store block: SQLite by default, PostgreSQL with its DSN (inline or
// from the environment), and mistakes named by file, line and field.
func TestParse_Store(t *testing.T) {
	t.Setenv("CW_TEST_DSN", "postgres://clearway@db1/clearway")
	for _, tc := range []struct {
		name, yaml, driver, dsn, err string
	}{
		{"Default", "data_dir: var\n", "sqlite", "", ""},
		{"Postgres", "data_dir: var\nstore:\n  driver: postgres\n  dsn: postgres://cw@db1/cw\n", "postgres", "postgres://cw@db1/cw", ""},
		{"FromEnv", "data_dir: var\nstore: {driver: postgres, dsn: $CW_TEST_DSN}\n", "postgres", "postgres://clearway@db1/clearway", ""},
		{"UnsetEnv", "data_dir: var\nstore:\n  driver: postgres\n  dsn: $CW_NOT_SET_ANYWHERE\n", "", "", "clearway.yaml:4: store.dsn: environment variable CW_NOT_SET_ANYWHERE is not set"},
		{"NoDSN", "data_dir: var\nstore:\n  driver: postgres\n", "", "", "store.dsn: driver postgres needs the database's connection string"},
		{"Typo", "data_dir: var\nstore:\n  driver: postgresql\n", "", "", `clearway.yaml:3: store.driver: must be sqlite or postgres, got "postgresql"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tc.yaml), "clearway.yaml")
			if err == nil {
				err = c.Resolve(t.TempDir(), os.LookupEnv)
			}
			if err == nil {
				err = c.Validate()
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want an error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Store.Driver != tc.driver || string(c.Store.DSN) != tc.dsn {
				t.Errorf("store %+v, want %s %s", c.Store, tc.driver, tc.dsn)
			}
		})
	}
}
