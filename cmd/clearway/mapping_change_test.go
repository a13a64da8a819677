package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clearway/clearway/internal/testutil/browser"
)

// A mapping version edited in the browser: tried against the archived
// files (the diff table), submitted, refused to its own proposer under
// the four-eyes rule, approved by a second admin, and used by the daemon
// for the next upload without a restart. The journal page re-runs the
// rejected file with it.
func TestBrowserMappingChange(t *testing.T) {
	d := newDemo(t)
	d.withMappings(t, map[string]string{"replay-invoice.yaml": replayV1}, "[replay-invoice]")
	for _, u := range []struct{ login, role string }{{"ann", "admin"}, {"bob", "admin"}, {"lee", "logistics"}} {
		if out, errOut, code := d.clearwayIn(t, storyPassword+"\n", "user", "add", u.login, "--role", u.role, "--password-stdin", "--by", "test"); code != 0 {
			t.Fatalf("user add: %s%s", out, errOut)
		}
	}
	src := t.TempDir()
	invoice := func(n int, withCurrency bool) string {
		header, currency := "Invoice,Line,HTS,Qty,Amount,Currency,COO,BL", ",USD"
		if !withCurrency {
			header, currency = "Invoice,Line,HTS,Qty,Amount,COO,BL", ""
		}
		p := filepath.Join(src, fmt.Sprintf("INV-%02d.csv", n))
		os.WriteFile(p, []byte(fmt.Sprintf("%s\nINV-%02d,1,8471.30.0100,5,50.00%s,VN,BL-%02d\n", header, n, currency, n)), 0o644)
		return p
	}
	d.clearway(t, "ingest", "--partner", "acme", "--into", "inbox/invoices", invoice(1, true), invoice(2, true))
	d.clearway(t, "ingest", "--partner", "acme", "--into", "inbox/invoices", invoice(3, false)) // rejected: no Currency
	dm := d.start(t)
	b := &tab{t: t, ctx: browser.New(t), base: dm.httpURL(t)}
	shots := browser.Dir(t)

	b.login("lee")
	if status := b.open("/mappings/replay-invoice"); status != 404 {
		t.Errorf("logistics opens a mapping: %d, want 404", status)
	}
	b.open("/")
	b.logout()

	b.login("ann")
	b.open("/mappings/replay-invoice")
	b.do("try v2",
		chromedp.SetValue(chromedp.CSS("#content"), replayV2),
		chromedp.SetValue(chromedp.CSS("#note"), "currency by contract; read the country of origin"),
		chromedp.Click(chromedp.CSS("#try")),
		chromedp.WaitVisible(chromedp.CSS("table.replay")),
	)
	browser.Screenshot(t, b.ctx, shots, "mapping-try")
	page := b.text()
	for _, want := range []string{"3 files", "1 newly accepted", "2 changed", "origin_country", "VN", "+      origin_country: {column: COO, type: country}"} {
		if !strings.Contains(page, want) {
			t.Errorf("the trial shows no %q:\n%.3000s", want, page)
		}
	}
	b.do("submit", chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS(".decide-proposal")))
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	id := regexp.MustCompile(`/mappings/proposals/(\d+)`).FindStringSubmatch(loc)
	if id == nil {
		t.Fatalf("after submit the browser is at %s", loc)
	}
	browser.Screenshot(t, b.ctx, shots, "proposal")
	disabled, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector("#approve").disabled`))
	if !disabled || !strings.Contains(b.text(), "four-eyes rule") {
		t.Errorf("the proposer's approve button: disabled=%v\n%.2000s", disabled, b.text())
	}
	// Even with the button forced on, the server refuses the proposer.
	b.do("force approve", chromedp.Evaluate[chromedp.Void](`document.querySelector("#approve").disabled = false`),
		chromedp.Click(chromedp.CSS("#approve")), chromedp.WaitVisible(chromedp.CSS(".flash-problem")))
	if !strings.Contains(b.text(), "four-eyes rule") {
		t.Errorf("the proposer approved its own change:\n%.1500s", b.text())
	}
	b.logout()

	b.login("bob")
	b.open("/mappings/proposals/" + id[1])
	b.do("approve", chromedp.SetValue(chromedp.CSS("#note"), "checked against the contract"),
		chromedp.Click(chromedp.CSS("#approve")), chromedp.WaitVisible(chromedp.CSS(".flash-ok")))
	if !strings.Contains(b.text(), "approved") {
		t.Errorf("after approval:\n%.1500s", b.text())
	}
	live, _ := os.ReadFile(filepath.Join(d.dir, "mappings", "replay-invoice.yaml"))
	if string(live) != replayV2 {
		t.Fatalf("mappings_dir holds:\n%s", live)
	}
	b.open("/mappings")
	browser.Screenshot(t, b.ctx, shots, "mappings")
	if !strings.Contains(b.text(), "replay-invoice") || !strings.Contains(b.text(), "Approved") {
		t.Errorf("the mappings page:\n%.1500s", b.text())
	}
	hist, _, _ := d.clearway(t, "mapping", "history", "replay-invoice")
	if !strings.Contains(hist, "proposal "+id[1]+" approved by bob") {
		t.Errorf("history:\n%s", hist)
	}

	// The next upload, without a restart, is read by the new version.
	if out, err := d.sftp(t, dm.port, "-mkdir inbox/invoices\nput "+invoice(4, false)+" inbox/invoices/INV-04.csv\n"); err != nil {
		t.Fatalf("sftp: %v\n%s", err, out)
	}
	files := d.waitFiles(t, 4, 30*time.Second)
	if last := files[len(files)-1]; last["state"] != "done" {
		t.Fatalf("the upload after the approval: %v\n%s", last, dm.logs)
	}

	// The journal re-runs ACME's rejected file with the active version,
	// in a browser of its own: one browser's deadline (3 min) need not
	// cover the whole story on a busy machine.
	b = &tab{t: t, ctx: browser.New(t), base: b.base}
	b.login("bob")
	b.open("/files?state=rejected")
	browser.Screenshot(t, b.ctx, shots, "files-rerun")
	b.do("dry run", chromedp.SetValue(chromedp.CSS("#rerun-partner"), "acme"), chromedp.Click(chromedp.CSS("#rerun-try")),
		chromedp.WaitVisible(chromedp.CSS("#apply")))
	if !strings.Contains(b.text(), "newly accepted") || !strings.Contains(b.text(), "A dry run: nothing was written") {
		t.Errorf("re-run dry run:\n%.1500s", b.text())
	}
	// The dry run's page has a replay table too: wait for the applied one.
	b.do("apply", chromedp.Click(chromedp.CSS("#apply")), chromedp.WaitVisible(chromedp.CSS("#rerun-applied")))
	browser.Screenshot(t, b.ctx, shots, "rerun")
	if n := countState(d.journal(t), "rejected"); n != 0 {
		t.Errorf("%d files still rejected after the re-run", n)
	}
}

// The same control from a shell: a version that fails mapping check is
// refused with its line; the proposer cannot approve; a second user can,
// and the file in mappings_dir is the proposed one.
func TestMappingProposeCLI(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	d.withMappings(t, map[string]string{"replay-invoice.yaml": replayV1}, "[replay-invoice]")
	for _, u := range []struct{ login, role string }{{"ann", "admin"}, {"cat", "compliance"}, {"vic", "viewer"}} {
		if _, errOut, code := d.clearwayIn(t, storyPassword+"\n", "user", "add", u.login, "--role", u.role, "--password-stdin", "--by", "test"); code != 0 {
			t.Fatal(errOut)
		}
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(strings.Replace(replayV2, "type: country", "type: nation", 1)), 0o644)
	if _, errOut, code := d.clearway(t, "mapping", "propose", bad, "--by", "ann"); code != 1 || !regexp.MustCompile(`bad\.yaml:\d+`).MatchString(errOut) {
		t.Errorf("a version that does not compile: exit %d %s", code, errOut)
	}
	good := filepath.Join(dir, "replay-invoice.yaml")
	os.WriteFile(good, []byte(replayV2), 0o644)
	if _, errOut, code := d.clearway(t, "mapping", "propose", good, "--by", "vic"); code != 1 || !strings.Contains(errOut, "only admin and compliance") {
		t.Errorf("a viewer proposes: exit %d %s", code, errOut)
	}
	out, errOut, code := d.clearway(t, "mapping", "propose", good, "--by", "ann", "--note", "currency by contract")
	if code != 0 || !strings.Contains(out, "proposal 1: replay-invoice") || !strings.Contains(errOut, "trying replay-invoice") {
		t.Fatalf("propose: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := d.clearway(t, "mapping", "approve", "1", "--by", "ann"); code != 1 || !strings.Contains(errOut, "four-eyes rule") {
		t.Errorf("the proposer approves: exit %d %s", code, errOut)
	}
	if out, errOut, code := d.clearway(t, "mapping", "approve", "1", "--by", "cat"); code != 0 || !strings.Contains(out, "approved by cat") {
		t.Errorf("a second user approves: exit %d %s%s", code, out, errOut)
	}
	if live, _ := os.ReadFile(filepath.Join(d.dir, "mappings", "replay-invoice.yaml")); string(live) != replayV2 {
		t.Errorf("mappings_dir holds:\n%s", live)
	}
	if _, errOut, code := d.clearway(t, "mapping", "reject", "1", "--by", "cat"); code != 1 || !strings.Contains(errOut, "already approved") {
		t.Errorf("deciding twice: exit %d %s", code, errOut)
	}
	list, _, _ := d.clearway(t, "mapping", "proposals", "--json")
	if !strings.Contains(list, `"status": "approved"`) || !strings.Contains(list, `"decided_by": "cat"`) {
		t.Errorf("proposals: %s", list)
	}
}
