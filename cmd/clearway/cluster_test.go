package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/testutil/pgtest"
)

// clusterConfig adds the ERP with a status feed every 10 s and a broker
// sending customs statuses, on a shared PostgreSQL store.
func clusterConfig(dsn string) string {
	return fmt.Sprintf(`  - id: erp
    name: ERP
    role: erp
    mappings: []
    outbound:
      - {job: feed, kind: status, format: csv, schedule: "@every 10s"}
  - id: fastclear
    name: FastClear
    role: broker
    mappings: [broker-status-csv]
store: {driver: postgres, dsn: "%s"}
`, dsn)
}

// feedStatuses sends the broker's statuses through d's CLI, one a second
// or as fast as the CLI goes, until stop is closed, each opening a new shipment (a state change for
// the feed), and returns how many it sent.
func feedStatuses(t *testing.T, d *demo, stop <-chan struct{}) <-chan int {
	sent := make(chan int, 1)
	go func() {
		n := 0
		defer func() { sent <- n }()
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
			file := filepath.Join(d.dir, fmt.Sprintf("EVENTS-%03d.csv", n))
			os.WriteFile(file, fmt.Appendf(nil, "Event Code,Event Time,Entry No,Master BL,House BL,Container,Message\n"+
				"CCC,20/03/2026 14:05,,MAEU24%07d,,,Customs declaration commenced\n", n), 0o644)
			if out, errOut, code := d.clearway(t, "ingest", "--partner", "fastclear", "--into", "inbox/events", file); code != 0 {
				t.Errorf("ingest %s: exit %d %s%s", file, code, out, errOut)
				return
			}
			n++
		}
	}()
	return sent
}

// delivery is one delivered run of an outbound job.
type delivery struct {
	Job       string    `json:"job"`
	State     string    `json:"state"`
	Items     int       `json:"items"`
	CreatedAt time.Time `json:"created_at"`
}

// feedDeliveries are the status feed's delivered runs, oldest first.
func feedDeliveries(t *testing.T, d *demo) []delivery {
	t.Helper()
	out, errOut, code := d.clearway(t, "outbound", "list", "--partner", "erp", "--json")
	if code != 0 {
		t.Fatalf("outbound list: exit %d %s", code, errOut)
	}
	var runs []delivery
	if err := json.Unmarshal([]byte(out), &runs); err != nil {
		t.Fatalf("outbound list: %v\n%s", err, out)
	}
	runs = slices.DeleteFunc(runs, func(r delivery) bool { return r.Job != "feed" || r.State != "delivered" })
	slices.SortFunc(runs, func(x, y delivery) int { return x.CreatedAt.Compare(y.CreatedAt) })
	return runs
}

