package cluster

import (
	"bytes"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/testutil"
)

// statusNow is the database clock the status rows are read at.
var statusNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func at(offset string) time.Time {
	d, err := time.ParseDuration(offset)
	if err != nil {
		panic(err)
	}
	return statusNow.Add(d)
}

// statusRows are three nodes (up, crashed, shut down) and three leases
// (held, held by the crashed node, released), in no particular order.
func statusRows() ([]NodeRow, []LeaseRow) {
	nodes := []NodeRow{
		{ID: "hub2-77-bbbbbb", Host: "hub2", PID: 77, Version: "v1.4.0",
			StartedAt: at("-10m"), SeenAt: at("-40s")},
		{ID: "hub3-12-cccccc", Host: "hub3", PID: 12, Version: "v1.3.9",
			StartedAt: at("-30h"), SeenAt: at("-2h"), LeftAt: at("-2h")},
		{ID: "hub1-42-aaaaaa", Host: "hub1", PID: 42, Version: "v1.4.0",
			StartedAt: at("-1h30m"), SeenAt: at("-2.5s")},
	}
	leases := []LeaseRow{
		{Name: "retention", Holder: "hub3-12-cccccc",
			AcquiredAt: at("-26h"), ExpiresAt: at("-2h"), RenewedAt: at("-2h10s")},
		{Name: "outbound:acme", Holder: "hub1-42-aaaaaa",
			AcquiredAt: at("-1h29m"), ExpiresAt: at("13.5s"), RenewedAt: at("-1.5s")},
		{Name: "pull:fastclear", Holder: "hub2-77-bbbbbb",
			AcquiredAt: at("-9m"), ExpiresAt: at("2s"), RenewedAt: at("-43s")},
	}
	return nodes, leases
}

func TestBuildStatus(t *testing.T) {
	nodes, leases := statusRows()
	// Read in another zone: the status is in UTC all the same.
	st := BuildStatus(statusNow.In(time.FixedZone("CET", 3600)), 15*time.Second, nodes, leases)
	testutil.CheckGolden(t, "testdata/status.golden.json", testutil.GoldenJSON(t, st))

	var text bytes.Buffer
	if err := st.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	testutil.CheckGolden(t, "testdata/status.golden.txt", text.Bytes())
}

// An empty cluster prints empty lists, not null.
func TestBuildStatusEmpty(t *testing.T) {
	got := string(testutil.GoldenJSON(t, BuildStatus(statusNow, time.Second, nil, nil)))
	want := "{\n  \"now\": \"2026-03-02T10:00:00Z\",\n  \"nodes\": [],\n  \"leases\": []\n}\n"
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestNodeState(t *testing.T) {
	for _, tc := range []struct {
		name string
		row  NodeRow
		want string
	}{
		{"Up", NodeRow{SeenAt: at("-5s")}, NodeUp},
		{"UpAtTheLimit", NodeRow{SeenAt: at("-15s")}, NodeUp},
		{"Stale", NodeRow{SeenAt: at("-15.001s")}, NodeStale},
		{"Gone", NodeRow{SeenAt: at("-1s"), LeftAt: at("-1s")}, NodeGone},
		{"GoneLongAgo", NodeRow{SeenAt: at("-1h"), LeftAt: at("-1h")}, NodeGone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NodeState(statusNow, 15*time.Second, tc.row); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
