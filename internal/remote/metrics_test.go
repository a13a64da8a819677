package remote

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/clearway/clearway/internal/config"
	"github.com/clearway/clearway/internal/metrics"
	"github.com/clearway/clearway/internal/testutil"
)

// remoteErrors reads clearway_remote_errors_total for fastclear.
func remoteErrors(t *testing.T, m *metrics.Metrics, direction string) float64 {
	t.Helper()
	var out dto.Metric
	if err := m.RemoteErrors.WithLabelValues("fastclear", direction).Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.GetCounter().GetValue()
}

// TestMetrics counts a pull refused by the host key check and a push whose
// folder is missing, and not the push that succeeds once it is back.
func TestMetrics(t *testing.T) {
	s := testutil.StartSSHD(t)
	h := mustHub(t)
	m, err := metrics.New(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}

	p, _ := newPuller(t, s, h, config.AfterDelete, "")
	p.Metrics = m
	other := testutil.MustKey(t, t.TempDir(), "impostor")
	p.Remote.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	mustWrite(t, p.Remote.KnownHostsFile, []byte(knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, other.Public)+"\n"))
	if _, err := p.Run(context.Background()); err == nil {
		t.Fatal("pull with a changed host key: no error")
	}
	if got := remoteErrors(t, m, metrics.DirectionPull); got != 1 {
		t.Errorf("pull errors = %v, want 1", got)
	}

	push, incoming := newPusher(t, s, h)
	push.Metrics = m
	outbox := localOutbox(t, push)
	mustWrite(t, filepath.Join(outbox, "997-0002.edi"), status350)
	if err := os.Remove(incoming); err != nil {
		t.Fatal(err)
	}
	if _, err := push.PushPending(context.Background(), "outbox"); err == nil {
		t.Fatal("push to a missing folder: no error")
	}
	mustMkdir(t, incoming)
	if _, err := push.PushPending(context.Background(), "outbox"); err != nil {
		t.Fatal(err)
	}
	if got := remoteErrors(t, m, metrics.DirectionPush); got != 1 {
		t.Errorf("push errors = %v, want 1", got)
	}
}
