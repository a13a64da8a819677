package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/clearway/clearway/internal/retention"
	"github.com/clearway/clearway/internal/sqlite"
)

// retentionDemo is the workspace demo with three of FastClear's entries
// from 2019 — OLD and HELD released, OPEN only transmitted — each with a
// bill of lading PDF from ACME, built through `clearway ingest`.
type retentionDemo struct {
	*demo
	t     *testing.T
	n     int
	files map[string]string // what → sha256 of the file sent
}

func (r *retentionDemo) send(partner, into, name, body string) {
	r.t.Helper()
	r.n++
	p := filepath.Join(r.dir, "out", fmt.Sprint(r.n), name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		r.t.Fatal(err)
	}
	if out, errOut, code := r.clearway(r.t, "ingest", "--partner", partner, "--into", into, p); code != 0 {
		r.t.Fatalf("ingest %s: exit %d\n%s%s", name, code, out, errOut)
	}
	r.files[name] = sha([]byte(body))
}

// events sends a CargoWise event CSV of rows "CODE,DD/MM/YYYY HH:mm,B/L".
func (r *retentionDemo) events(name string, rows ...string) {
	r.t.Helper()
	body := "Event Code,Event Time,Entry No,Master BL,House BL,Container,Message\n"
	for _, row := range rows {
		p := strings.Split(row, ",")
		body += fmt.Sprintf("%s,%s,,%s,,,%s event\n", p[0], p[1], p[2], p[0])
	}
	r.send("fastclear", "inbox/events", name, body)
}

// archived reports whether the archive still holds the file sent as name.
func (r *retentionDemo) archived(name string) bool {
	sum := r.files[name]
	_, err := os.Stat(filepath.Join(r.dir, "var", "archive", sum[:2], sum))
	return err == nil
}

func (r *retentionDemo) show(ref string) map[string]any {
	r.t.Helper()
	out, errOut, code := r.clearway(r.t, "shipment", "show", ref, "--json")
	if code != 0 {
		r.t.Fatalf("shipment show %s: %s", ref, errOut)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		r.t.Fatal(err)
	}
	return m
}

const (
	blOld  = "MAEU190000001"
	blHeld = "MAEU190000002"
	blOpen = "MAEU190000003"
)

// newRetentionDemo builds the demo; users adds the workspace's users (one
// per role), which only the web test needs.
func newRetentionDemo(t *testing.T, users bool) *retentionDemo {
	t.Helper()
	r := &retentionDemo{t: t, files: map[string]string{}}
	if users {
		r.demo = workspaceDemo(t)
	} else {
		r.demo = newDemo(t)
		r.useShippedMappings(t, workspaceConfig)
	}
	// One file transmits OLD and OPEN: it stays while OPEN is open.
	r.events("CW_TRANSMITTED.csv", "CCC,20/03/2019 14:05,"+blOld, "CCC,20/03/2019 14:06,"+blOpen)
	r.events("CW_RELEASE_OLD.csv", "1C,21/03/2019 08:00,"+blOld)
	r.events("CW_HELD.csv", "CCC,02/04/2019 09:00,"+blHeld, "1C,03/04/2019 09:00,"+blHeld)
	for _, bl := range []string{blOld, blHeld, blOpen} {
		r.send("acme", "inbox/docs/"+bl, "BL_"+bl+".pdf", "%PDF-1.4 bill of lading "+bl)
	}
	for bl, want := range map[string]string{blOld: "RELEASED", blHeld: "RELEASED", blOpen: "SUBMITTED"} {
		if s := r.show(bl); s["state"] != want {
			t.Fatalf("%s is %v, want %s; timeline %v", bl, s["state"], want, s["timeline"])
		}
	}
	return r
}

// retentionLog is the retention job's log lines by message.
func retentionLog(t *testing.T, stderr string) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			continue
		}
		if m["component"] == "retention" {
			out[m["msg"].(string)] = append(out[m["msg"].(string)], m)
		}
	}
	return out
}