// jobRuns are the times a node's log says it ran the job.
func jobRuns(logs, job string) []time.Time {
	var out []time.Time
	for _, line := range strings.Split(logs, "\n") {
		var rec struct {
			Time time.Time `json:"time"`
			Msg  string    `json:"msg"`
			Job  string    `json:"job"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "cluster job ran on this node" && rec.Job == job {
			out = append(out, rec.Time)
		}
	}
	return out
}

var nodeID = regexp.MustCompile(`"msg":"joined the cluster","node":"([^"]+)"`)

// Two daemons on one PostgreSQL: a job scheduled every 10 s runs once per
// tick across both for a minute; killed, its holder's job moves to the
// other node within one lease period.
func TestClusterJobRunsOncePerTick(t *testing.T) {
	t.Parallel()
	dsn := pgtest.New(t)
	a, b := newDemo(t), newDemo(t)
	mapping, err := os.ReadFile(filepath.Join("..", "..", "mappings", "broker-status-csv.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*demo{a, b} {
		os.WriteFile(filepath.Join(d.dir, "mappings", "broker-status-csv.yaml"), mapping, 0o644)
		d.writeConfig(t, clusterConfig(dsn))
	}
	da, db := a.start(t), b.start(t)
	ids := map[*daemon]string{}
	for _, d := range []*daemon{da, db} {
		deadline := time.Now().Add(20 * time.Second)
		for ids[d] == "" && time.Now().Before(deadline) {
			if m := nodeID.FindStringSubmatch(d.logs.String()); m != nil {
				ids[d] = m[1]
			}
			time.Sleep(100 * time.Millisecond)
		}
		if ids[d] == "" {
			t.Fatalf("a daemon did not join the cluster:\n%s", d.logs)
		}
	}

	// For a minute the broker sends a status every few seconds, so every
	// tick has something to deliver: one delivery per 10 s tick across
	// both nodes, and every status delivered once.
	stop := make(chan struct{})
	begun := time.Now()
	sent := feedStatuses(t, a, stop)
	time.Sleep(61 * time.Second)
	close(stop)
	statuses := <-sent
	var deliveries []delivery
	for deadline := time.Now().Add(25 * time.Second); ; time.Sleep(time.Second) {
		deliveries = feedDeliveries(t, a)
		items := 0
		for _, d := range deliveries {
			items += d.Items
		}
		if items == statuses {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d statuses sent, %d delivered in %d files: %+v", statuses, items, len(deliveries), deliveries)
		}
	}
	inMinute := slices.DeleteFunc(slices.Clone(deliveries), func(d delivery) bool { return d.CreatedAt.After(begun.Add(61 * time.Second)) })
	if len(inMinute) < 5 || len(inMinute) > 7 || statuses < 6 {
		t.Fatalf("%d deliveries in a minute across both nodes (%d statuses sent), want one per 10 s tick: %+v", len(inMinute), statuses, deliveries)
	}
	for i := 1; i < len(deliveries); i++ {
		if gap := deliveries[i].CreatedAt.Sub(deliveries[i-1].CreatedAt); gap < 5*time.Second {
			t.Errorf("two deliveries %v apart: a tick ran on both nodes", gap)
		}
	}
	t.Logf("%d statuses delivered in %d files, %d of them in the minute", statuses, len(deliveries), len(inMinute))
	// A tick that ran on both nodes would find nothing left the second
	// time, so the runs are counted too, from the nodes' logs.
	runs := append(jobRuns(da.logs.String(), "erp/feed"), jobRuns(db.logs.String(), "erp/feed")...)
	slices.SortFunc(runs, func(x, y time.Time) int { return x.Compare(y) })
	for i := 1; i < len(runs); i++ {
		if gap := runs[i].Sub(runs[i-1]); gap < 5*time.Second {
			t.Errorf("two runs %v apart: a tick ran on both nodes", gap)
		}
	}

	holder, other := da, db
	if n := jobRuns(db.logs.String(), "erp/feed"); len(n) > 0 && n[len(n)-1].After(runs[len(runs)-1].Add(-time.Second)) {
		holder, other = db, da
	}
	holder.cmd.Process.Kill() // kill -9: the lease is not released
	killed := time.Now()
	out, errOut, code := a.clearway(t, "cluster", "status", "--json")
	if code != 0 || !strings.Contains(out, `"leases"`) || !strings.Contains(out, `"nodes"`) {
		t.Fatalf("cluster status: exit %d %s%s", code, out, errOut)
	}
	for {
		out, _, _ = a.clearway(t, "cluster", "status", "--json")
		var st struct {
			Leases []struct{ Name, Holder, State string }
		}
		json.Unmarshal([]byte(out), &st)
		i := slices.IndexFunc(st.Leases, func(l struct{ Name, Holder, State string }) bool { return l.Name == "job:erp/feed" })
		if i >= 0 && st.Leases[i].Holder == ids[other] && st.Leases[i].State == "held" {
			break
		}
		if time.Since(killed) > clusterLeaseTTL+3*time.Second {
			t.Fatalf("the lease did not move to %s within one lease period (%v):\n%s", ids[other], clusterLeaseTTL, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("the job moved to the other node %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	before := len(jobRuns(other.logs.String(), "erp/feed"))
	deadline := time.Now().Add(15 * time.Second)
	for len(jobRuns(other.logs.String(), "erp/feed")) == before {
		if time.Now().After(deadline) {
			t.Fatalf("the surviving node never ran the job:\n%s", other.logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Two daemons on one PostgreSQL and one bucket: a supplier sends 100
// invoices to node A, both nodes ingest them, and A is killed (-9) while
// they are being ingested: node B finishes them, none lost, none applied
// twice.
func TestClusterKillDuringIngest(t *testing.T) {
	t.Parallel()
	nodes, _, dsn := sharedNodes(t, 2, map[string]string{"invoice-csv.yaml": invoiceCSV})
	a, b := nodes[0], nodes[1]
	da, db := a.start(t), b.start(t)

	const files, lines = 100, 1000
	src := t.TempDir()
	var script strings.Builder
	script.WriteString("-mkdir /inbox/invoices\n")
	for i := range files {
		var body strings.Builder
		body.WriteString("Invoice,Line,HTS,Qty,BL,Container\n")
		for l := 1; l <= lines; l++ {
			fmt.Fprintf(&body, "INV-%03d,%d,8471.30.0100,%d,MAEU24%07d,MSKU7051237\n", i, l, l, i)
		}
		p := filepath.Join(src, fmt.Sprintf("INV-%03d.csv", i))
		os.WriteFile(p, []byte(body.String()), 0o644)
		fmt.Fprintf(&script, "put %s /inbox/invoices/\n", p)
	}
	if out, err := a.sftp(t, da.port, script.String()); err != nil {
		t.Fatalf("sftp to node A: %v\n%s", err, out)
	}
	done := countState(b.journal(t), "done")
	if done == files {
		t.Fatalf("all %d files were ingested before node A could be killed: make them bigger", files)
	}
	da.cmd.Process.Kill()
	t.Logf("node A killed with %d of %d files done", done, files)

	journal := b.waitFiles(t, files, 3*time.Minute)
	if n := countState(journal, "done"); n != files || len(journal) != files {
		t.Fatalf("%d files journaled, %d done, want %d done:\n%s", len(journal), n, files, db.logs)
	}
	pg, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	var facts, ingests int
	pg.QueryRow(`SELECT COUNT(*) FROM facts WHERE kind = 'invoice_line'`).Scan(&facts)
	pg.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity = 'file' AND action = 'ingest'`).Scan(&ingests)
	if facts != files*lines || ingests != files {
		t.Errorf("%d invoice lines from %d ingests, want %d from %d", facts, ingests, files*lines, files)
	}
	if !strings.Contains(db.logs.String(), "taking up files a stopped process left half done") && done+countTakenBy(db.logs.String()) < files {
		t.Logf("node B's log:\n%s", db.logs)
	}
}

// countTakenBy counts the files a node's log says it ingested.
func countTakenBy(logs string) int { return strings.Count(logs, `"msg":"file ingested"`) }
