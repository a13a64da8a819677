package cluster

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// claimLease takes lease $1 for holder $2 for $3 microseconds when it is
// free, expired, or already $2's, in one atomic statement. It returns one
// row: whether $2 holds it now, and otherwise how long until it expires.
// No row means another node took the name concurrently.
const claimLease = `
WITH claimed AS (
	INSERT INTO cluster_leases AS l (name, holder, acquired_at, expires_at, renewed_at)
	VALUES ($1, $2, now(), now() + $3::bigint * interval '1 microsecond', now())
	ON CONFLICT (name) DO UPDATE SET
		holder      = EXCLUDED.holder,
		acquired_at = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > now()
		                   THEN l.acquired_at ELSE now() END,
		expires_at  = EXCLUDED.expires_at,
		renewed_at  = now()
	WHERE l.expires_at <= now() OR l.holder = EXCLUDED.holder
	RETURNING l.holder
)
SELECT true, 0::float8 FROM claimed
UNION ALL
SELECT false, extract(epoch FROM l.expires_at - now())::float8
FROM cluster_leases l
WHERE l.name = $1 AND NOT EXISTS (SELECT 1 FROM claimed)`

// TryAcquire takes lease name for holder for ttl if it is free, expired or
// already holder's (then it is extended), and reports whether holder holds
// it now.
func (s *Store) TryAcquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	held, _, err := s.claim(ctx, name, holder, ttl)
	return held, err
}

// claim is TryAcquire that also says how long until another holder's lease
// expires (0 when unknown or held).
func (s *Store) claim(ctx context.Context, name, holder string, ttl time.Duration) (held bool, left time.Duration, err error) {
	if err := checkLease(name, holder, ttl); err != nil {
		return false, 0, err
	}
	var secs float64
	err = s.db.QueryRowContext(ctx, claimLease, name, holder, micros(ttl)).Scan(&held, &secs)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, 0, nil
	case err != nil:
		return false, 0, fmt.Errorf("acquire lease %q for %q: %w", name, holder, err)
	}
	return held, max(0, time.Duration(secs*float64(time.Second))), nil
}

// Renew extends holder's lease name to ttl from now and reports whether it
// did: false when the lease expired or another holder has it.
func (s *Store) Renew(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if err := checkLease(name, holder, ttl); err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, `
		UPDATE cluster_leases
		SET expires_at = now() + $3::bigint * interval '1 microsecond', renewed_at = now()
		WHERE name = $1 AND holder = $2 AND expires_at > now()`,
		name, holder, micros(ttl))
	if err != nil {
		return false, fmt.Errorf("renew lease %q for %q: %w", name, holder, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("renew lease %q for %q: %w", name, holder, err)
	}
	return n == 1, nil
}

// Release ends holder's lease name now, so another node need not wait for
// it to expire. The row stays, naming its last holder, for cluster status.
// Releasing a lease holder does not hold is no error.
func (s *Store) Release(ctx context.Context, name, holder string) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE cluster_leases SET expires_at = now()
		WHERE name = $1 AND holder = $2 AND expires_at > now()`,
		name, holder)
	if err != nil {
		return fmt.Errorf("release lease %q for %q: %w", name, holder, err)
	}
	return nil
}

// checkLease refuses arguments no lease can have.
func checkLease(name, holder string, ttl time.Duration) error {
	switch {
	case name == "":
		return errors.New("lease: empty name")
	case holder == "":
		return fmt.Errorf("lease %q: empty holder", name)
	case ttl < time.Millisecond:
		return fmt.Errorf("lease %q: ttl %s is below 1ms", name, ttl)
	}
	return nil
}

// listLeases reads every lease row.
func listLeases(ctx context.Context, tx *sql.Tx) ([]LeaseRow, error) {
	rows, err := tx.QueryContext(ctx, `
		SELECT name, holder, acquired_at, expires_at, renewed_at
		FROM cluster_leases ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list leases: %w", err)
	}
	defer rows.Close()
	var leases []LeaseRow
	for rows.Next() {
		var l LeaseRow
		if err := rows.Scan(&l.Name, &l.Holder, &l.AcquiredAt, &l.ExpiresAt, &l.RenewedAt); err != nil {
			return nil, fmt.Errorf("list leases: %w", err)
		}
		leases = append(leases, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list leases: %w", err)
	}
	return leases, nil
}
