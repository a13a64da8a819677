package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/testutil"
)

// webClient logs in with the form and returns a client holding the session.
func webClient(t *testing.T, base, login, password string) (*http.Client, int) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login", url.Values{"login": {login}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return c, resp.StatusCode
}

// The doors of the workspace: a token works with curl until revoked, a
// cross-site form post with a valid session is refused, and ten wrong
// passwords from one address close the web and the SFTP port to it.
func TestWorkspaceDoors(t *testing.T) {
	d := workspaceDemo(t)
	browserStory(t, d)
	dm := d.start(t)
	base := dm.httpURL(t)

	out, errOut, code := d.clearway(t, "token", "create", "lee", "--name", "erp-sync")
	if code != 0 {
		t.Fatalf("token create: %s", errOut)
	}
	token := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	curl := testutil.RequireTool(t, "curl")
	body, err := testutil.Run(t, 30*time.Second, nil, curl, "-sS", "-H", "Authorization: Bearer "+token, base+"/api/v1/shipments")
	if err != nil || !strings.Contains(body, `"items"`) || !strings.Contains(body, "MAEU240312345") {
		t.Fatalf("curl with the token: %v %s", err, body)
	}
	if _, errOut, code := d.clearway(t, "token", "revoke", "1"); code != 0 {
		t.Fatal(errOut)
	}
	status, _ := testutil.Run(t, 30*time.Second, nil, curl, "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer "+token, base+"/api/v1/shipments")
	if status != "401" {
		t.Errorf("revoked token: HTTP %s, want 401", status)
	}

	// A form posted from another site with lee's session cookie.
	c, st := webClient(t, base, "lee", storyPassword)
	if st != http.StatusSeeOther {
		t.Fatalf("login: %d", st)
	}
	req, _ := http.NewRequest("POST", base+"/shipments/MAEU240312345/ask", strings.NewReader("text=evil"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post: %d %s, want 403", resp.StatusCode, b)
	}
	if q, _, _ := d.clearway(t, "shipment", "show", "MAEU240312345", "--json"); strings.Contains(q, "evil") {
		t.Error("the cross-site post was applied")
	}

	// Ten wrong passwords: banned on the web, with the right one too, and
	// on the SFTP port.
	for i := range 10 {
		if _, st := webClient(t, base, "lee", "wrong password "+string(rune('a'+i))); st == http.StatusSeeOther {
			t.Fatalf("a wrong password logged in")
		}
	}
	if _, st := webClient(t, base, "lee", storyPassword); st == http.StatusSeeOther {
		t.Errorf("a banned address logged in: %d", st)
	}
	if out, err := d.sftp(t, dm.port, "ls /\n"); err == nil {
		t.Errorf("the SFTP port let a banned address in: %s", out)
	}
}
