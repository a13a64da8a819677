package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/clearway/clearway/internal/testutil"
)

// BenchmarkAckLatency measures upload close → 997 in the outbox for small
// X12 350 files, through the real hub (SFTP server, intake, pipeline, acks).
func BenchmarkAckLatency(b *testing.B) {
	dir := b.TempDir()
	repo, _ := filepath.Abs("../..")
	key := testutil.MustKey(b, dir, "fastclear")
	os.MkdirAll(filepath.Join(dir, "mappings"), 0o755)
	m350, _ := os.ReadFile(filepath.Join(repo, "mappings", "x12-350.yaml"))
	os.WriteFile(filepath.Join(dir, "mappings", "x12-350.yaml"), m350, 0o644)
	cfgPath := filepath.Join(dir, "clearway.yaml")
	os.WriteFile(cfgPath, []byte(`data_dir: var
log: {level: error}
sftp: {listen: "127.0.0.1:0"}
http: {listen: ""}
mappings_dir: mappings
partners:
  - {id: fastclear, name: Broker, role: broker, sftp: {authorized_keys_file: fastclear.pub}, mappings: [x12-350]}
`), 0o644)
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		b.Fatal(err)
	}
	hub := NewHub(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := hub.Open(); err != nil {
		b.Fatal(err)
	}
	defer hub.Close()
	conn, err := ssh.Dial("tcp", hub.SFTP.Addr().String(), &ssh.ClientConfig{User: "fastclear",
		Auth: []ssh.AuthMethod{ssh.PublicKeys(key.Signer)}, HostKeyCallback: ssh.FixedHostKey(hub.SFTP.HostKey.PublicKey())})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	c, err := sftp.NewClient(conn)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	c.MkdirAll("/inbox/edi/350")
	template, _ := os.ReadFile(filepath.Join(repo, "testdata/mappings/x12-350/inbox/edi/350/350_000000101.edi"))
	outbox := filepath.Join(cfg.DataDir, "partners", "fastclear", "outbox")
	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		// A distinct interchange each time (same bytes would be a duplicate).
		body := strings.Replace(string(template), "000000101", fmt.Sprintf("%09d", 200000+i), 2)
		before := countFiles(outbox)
		f, err := c.Create(fmt.Sprintf("/inbox/edi/350/f%06d.edi", i))
		if err != nil {
			b.Fatal(err)
		}
		f.Write([]byte(body))
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		closed := time.Now()
		for countFiles(outbox) == before {
			if time.Since(closed) > 10*time.Second {
				b.Fatal("no ack within 10 s")
			}
			time.Sleep(200 * time.Microsecond)
		}
		lat = append(lat, time.Since(closed))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}

func countFiles(dir string) int {
	entries, _ := os.ReadDir(dir)
	n := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			n++
		}
	}
	return n
}

// BenchmarkRemotePull1000 is one scheduled pull of 1,000 small X12 350 files
// from a partner's own server (a real OpenSSH sshd), through the whole hub:
// pull, intake, pipeline, 997s, push. It reports pulled files/s and the time
// from the run's start to the last 997 in the partner's incoming folder.
func BenchmarkRemotePull1000(b *testing.B) {
	const n = 1000
	srv := testutil.StartSSHD(b)
	repo, _ := filepath.Abs("../..")
	template, _ := os.ReadFile(filepath.Join(repo, "testdata/mappings/x12-350/inbox/edi/350/350_000000101.edi"))
	round := 0
	for b.Loop() {
		b.StopTimer()
		round++
		dir := b.TempDir()
		out, in := srv.Path(fmt.Sprintf("out%d", round)), srv.Path(fmt.Sprintf("in%d", round))
		os.MkdirAll(out, 0o755)
		os.MkdirAll(in, 0o755)
		os.MkdirAll(filepath.Join(dir, "mappings"), 0o755)
		m350, _ := os.ReadFile(filepath.Join(repo, "mappings", "x12-350.yaml"))
		os.WriteFile(filepath.Join(dir, "mappings", "x12-350.yaml"), m350, 0o644)
		cfgPath := filepath.Join(dir, "clearway.yaml")
		// A daily schedule: the benchmark starts the run itself.
		os.WriteFile(cfgPath, []byte(fmt.Sprintf(`data_dir: var
log: {level: error}
sftp: {listen: ""}
http: {listen: ""}
mappings_dir: mappings
partners:
  - id: fastclear
    name: Broker
    role: broker
    mappings: [x12-350]
    remote:
      address: %s
      user: %s
      private_key_file: %s
      known_hosts_file: %s
      pull: {path: %s, schedule: "0 3 * * *", after: delete, ready: stable, prefix: inbox/edi/350}
      push: {path: %s}
`, srv.Addr, srv.User, srv.ClientKeyFile, srv.KnownHostsFile, out, in)), 0o644)
		for i := range n {
			body := strings.Replace(string(template), "000000101", fmt.Sprintf("%09d", 300000+i), 2)
			os.WriteFile(filepath.Join(out, fmt.Sprintf("350_%06d.edi", i)), []byte(body), 0o644)
		}
		cfg, err := loadConfig(cfgPath)
		if err != nil {
			b.Fatal(err)
		}
		hub := NewHub(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := hub.Open(); err != nil {
			b.Fatal(err)
		}
		hub.jobs["fastclear"].puller.SettleDelay = 0 // files written before the run: one look is enough
		b.StartTimer()
		start := time.Now()
		stats, err := hub.jobs["fastclear"].puller.Run(b.Context())
		if err != nil || stats.Taken != n {
			b.Fatalf("pull: %+v %v", stats, err)
		}
		pulled := time.Since(start)
		if err := hub.waitIngested(b.Context(), "fastclear", 5*time.Minute); err != nil {
			b.Fatal(err)
		}
		if err := hub.jobs["fastclear"].push(b.Context()); err != nil {
			b.Fatal(err)
		}
		last := time.Since(start)
		b.StopTimer()
		if got := countFiles(in); got != n {
			b.Fatalf("%d acks in the incoming folder, want %d", got, n)
		}
		hub.Close()
		b.ReportMetric(float64(n)/pulled.Seconds(), "pulled-files/s")
		b.ReportMetric(last.Seconds(), "s-to-last-ack")
		b.StartTimer()
	}
}