// The must-work test of retention (issue 15): an archive object of a
// released entry older than the retention is purged and logged; one under
// legal hold is not, nor one an open entry still needs.
func TestRetentionPurgeAndLegalHold(t *testing.T) {
	r := newRetentionDemo(t, false)

	if _, _, code := r.clearway(t, "shipment", "legal-hold", blHeld); code != 2 {
		t.Errorf("legal-hold without --reason: exit %d, want 2", code)
	}
	out, errOut, code := r.clearway(t, "shipment", "legal-hold", blHeld, "--reason", "subpoena 2026-17", "--by", "ana")
	if code != 0 || !strings.Contains(out, "under legal hold") {
		t.Fatalf("legal-hold: exit %d %s%s", code, out, errOut)
	}
	if h, _ := r.show(blHeld)["legal_hold"].(map[string]any); h["reason"] != "subpoena 2026-17" || h["set_by"] != "user:ana" {
		t.Errorf("shipment show: legal_hold %v, want ana's subpoena", h)
	}

	// What would go: OLD's release and PDF, nothing else; nothing deleted.
	goes := []string{"CW_RELEASE_OLD.csv", "BL_" + blOld + ".pdf"}
	stays := []string{"CW_TRANSMITTED.csv", "CW_HELD.csv", "BL_" + blHeld + ".pdf", "BL_" + blOpen + ".pdf"}
	out, errOut, code = r.clearway(t, "retention", "run", "--dry-run", "--json")
	if code != 0 {
		t.Fatalf("retention run --dry-run: exit %d %s", code, errOut)
	}
	var dry struct {
		Objects []retention.Candidate `json:"objects"`
	}
	if err := json.Unmarshal([]byte(out), &dry); err != nil {
		t.Fatalf("dry run JSON: %v\n%s", err, out)
	}
	var would []string
	for _, o := range dry.Objects {
		would = append(would, o.SHA256)
	}
	if want := []string{r.files[goes[0]], r.files[goes[1]]}; !slices.Equal(slices.Sorted(slices.Values(would)), slices.Sorted(slices.Values(want))) {
		t.Errorf("dry run would purge %v, want %v (%v)", would, want, goes)
	}
	for _, name := range append(goes, stays...) {
		if !r.archived(name) {
			t.Errorf("the dry run deleted %s", name)
		}
	}

	out, errOut, code = r.clearway(t, "retention", "run")
	if code != 0 || !strings.Contains(out, "purged 2 archive object(s)") {
		t.Fatalf("retention run: exit %d\n%s%s", code, out, errOut)
	}
	for _, name := range goes {
		if r.archived(name) {
			t.Errorf("%s of the released entry is still in the archive", name)
		}
	}
	for _, name := range stays {
		if !r.archived(name) {
			t.Errorf("%s was purged, want it kept (legal hold, or an open entry needs it)", name)
		}
	}
	logs := retentionLog(t, errOut)
	purged := logs["retention purged archive object"]
	old := r.show(blOld)["ref"]
	for _, l := range purged {
		sum, _ := l["sha256"].(string)
		if l["level"] != "INFO" || !slices.Contains([]string{r.files[goes[0]], r.files[goes[1]]}, sum) ||
			fmt.Sprint(l["shipments"]) != fmt.Sprintf("[%s]", old) || l["released"] != "2019-03-21" || len(l["files"].([]any)) != 1 {
			t.Errorf("deletion logged as %v, want its sha256, file, %s and 2019-03-21", l, old)
		}
	}
	if len(purged) != 2 || len(logs["retention purged"]) != 1 {
		t.Errorf("log: %d deletions and %d summaries, want 2 and 1:\n%s", len(purged), len(logs["retention purged"]), errOut)
	}

	// The store says when and why the originals are gone.
	db := sqlite.NewDB(filepath.Join(r.dir, "var", "clearway.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, name := range append(goes, stays...) {
		_, ok, err := db.ArchivePurge(context.Background(), r.files[name])
		if err != nil || ok != slices.Contains(goes, name) {
			t.Errorf("archive_purges for %s: %v %v, want %v", name, ok, err, slices.Contains(goes, name))
		}
	}

	// Cleared, the held entry goes on the next run; OPEN's stay.
	if _, errOut, code := r.clearway(t, "shipment", "legal-hold", blHeld, "--clear", "--reason", "matter closed"); code != 0 {
		t.Fatalf("legal-hold --clear: %s", errOut)
	}
	if out, errOut, code := r.clearway(t, "retention", "run"); code != 0 || !strings.Contains(out, "purged 2 archive object(s)") {
		t.Fatalf("retention run after the hold: exit %d\n%s%s", code, out, errOut)
	}
	for name, kept := range map[string]bool{"CW_HELD.csv": false, "BL_" + blHeld + ".pdf": false, "CW_TRANSMITTED.csv": true, "BL_" + blOpen + ".pdf": true} {
		if r.archived(name) != kept {
			t.Errorf("%s in the archive: %v, want %v", name, !kept, kept)
		}
	}
}

// Legal hold over the API and in the workspace: compliance sets and clears
// it, other roles get 403 (404 when they do not see the shipment), and the
// page shows the hold.
func TestRetentionLegalHoldWeb(t *testing.T) {
	r := newRetentionDemo(t, true)
	dm := r.start(t)
	base := dm.httpURL(t)
	path := "/api/v1/shipments/" + blOpen + "/legal-hold"
	ana := apiToken(t, r.demo, "ana")

	code, body := apiPost(t, base, ana, path, `{"hold": true, "reason": "audit 2026"}`)
	var sh struct {
		Ref       string `json:"ref"`
		LegalHold *struct {
			Reason, SetBy, SetAt string
		} `json:"legal_hold"`
	}
	json.Unmarshal(body, &sh)
	if code != http.StatusOK || sh.LegalHold == nil || sh.LegalHold.Reason != "audit 2026" {
		t.Fatalf("ana sets a hold: %d %s", code, body)
	}
	for _, tc := range []struct {
		login, ref string
		want       int
	}{
		{"lee", blOpen, http.StatusForbidden}, // logistics sees, may not
		{"sam", blOpen, http.StatusForbidden}, // ACME sent its PDF: sees it
		{"bea", blOpen, http.StatusNotFound},  // Beta is no party to it
		{"admin", "NOSUCHBL", http.StatusNotFound},
	} {
		code, body := apiPost(t, base, apiToken(t, r.demo, tc.login), "/api/v1/shipments/"+tc.ref+"/legal-hold", `{"hold": false, "reason": "x"}`)
		var e struct{ Error struct{ Code string } }
		if code != tc.want || json.Unmarshal(body, &e) != nil || e.Error.Code == "" {
			t.Errorf("%s on %s: %d %s, want %d with a JSON error", tc.login, tc.ref, code, body, tc.want)
		}
	}
	if code, body := apiPost(t, base, ana, path, `{"reason": "no hold field"}`); code != http.StatusBadRequest {
		t.Errorf("without hold: %d %s, want 400", code, body)
	}

	// The page: the banner for everyone who sees it, the form for compliance.
	clients := map[string]*http.Client{}
	for login, form := range map[string]bool{"ana": true, "vic": false} {
		c, st := webClient(t, base, login, storyPassword)
		if st != http.StatusSeeOther {
			t.Fatalf("login %s: %d", login, st)
		}
		clients[login] = c
		resp, err := c.Get(base + "/shipments/" + sh.Ref)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), "Legal hold</strong>") || !strings.Contains(string(page), "audit 2026") ||
			strings.Contains(string(page), "Clear legal hold") != form {
			t.Errorf("%s's page: banner or form (want form %v) missing:\n%s", login, form, page)
		}
	}

	// Ana clears it with the page's form; then there is nothing to clear.
	resp, err := clients["ana"].PostForm(base+"/shipments/"+sh.Ref+"/legal-hold", url.Values{"hold": {"0"}, "reason": {"audit done"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "notice=") {
		t.Errorf("the form: %d to %q, want 303 with a notice", resp.StatusCode, resp.Header.Get("Location"))
	}
	if code, body := apiGet(t, base, ana, "/api/v1/shipments/"+blOpen); code != http.StatusOK || !strings.Contains(string(body), `"legal_hold": null`) {
		t.Errorf("after the form: %d %s, want legal_hold null", code, body)
	}
	if code, body := apiPost(t, base, ana, path, `{"hold": false, "reason": "again"}`); code != http.StatusConflict {
		t.Errorf("clearing no hold: %d %s, want 409", code, body)
	}
}
