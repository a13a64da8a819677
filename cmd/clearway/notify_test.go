package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clearway/clearway/internal/notify"
	"github.com/clearway/clearway/internal/testutil"
	"github.com/clearway/clearway/internal/testutil/browser"
	"github.com/clearway/clearway/internal/testutil/mailsink"
)

// hookSecret is the test webhook's secret.
const hookSecret = "test-hook-secret-0123456789abcdef"

// receiver is a real HTTP webhook receiver: it checks the signature and
// keeps every delivery by its idempotency key.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	byKey    map[string]int // delivery key → times received
	events   map[string]string
	failNext int // answer 503 to this many requests first
	bad      int // requests whose signature did not verify
	delay    time.Duration
}

func startReceiver(t *testing.T) *receiver {
	r := &receiver{byKey: map[string]int{}, events: map[string]string{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if !notify.Verify(body, []byte(hookSecret), req.Header.Get(notify.HeaderSignature)) {
			r.bad++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if r.failNext > 0 {
			r.failNext--
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		time.Sleep(r.delay) // widens the window between the send and its record
		key := req.Header.Get(notify.HeaderDelivery)
		r.byKey[key]++
		var b struct {
			Event struct{ Key string } `json:"event"`
		}
		json.Unmarshal(body, &b)
		r.events[key] = b.Event.Key
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

// keys returns the delivery keys received and how often each came.
func (r *receiver) keys() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.byKey {
		out[k] = v
	}
	return out
}

// notifyDemo is a demo with FastClear sending CargoWise events over SFTP
// with its own key, users with addresses, and the notify block extra.
func notifyDemo(t *testing.T, sink *mailsink.Sink, hook *receiver, rules string) (*demo, *testutil.Key) {
	t.Helper()
	d := newDemo(t)
	fc := testutil.MustKey(t, d.dir, "fastclear")
	os.WriteFile(filepath.Join(d.dir, "hook.secret"), []byte(hookSecret+"\n"), 0o600)
	smtp := ""
	if sink != nil {
		smtp = fmt.Sprintf("  smtp: {host: %s, port: %d, from: \"Clearway <hub@example.com>\", tls: none}\n", sink.Host, sink.Port)
	}
	hooks := ""
	if hook != nil {
		hooks = fmt.Sprintf("  webhooks:\n    - {id: erp-hook, url: %q, secret_file: hook.secret}\n", hook.URL)
	}
	d.useShippedMappings(t, `  - id: fastclear
    name: FastClear
    role: broker
    sftp: {authorized_keys_file: fastclear.pub}
    mappings: [broker-status-csv]
    status_codes: fastclear.yaml
  - id: erp
    name: ERP
    role: erp
    mappings: [erp-po-csv]
notify:
  retry_backoff: 200ms
  digest: "@every 2s"
`+smtp+hooks+rules)
	for _, u := range []struct{ login, role, partner, email string }{
		{"ana", "compliance", "", "ana@importer.example"}, {"lee", "logistics", "", ""},
		{"fc", "broker", "fastclear", "desk@fastclear.example"}, {"sam", "supplier", "acme", "sam@acme.example"},
	} {
		args := []string{"user", "add", u.login, "--role", u.role, "--password-stdin", "--by", "test", "--email", u.email}
		if u.partner != "" {
			args = append(args, "--partner", u.partner)
		}
		if out, errOut, code := d.clearwayIn(t, storyPassword+"\n", args...); code != 0 {
			t.Fatalf("user add %s: %s%s", u.login, out, errOut)
		}
	}
	return d, fc
}

// uploadAs puts a file into a partner's inbox folder over SFTP with key.
func uploadAs(t *testing.T, key *testutil.Key, partner, port, dir, name, body string) {
	t.Helper()
	local := filepath.Join(t.TempDir(), name)
	os.WriteFile(local, []byte(body), 0o644)
	script := ""
	for p := dir; p != "/"; p = filepath.Dir(p) {
		script = "-mkdir " + p + "\n" + script
	}
	script += fmt.Sprintf("put %s %s/%s\n", local, dir, name)
	args := append(testutil.SFTPArgs(key.PrivatePath, port), partner+"@127.0.0.1")
	if out, err := testutil.Run(t, 90*time.Second, []byte(script), testutil.RequireTool(t, "sftp"), args...); err != nil {
		t.Fatalf("sftp as %s: %v\n%s", partner, err, out)
	}
}

// cwEvents is a CargoWise event file for entry 597-2603117-8.
func cwEvents(rows ...string) string {
	body := "Event Code,Event Time,Entry No,Master BL,House BL,Container,Message\n"
	for i, code := range rows {
		body += fmt.Sprintf("%s,%02d/03/2026 14:%02d,597-2603117-8,MAEU240312345,,,%s event\n", code, 20+i/60, i%60, code)
	}
	return body
}

// The DCR of a status file dropped over SFTP mails compliance and the
// broker (subject with the entry number, a link that opens the shipment)
// and reaches the ERP's webhook once, signed.
func TestNotifyDCROverSFTP(t *testing.T) {
	t.Parallel() // a daemon of its own on port 0, in its own folder
	sink := mailsink.Start(t)
	hook := startReceiver(t)
	d, fc := notifyDemo(t, sink, hook, `  rules:
    - id: declaration-rejected
      when: {event: status, code_list: cargowise, codes: [DCR]}
      to: [role:compliance, parties:broker, webhook:erp-hook]
`)
	dm := d.start(t)
	base := dm.httpURL(t)
	uploadAs(t, fc, "fastclear", dm.port, "/inbox/events", "CW_EVENTS_1.csv", cwEvents("CCC", "DCR"))

	mails := sink.Wait(2, 30*time.Second)
	if len(mails) != 2 {
		t.Fatalf("%d mails, want 2 (ana and FastClear's desk)\n%s", len(mails), dm.logs)
	}
	var to []string
	for _, m := range mails {
		to = append(to, m.To...)
		subject := m.Header().Get("Subject")
		if !strings.Contains(subject, "597-2603117-8") || !strings.Contains(subject, "DCR") {
			t.Errorf("subject %q lacks the entry number or the code", subject)
		}
	}
	slices.Sort(to)
	if !slices.Equal(to, []string{"ana@importer.example", "desk@fastclear.example"}) {
		t.Errorf("mails to %v, want ana and FastClear's desk only", to)
	}
	link := regexp.MustCompile(`http://127\.0\.0\.1:\d+/shipments/CW-\d+`).FindString(string(mails[0].Raw))
	if link == "" || !strings.HasPrefix(link, base) {
		t.Fatalf("no link to %s in the mail:\n%s", base, mails[0].Raw)
	}
	c, _ := webClient(t, base, "ana", storyPassword)
	resp, err := c.Get(link)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s as ana: %v %v", link, err, resp.Status)
	}
	resp.Body.Close()

	deadline := time.Now().Add(20 * time.Second)
	for len(hook.keys()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	keys := hook.keys()
	if len(keys) != 1 || hook.bad != 0 {
		t.Fatalf("webhook got %v (bad signatures %d), want one delivery", keys, hook.bad)
	}
	for k, n := range keys {
		if n != 1 || !strings.HasPrefix(hook.events[k], "status:") {
			t.Errorf("delivery %s came %d times for event %q", k, n, hook.events[k])
		}
	}
	// The in-app inbox has it too, with the unread count in the header.
	resp, _ = c.Get(base + "/notifications")
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "597-2603117-8") || !strings.Contains(string(page), `class="unread"`) {
		t.Errorf("ana's /notifications lacks the DCR or the unread count")
	}
	// As ana sees it in the browser; acknowledging empties the count.
	b := &tab{t: t, ctx: browser.New(t), base: base}
	b.login("ana")
	b.open("/notifications")
	browser.Screenshot(t, b.ctx, browser.Dir(t), "notifications")
	b.do("acknowledge all", chromedp.Click(chromedp.CSS(`form[action="/notifications/ack-all"] button`)), chromedp.WaitVisible(chromedp.CSS(".flash-ok")))
	if text := b.text(); !strings.Contains(text, "1 notification acknowledged") || strings.Contains(text, "to acknowledge\n") {
		t.Errorf("after acknowledging:\n%s", text)
	}
}

// A webhook endpoint down for three attempts, then up: delivered once,
// the attempts visible in notify list.
func TestNotifyWebhookRetries(t *testing.T) {
	t.Parallel() // a daemon of its own on port 0, in its own folder
	hook := startReceiver(t)
	hook.failNext = 3
	d, fc := notifyDemo(t, nil, hook, `  rules:
    - id: cleared
      when: {event: status, code_list: cargowise, codes: [CLR]}
      to: [webhook:erp-hook]
`)
	dm := d.start(t)
	uploadAs(t, fc, "fastclear", dm.port, "/inbox/events", "CW_EVENTS_1.csv", cwEvents("CCC", "CLR"))
	var list []map[string]any
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		out, _, _ := d.clearway(t, "notify", "list", "--json")
		json.Unmarshal([]byte(out), &list)
		if len(list) == 1 && list[0]["state"] == "delivered" {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(list) != 1 || list[0]["state"] != "delivered" || list[0]["attempts"] != 4.0 {
		t.Fatalf("notify list %v, want one webhook delivered at the 4th attempt\n%s", list, dm.logs)
	}
	log, _ := list[0]["attempt_log"].([]any)
	if len(log) != 4 || !strings.Contains(fmt.Sprint(log[0]), "503") {
		t.Errorf("attempts %v, want three 503s and the delivery", log)
	}
	if keys := hook.keys(); len(keys) != 1 {
		t.Errorf("receiver got %v, want one delivery", keys)
	}
	out, _, _ := d.clearway(t, "notify", "list")
	if !strings.Contains(out, "delivered") || !strings.Contains(out, "webhook:erp-hook") {
		t.Errorf("notify list:\n%s", out)
	}
}

// kill -9 of the daemon at a random point after an event's commit, 20
// times: each event reaches the webhook, and by its idempotency key once.
func TestNotifyKillNine(t *testing.T) {
	t.Parallel() // a daemon of its own on port 0, in its own folder
	hook := startReceiver(t)
	hook.delay = 150 * time.Millisecond
	d, _ := notifyDemo(t, nil, hook, `  rules:
    - id: every-status
      when: {event: status}
      to: [webhook:erp-hook]
`)
	const rounds = 20
	dm := d.start(t)
	for i := range rounds {
		// The event commits in this process; the daemon sends it.
		p := filepath.Join(d.dir, "out", fmt.Sprintf("CW_EVENTS_%d.csv", i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		body := "Event Code,Event Time,Entry No,Master BL,House BL,Container,Message\n" +
			fmt.Sprintf("INF,01/03/2026 %02d:%02d,597-2603117-8,MAEU240312345,,,note %d\n", i/60, i%60, i)
		os.WriteFile(p, []byte(body), 0o644)
		if out, errOut, code := d.clearway(t, "ingest", "--partner", "fastclear", "--into", "inbox/events", p); code != 0 {
			t.Fatalf("ingest: %s%s", out, errOut)
		}
		time.Sleep(time.Duration(rand.IntN(900)) * time.Millisecond)
		dm.cmd.Process.Kill()
		<-dm.done
		dm = d.start(t)
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(hook.keys()) < rounds && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	keys := hook.keys()
	events := map[string]bool{}
	for k := range keys {
		events[hook.events[k]] = true
	}
	if len(keys) != rounds || len(events) != rounds || hook.bad != 0 {
		t.Fatalf("after %d kills: %d delivery keys for %d events (bad signatures %d), want %d each\n%v", rounds, len(keys), len(events), hook.bad, rounds, keys)
	}
	again := 0
	for _, n := range keys {
		again += n - 1
	}
	t.Logf("%d events delivered, %d sent again after a kill (same idempotency key: the receiver counts each once)", rounds, again)
}

// A supplier with three documents requested and digest: daily gets one
// mail listing all three.
func TestNotifySupplierDigest(t *testing.T) {
	t.Parallel() // a daemon of its own on port 0, in its own folder
	sink := mailsink.Start(t)
	d, _ := notifyDemo(t, sink, nil, `  rules:
    - id: documents-requested
      when: {event: documents_requested}
      to: [sender]
      digest: daily
`)
	out := filepath.Join(d.dir, "out")
	os.MkdirAll(out, 0o755)
	po := filepath.Join(out, "PO.csv")
	os.WriteFile(po, []byte(storyPO), 0o644)
	d.clearway(t, "ingest", "--partner", "erp", "--into", "inbox/po", po)
	inv := filepath.Join(out, "INV-2026-0042_BL-MAEU240312345.xlsx")
	storyInvoice(t, inv, "8483.40.5010")
	if o, e, code := d.clearway(t, "ingest", "--partner", "acme", "--into", "inbox/invoices", inv); code != 0 {
		t.Fatalf("ingest invoice: %s%s", o, e)
	}
	dm := d.start(t)
	mails := sink.Wait(1, 30*time.Second)
	time.Sleep(3 * time.Second) // a second digest run finds nothing new
	mails = sink.Mails()
	if len(mails) != 1 || !slices.Equal(mails[0].To, []string{"sam@acme.example"}) {
		t.Fatalf("mails %v, want one to sam\n%s", mails, dm.logs)
	}
	raw := strings.ReplaceAll(string(mails[0].Raw), "=\n", "") // quoted-printable soft breaks
	if !regexp.MustCompile(`http://127\.0\.0\.1:\d+/shipments/CW-\d+`).MatchString(raw) {
		t.Errorf("the digest does not link the shipment:\n%s", raw)
	}
	for _, doc := range []string{"commercial invoice", "packing list", "bill of lading"} {
		if !strings.Contains(raw, doc) {
			t.Errorf("the digest does not list %q:\n%s", doc, raw)
		}
	}
}

// A rule naming a role that does not exist fails config check with its line.
func TestNotifyConfigCheckBadRole(t *testing.T) {
	d := newDemo(t)
	d.writeConfig(t, "notify:\n  rules:\n    - id: x\n      when: {event: hold_added}\n      to: [role:nobody]\n")
	_, errOut, code := d.clearway(t, "config", "check", "--config", d.config)
	if code == 0 || !strings.Contains(errOut, "clearway.yaml:17") || !strings.Contains(errOut, `role "nobody"`) {
		t.Errorf("config check: exit %d\n%s\nwant the rule's line and the role named", code, errOut)
	}
}
