package main

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/clearway/clearway/internal/testutil"
)

// scrapeMetrics GETs /metrics from the daemon with the header pairs and
// returns the status and, for a 200, the parsed series.
func scrapeMetrics(t *testing.T, base string, header ...string) (int, map[string]*dto.MetricFamily) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse as Prometheus text: %v", err)
	}
	return resp.StatusCode, fams
}

// series is the value of the counter or gauge, or the sample count of the
// histogram, with exactly labels (0 when absent).
func series(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	for _, m := range fams[name].GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		if !maps.Equal(got, labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

// sum adds every series of the family.
func sum(fams map[string]*dto.MetricFamily, name string) float64 {
	var n float64
	for _, m := range fams[name].GetMetric() {
		n += m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
	}
	return n
}

// TestMetricsOverSFTP scrapes the real daemon's /metrics, uploads an X12
// 350 with the real OpenSSH client, and checks that the counters moved:
// received over sftp, ingested done, its 997 written, a refused login, the
// entries the file made; and that only loopback or the token may scrape.
func TestMetricsOverSFTP(t *testing.T) {
	const token = "metrics-0123456789abcdef0123"
	d := newDemo(t)
	repo, _ := filepath.Abs("../..")
	m350, err := os.ReadFile(filepath.Join(repo, "mappings", "x12-350.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d.withMappings(t, map[string]string{"x12-350.yaml": string(m350)}, "[x12-350]")
	cfg, _ := os.ReadFile(d.config)
	tokenCfg := strings.Replace(string(cfg), `http: {listen: "127.0.0.1:0"}`, `http: {listen: "127.0.0.1:0", metrics_token: $CW_TEST_METRICS_TOKEN}`, 1)
	if tokenCfg == string(cfg) {
		t.Fatal("demo config has no http line to add the token to")
	}
	if err := os.WriteFile(d.config, []byte(tokenCfg), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CW_TEST_METRICS_TOKEN", token)
	dm := d.start(t)
	base := dm.httpURL(t)

	code, before := scrapeMetrics(t, base)
	if code != http.StatusOK {
		t.Fatalf("GET /metrics from loopback: %d, want 200\n%s", code, dm.logs)
	}
	for _, name := range []string{"clearway_ingest_duration_seconds", "clearway_sftp_sessions_open", "clearway_bans_total"} {
		if before[name] == nil {
			t.Errorf("first scrape lacks %s", name)
		}
	}
	acme := map[string]string{"partner": "acme", "channel": "sftp"}
	done := map[string]string{"partner": "acme", "state": "done"}

	// A refused key, then the upload.
	stranger := testutil.MustKey(t, t.TempDir(), "stranger")
	args := append(testutil.SFTPArgs(stranger.PrivatePath, dm.port), "acme@127.0.0.1")
	if out, err := testutil.Run(t, 90*time.Second, []byte("ls\n"), testutil.RequireTool(t, "sftp"), args...); err == nil {
		t.Fatalf("sftp with a key not on file logged in:\n%s", out)
	}
	edi := filepath.Join(repo, "testdata/mappings/x12-350/inbox/edi/350/350_000000101.edi")
	script := fmt.Sprintf("mkdir /inbox/edi\nmkdir /inbox/edi/350\nput %s /inbox/edi/350/a.edi\n", edi)
	if out, err := d.sftp(t, dm.port, script); err != nil {
		t.Fatalf("sftp: %v\n%s", err, out)
	}
	if files := d.waitFiles(t, 1, 30*time.Second); files[0]["state"] != "done" {
		t.Fatalf("journal: %v", files)
	}

	// The 997 is written just after the file settles: poll.
	var after map[string]*dto.MetricFamily
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, after = scrapeMetrics(t, base)
		if series(after, "clearway_ack_latency_seconds", map[string]string{"kind": "997"}) >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, tt := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"clearway_files_received_total", acme, 1},
		{"clearway_files_ingested_total", done, 1},
		{"clearway_ingest_duration_seconds", nil, 1},
		{"clearway_ack_latency_seconds", map[string]string{"kind": "997"}, 1},
	} {
		if got := series(after, tt.name, tt.labels) - series(before, tt.name, tt.labels); got != tt.want {
			t.Errorf("%s%v moved by %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	if got := sum(after, "clearway_sftp_auth_failures_total"); got < 1 {
		t.Errorf("clearway_sftp_auth_failures_total = %v after a refused key, want ≥ 1", got)
	}
	if got := sum(after, "clearway_entries"); got < 1 {
		t.Errorf("clearway_entries sums to %v after a 350 was applied, want ≥ 1", got)
	}
	if got := series(after, "clearway_sftp_sessions_open", nil); got != 0 {
		t.Errorf("clearway_sftp_sessions_open = %v after the sessions ended, want 0", got)
	}

	// Through a proxy on this machine the request is not local: it needs
	// the token (the non-loopback case itself is tested in internal/web).
	proxied := []string{"X-Forwarded-For", "203.0.113.9"}
	if code, _ := scrapeMetrics(t, base, proxied...); code != http.StatusForbidden {
		t.Errorf("proxied scrape without the token: %d, want 403", code)
	}
	if code, _ := scrapeMetrics(t, base, append(proxied, "Authorization", "Bearer wrong")...); code != http.StatusForbidden {
		t.Errorf("proxied scrape with a wrong token: %d, want 403", code)
	}
	if code, _ := scrapeMetrics(t, base, append(proxied, "Authorization", "Bearer "+token)...); code != http.StatusOK {
		t.Errorf("proxied scrape with the token from $CW_TEST_METRICS_TOKEN: %d, want 200", code)
	}
	if err := dm.stop(t); err != nil {
		t.Fatalf("SIGTERM exit: %v\n%s", err, dm.logs)
	}
}
