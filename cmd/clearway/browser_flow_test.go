package main

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clearway/clearway/internal/testutil/browser"
)

// tab is a browser tab on the workspace.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// do runs browser steps or fails the test.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open loads a page and returns its HTTP status.
func (b *tab) open(path string) int64 {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// text is the visible text of the page's main part.
func (b *tab) text() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		b.t.Fatalf("page text: %v", err)
	}
	return s
}

// login logs in through the form.
func (b *tab) login(login string) {
	b.t.Helper()
	b.open("/login")
	b.do("log in as "+login,
		chromedp.SendKeys(chromedp.CSS("#login"), login),
		chromedp.SendKeys(chromedp.CSS("#password"), storyPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
	)
}

// logout logs out through the page's button.
func (b *tab) logout() {
	b.t.Helper()
	b.do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#login")))
}

// fetchResult is what a fetch from the page gave.
type fetchResult struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Body   string `json:"body"`
}

// fetch calls the API from the page (with its session cookie), as the
// page's own scripts would.
func (b *tab) fetch(method, path, body string) fetchResult {
	b.t.Helper()
	js := fmt.Sprintf(`fetch(%q, {method: %q, credentials: "same-origin", headers: {"Content-Type": "application/json"}, body: %s})
		.then(async r => ({status: r.status, type: r.headers.get("Content-Type") || "", body: (await r.text()).slice(0, 2000)}))`,
		path, method, jsBody(method, body))
	res, err := chromedp.Run(b.ctx, chromedp.Evaluate[fetchResult](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("fetch %s %s: %v", method, path, err)
	}
	return res
}

func jsBody(method, body string) string {
	if method == "GET" || method == "HEAD" {
		return "undefined"
	}
	return fmt.Sprintf("%q", body)
}

// TestBrowserWorkspace drives the real daemon in headless Chromium: the
// stories of issue 12 for each role, and screenshots of the main pages.
func TestBrowserWorkspace(t *testing.T) {
	d := workspaceDemo(t)
	browserStory(t, d)
	dm := d.start(t)
	b := &tab{t: t, ctx: browser.New(t), base: dm.httpURL(t)}
	shots := browser.Dir(t)
	show := func(ref string) map[string]any {
		t.Helper()
		out, errOut, code := d.clearway(t, "shipment", "show", ref, "--json")
		if code != 0 {
			t.Fatalf("shipment show %s: %s", ref, errOut)
		}
		var s map[string]any
		json.Unmarshal([]byte(out), &s)
		return s
	}

	// Without a session every page sends the browser to /login.
	b.open("/reviews")
	if loc, _ := chromedp.Run(b.ctx, chromedp.Location()); !strings.Contains(loc, "/login?next=%2Freviews") {
		t.Errorf("without a session /reviews ends at %s, want /login?next=/reviews", loc)
	}

	// Compliance decides the held HS change with a reason, a note and a PDF.
	b.login("ana")
	browser.Screenshot(t, b.ctx, shots, "portfolio")
	b.open("/reviews")
	browser.Screenshot(t, b.ctx, shots, "reviews")
	out, _, _ := d.clearway(t, "review", "list", "--json")
	var reviews []map[string]any
	json.Unmarshal([]byte(out), &reviews)
	i := slices.IndexFunc(reviews, func(r map[string]any) bool { return r["kind"] == "classification_change" })
	if i < 0 {
		t.Fatalf("no classification_change review: %s", out)
	}
	id := fmt.Sprint(reviews[i]["id"])
	ruling := filepath.Join(d.dir, "out", "NY-N312345.pdf")
	os.WriteFile(ruling, []byte("%PDF-1.4 CBP ruling NY N312345"), 0o644)
	form := `form[action^="/reviews/` + id + `/decide"]`
	b.do("decide the review",
		chromedp.SetValue(chromedp.CSS("#reason-"+id), "CLASSIFICATION_CORRECTION"),
		chromedp.SendKeys(chromedp.CSS("#note-"+id), "supplier confirmed the worm gear code"),
		chromedp.SetUploadFiles(chromedp.CSS("#att-"+id), []string{ruling}),
		chromedp.Click(chromedp.CSS(form+` button[value="approve"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(form)),
	)
	if s := show("MAEU240312345"); s["state"] != "FILE_READY" {
		t.Fatalf("after the approval: %v, findings %v", s["state"], s["findings"])
	}
	b.open("/shipments/MAEU240312345")
	browser.Screenshot(t, b.ctx, shots, "workspace")
	// The same page on a phone: readable, tables scroll sideways.
	b.do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Reload())
	browser.Screenshot(t, b.ctx, shots, "workspace-phone")
	if w, _ := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 400 {
		t.Errorf("the workspace is %d px wide on a 390 px phone: the page scrolls sideways", w)
	}
	b.do("laptop", chromedp.EmulateViewport(1440, 900), chromedp.Reload())
	zipPath := filepath.Join(d.dir, "packet.zip")
	if o, e, code := d.clearway(t, "packet", "export", "MAEU240312345", "--out", zipPath); code != 0 {
		t.Fatalf("packet export: %s%s", o, e)
	}
	checkPacket(t, zipPath, id)
	b.logout()

	// The packet goes to the broker, who downloads it and asks a question.
	if o, e, code := d.clearway(t, "outbound", "run", "--partner", "fastclear", "--job", "packets"); code != 0 {
		t.Fatalf("outbound run: %s%s", o, e)
	}
	b.login("fc")
	if st := b.open("/shipments/MAEU240312345"); st != 200 {
		t.Fatalf("broker's workspace: %d", st)
	}
	if r := b.fetch("GET", "/shipments/MAEU240312345/packet", ""); r.Status != 200 || !strings.Contains(r.Type, "zip") {
		t.Errorf("broker's packet download: %d %s", r.Status, r.Type)
	}
	question := "Is line 2 the NMRV040 reducer with ratio 30:1?"
	b.do("ask", chromedp.SendKeys(chromedp.CSS("#ask-text"), question),
		chromedp.Click(chromedp.CSS(`form[action$="/ask"] button`)),
		chromedp.WaitVisible(chromedp.CSS("article.question")))
	b.logout()

	// Logistics answers; it may not decide reviews (no form, API 403).
	b.login("lee")
	b.open("/shipments/MAEU240312345")
	answer := "Yes: NMRV040, ratio 30:1, as on the PO."
	b.do("answer", chromedp.SendKeys(chromedp.CSS(`textarea[id^="answer-"]`), answer),
		chromedp.Click(chromedp.CSS(`form[action$="/answer"] button`)),
		chromedp.WaitVisible(chromedp.CSS("article.question .answer")))
	b.open("/reviews?status=all")
	if n, _ := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("form.decide").length`)); n != 0 {
		t.Errorf("logistics sees %d decide forms", n)
	}
	if r := b.fetch("POST", "/api/v1/reviews/"+id+"/decision", `{"decision":"reject","reason":"OTHER"}`); r.Status != 403 || !strings.Contains(r.Body, `"forbidden"`) {
		t.Errorf("logistics deciding by API: %d %s", r.Status, r.Body)
	}
	b.logout()
	b.login("fc")
	b.open("/shipments/MAEU240312345")
	if txt := b.text(); !strings.Contains(txt, answer) {
		t.Errorf("the broker does not see the answer")
	}
	b.logout()

	// The supplier sees its own shipments only, and uploads a new CI.
	b.login("sam")
	if txt := b.text(); !strings.Contains(txt, "MAEU240312345") || strings.Contains(txt, "MAEU240399999") {
		t.Errorf("supplier's portfolio: %q", txt)
	}
	betaRef := show("MAEU240399999")["ref"].(string)
	if st := b.open("/shipments/" + betaRef); st != 404 || !strings.Contains(b.text(), "Not found") {
		t.Errorf("another supplier's shipment: %d %q", st, b.text())
	}
	browser.Screenshot(t, b.ctx, shots, "not-found")
	if r := b.fetch("GET", "/api/v1/shipments/"+betaRef, ""); r.Status != 404 || !strings.Contains(r.Body, `"not_found"`) {
		t.Errorf("another supplier's shipment by API: %d %s", r.Status, r.Body)
	}
	b.open("/shipments/MAEU240312345")
	ci2 := filepath.Join(d.dir, "out", "CI_v2.pdf")
	os.WriteFile(ci2, []byte("%PDF-1.4 commercial invoice v2"), 0o644)
	b.do("upload a CI",
		chromedp.SetValue(chromedp.CSS("#doc_type"), "commercial_invoice"),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{ci2}),
		chromedp.Click(chromedp.CSS(`form.upload button`)),
		chromedp.WaitVisible(chromedp.CSS("tr.superseded")))
	var ci []map[string]any
	for _, doc := range show("MAEU240312345")["documents"].([]any) {
		if m := doc.(map[string]any); m["doc_type"] == "commercial_invoice" {
			ci = append(ci, m)
		}
	}
	if len(ci) != 2 || ci[0]["superseded"] != true || ci[1]["version"] != 2.0 || ci[1]["user"] != "sam" || ci[1]["channel"] != "web" {
		t.Errorf("commercial invoices after the upload: %v", ci)
	}
	files := d.journal(t)
	if last := files[len(files)-1]; last["channel"] != "web" || last["user"] != "sam" || last["state"] != "done" {
		t.Errorf("journal's last entry %v, want channel web by sam, done", last)
	}
	b.open("/files")
	browser.Screenshot(t, b.ctx, shots, "files")
	b.logout()

	// A viewer reads but may not upload.
	b.login("vic")
	if r := b.fetch("POST", "/api/v1/shipments/MAEU240312345/documents", ""); r.Status != 403 {
		t.Errorf("viewer uploading: %d %s", r.Status, r.Body)
	}
}

// checkPacket checks the exported packet names the reviewer and holds the
// decision's attachment.
func checkPacket(t *testing.T, path, reviewID string) {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var names []string
	var manifest string
	for _, f := range z.File {
		names = append(names, f.Name)
		if f.Name == "manifest.json" {
			r, _ := f.Open()
			var sb strings.Builder
			buf := make([]byte, 32<<10)
			for {
				n, err := r.Read(buf)
				sb.Write(buf[:n])
				if err != nil {
					break
				}
			}
			r.Close()
			manifest = sb.String()
		}
	}
	if !slices.Contains(names, "reviews/"+reviewID+"/1_NY-N312345.pdf") {
		t.Errorf("packet %v lacks the review's attachment", names)
	}
	if !strings.Contains(manifest, `"actor": "user:ana"`) {
		t.Error("the packet's audit trail does not name ana")
	}
}
