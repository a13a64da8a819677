// Package cluster lets several identical Clearway daemons share one
// PostgreSQL database: each node registers itself and heartbeats
// (cluster_nodes), and scheduled work (outbound jobs, remote pulls and
// pushes, retention, escalations, breach checks) runs on one node at a time
// under a lease (cluster_leases).
//
// # Why lease rows with an expiry, not advisory locks
//
// A session advisory lock belongs to one database connection. Behind a
// connection pool (database/sql here, or PgBouncer in transaction mode) the
// lock stays with whichever pooled connection took it, is released when the
// pool recycles that connection, and cannot be renewed or released from
// another one. It is also invisible to other nodes except through
// pg_locks, which says nothing of which node holds it or since when. A row
// in cluster_leases is taken, renewed and released by single statements on
// any connection, and `clearway cluster status` simply reads it.
//
// # Time comes from the database
//
// acquired_at, expires_at and renewed_at are all now() of the database, and
// a lease is free once expires_at <= now(). Node clocks never meet: a node
// with a skewed clock can neither take a live lease nor keep an expired one.
// Locally a Leader trusts its lease only until the moment it sent the
// statement that granted it plus the TTL, a point no later than the
// database's expires_at, so two nodes never both believe they hold it
// (clock rates assumed equal; skew does not matter).
//
// # How long a handover takes
//
// The holder renews every TTL/3. If it dies, its lease expires at most one
// TTL after its last renewal, which came before its death; the others poll
// every TTL/3 at most and, once they have seen the expiry time, wake just
// after it. So the work moves to another node within one TTL of the
// holder's death (plus a query's latency), and a tick that falls inside that
// window runs nowhere. A holder that cannot renew (database unreachable,
// lease taken) stops claiming the lease at once and cancels the context of
// work it is running under it.
//
// Leases are not fencing tokens: a holder frozen for longer than the TTL
// (a stopped VM) may finish a run after another node began one, so jobs
// stay idempotent as they are today.
package cluster
