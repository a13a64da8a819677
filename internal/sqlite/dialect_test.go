package sqlite

import "testing"

func TestToPostgres(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = $1 AND c = $2`},
		{`WHERE (?1 = '' OR p = ?1) AND (?2 = 0 OR f = ?2) AND x = ?`, `WHERE ($1 = '' OR p = $1) AND ($2 = 0 OR f = $2) AND x = $3`},
		{`SELECT '?', "a?b" FROM t WHERE x = ? -- why?`, `SELECT '?', "a?b" FROM t WHERE x = $1 -- why?`},
		{`SELECT 'it''s ?' WHERE y = ?`, `SELECT 'it''s ?' WHERE y = $1`},
		{`INSERT OR IGNORE INTO parties (a, b) VALUES (?, ?)`, `INSERT INTO parties (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING`},
		{"insert or ignore into t (a) values (?) RETURNING id;", "INSERT INTO t (a) values ($1) ON CONFLICT DO NOTHING RETURNING id"},
		{`INSERT INTO t (a) VALUES ('INSERT OR IGNORE INTO')`, `INSERT INTO t (a) VALUES ('INSERT OR IGNORE INTO')`},
		{`INSERT INTO f (k) VALUES (?2), (?3) ON CONFLICT (k) DO NOTHING`, `INSERT INTO f (k) VALUES ($2), ($3) ON CONFLICT (k) DO NOTHING`},
	} {
		if got := toPostgres(c.in); got != c.want {
			t.Errorf("%s\n got  %s\n want %s", c.in, got, c.want)
		}
	}
}
