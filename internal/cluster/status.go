package cluster

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
	"time"
)

// NodeRow is one row of cluster_nodes.
type NodeRow struct {
	ID        string
	Host      string
	PID       int
	Version   string
	StartedAt time.Time
	SeenAt    time.Time
	LeftAt    time.Time // zero while the node runs
}

// LeaseRow is one row of cluster_leases.
type LeaseRow struct {
	Name       string
	Holder     string
	AcquiredAt time.Time
	ExpiresAt  time.Time
	RenewedAt  time.Time
}

// Node states in Status.
const (
	NodeUp    = "up"    // heartbeating
	NodeStale = "stale" // silent for longer than staleAfter: likely dead
	NodeGone  = "gone"  // closed cleanly
)

// Lease states in Status.
const (
	LeaseHeld = "held" // expires in the future
	LeaseFree = "free" // expired or released; Holder is the last one
)

// Status is what `clearway cluster status --json` prints.
type Status struct {
	Now    time.Time     `json:"now"`
	Nodes  []NodeStatus  `json:"nodes"`
	Leases []LeaseStatus `json:"leases"`
}

// NodeStatus is one node with its ages in seconds.
type NodeStatus struct {
	ID             string     `json:"id"`
	Host           string     `json:"host"`
	PID            int        `json:"pid"`
	Version        string     `json:"version"`
	State          string     `json:"state"`
	StartedAt      time.Time  `json:"started_at"`
	SeenAt         time.Time  `json:"seen_at"`
	LeftAt         *time.Time `json:"left_at,omitempty"`
	AgeSeconds     float64    `json:"age_seconds"`      // since it started
	SeenSecondsAgo float64    `json:"seen_seconds_ago"` // since its last heartbeat
}

// LeaseStatus is one lease with its ages in seconds.
type LeaseStatus struct {
	Name             string    `json:"name"`
	Holder           string    `json:"holder"`
	State            string    `json:"state"`
	HolderState      string    `json:"holder_state"` // the holder's node state, "unknown" if unlisted
	AcquiredAt       time.Time `json:"acquired_at"`
	ExpiresAt        time.Time `json:"expires_at"`
	RenewedAt        time.Time `json:"renewed_at"`
	AgeSeconds       float64   `json:"age_seconds"`        // since the holder acquired it
	ExpiresInSeconds float64   `json:"expires_in_seconds"` // negative once expired
}

// BuildStatus describes nodes and leases as of now (the database clock):
// node states, lease states and ages. Nodes come up first, then stale, then
// gone, each by id; leases by name.
func BuildStatus(now time.Time, staleAfter time.Duration, nodes []NodeRow, leases []LeaseRow) Status {
	now = now.UTC()
	st := Status{Now: now, Nodes: []NodeStatus{}, Leases: []LeaseStatus{}}
	states := map[string]string{}
	for _, n := range nodes {
		ns := describeNode(now, staleAfter, n)
		states[n.ID] = ns.State
		st.Nodes = append(st.Nodes, ns)
	}
	slices.SortFunc(st.Nodes, func(a, b NodeStatus) int {
		return cmp.Or(cmp.Compare(nodeRank(a.State), nodeRank(b.State)), cmp.Compare(a.ID, b.ID))
	})
	for _, l := range leases {
		st.Leases = append(st.Leases, describeLease(now, l, states))
	}
	slices.SortFunc(st.Leases, func(a, b LeaseStatus) int { return cmp.Compare(a.Name, b.Name) })
	return st
}

// NodeState decides whether a node is up, stale or gone at now.
func NodeState(now time.Time, staleAfter time.Duration, n NodeRow) string {
	switch {
	case !n.LeftAt.IsZero():
		return NodeGone
	case now.Sub(n.SeenAt) > staleAfter:
		return NodeStale
	}
	return NodeUp
}

func describeNode(now time.Time, staleAfter time.Duration, n NodeRow) NodeStatus {
	ns := NodeStatus{
		ID: n.ID, Host: n.Host, PID: n.PID, Version: n.Version,
		State:          NodeState(now, staleAfter, n),
		StartedAt:      n.StartedAt.UTC(),
		SeenAt:         n.SeenAt.UTC(),
		AgeSeconds:     seconds(now.Sub(n.StartedAt)),
		SeenSecondsAgo: seconds(now.Sub(n.SeenAt)),
	}
	if !n.LeftAt.IsZero() {
		left := n.LeftAt.UTC()
		ns.LeftAt = &left
	}
	return ns
}

func describeLease(now time.Time, l LeaseRow, nodeStates map[string]string) LeaseStatus {
	ls := LeaseStatus{
		Name: l.Name, Holder: l.Holder,
		State:            LeaseFree,
		HolderState:      cmp.Or(nodeStates[l.Holder], "unknown"),
		AcquiredAt:       l.AcquiredAt.UTC(),
		ExpiresAt:        l.ExpiresAt.UTC(),
		RenewedAt:        l.RenewedAt.UTC(),
		AgeSeconds:       seconds(now.Sub(l.AcquiredAt)),
		ExpiresInSeconds: seconds(l.ExpiresAt.Sub(now)),
	}
	if l.ExpiresAt.After(now) {
		ls.State = LeaseHeld
	}
	return ls
}

func nodeRank(state string) int {
	return map[string]int{NodeUp: 0, NodeStale: 1, NodeGone: 2}[state]
}

// seconds is d in seconds to the millisecond.
func seconds(d time.Duration) float64 {
	return math.Round(d.Seconds()*1000) / 1000
}

// WriteText prints the status as two aligned tables for people.
func (st Status) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tHOST\tPID\tVERSION\tSTATE\tAGE\tSEEN")
	for _, n := range st.Nodes {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s ago\n", n.ID, n.Host, n.PID, n.Version, n.State,
			age(n.AgeSeconds), age(n.SeenSecondsAgo))
	}
	fmt.Fprintln(tw, "\nLEASE\tHOLDER\tSTATE\tAGE\tEXPIRES IN")
	for _, l := range st.Leases {
		expiry := age(l.ExpiresInSeconds)
		if l.ExpiresInSeconds <= 0 {
			expiry = "expired " + age(-l.ExpiresInSeconds) + " ago"
		}
		fmt.Fprintf(tw, "%s\t%s (%s)\t%s\t%s\t%s\n", l.Name, l.Holder, l.HolderState, l.State,
			age(l.AgeSeconds), expiry)
	}
	return tw.Flush()
}

// age renders seconds as a duration rounded to the second.
func age(secs float64) string {
	return time.Duration(secs * float64(time.Second)).Round(time.Second).String()
}
