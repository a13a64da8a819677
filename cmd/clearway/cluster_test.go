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

// clusterConfig adds the ERP with a status feed every 10 s, on a shared
// PostgreSQL store.
func clusterConfig(dsn string) string {
	return fmt.Sprintf(`  - id: erp
    name: ERP
    role: erp
    mappings: []
    outbound:
      - {job: feed, kind: status, format: csv, schedule: "@every 10s"}
store: {driver: postgres, dsn: "%s"}
`, dsn)
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
	a.writeConfig(t, clusterConfig(dsn))
	b.writeConfig(t, clusterConfig(dsn))
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

	time.Sleep(61 * time.Second)
	runs := append(jobRuns(da.logs.String(), "erp/feed"), jobRuns(db.logs.String(), "erp/feed")...)
	slices.SortFunc(runs, func(x, y time.Time) int { return x.Compare(y) })
	if len(runs) < 5 || len(runs) > 7 {
		t.Fatalf("%d runs in a minute across both nodes, want one per 10 s tick: %v", len(runs), runs)
	}
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
