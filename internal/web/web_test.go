package web

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/defender"
)

func TestOpenHealthz(t *testing.T) {
	e := newEnv(t)
	s := &Server{Listen: "127.0.0.1:0", DB: e.db, Archive: e.srv.Archive, Intake: e.srv.Intake}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + s.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz: got %d, want 200", resp.StatusCode)
	}
	// Without its archive the node says so, and the load balancer skips it.
	root := e.srv.Archive.(*archive.Archive).Root
	os.Rename(root, root+".away")
	resp, err = http.Get("http://" + s.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	os.Rename(root+".away", root)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "archive: unavailable") || !strings.Contains(string(body), "database: ok") {
		t.Errorf("healthz without the archive: %d %q", resp.StatusCode, body)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	e.addUser("ana", account.Admin, "")
	if code, _ := e.do(e.login("ana"), "GET", "/api/files", nil); code != http.StatusNotFound {
		t.Errorf("legacy /api/files: got %d, want 404 (it is gone)", code)
	}
}

func TestRedirectToLogin(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for _, path := range []string{"/", "/shipments/CW-000001", "/reviews", "/files", "/tokens"} {
		resp, err := c.Get(e.ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next="+url.QueryEscape(path) {
			t.Errorf("%s: got %d %q, want 303 to /login?next=", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if code, b := e.do(c, "GET", "/api/v1/shipments", nil); code != http.StatusUnauthorized {
		t.Errorf("API without a session: got %d, want 401", code)
	} else if code, _ := apiError(t, b); code != "unauthorized" {
		t.Errorf("got code %q, want unauthorized", code)
	}
	for _, path := range []string{"/healthz", "/static/style.css", "/login"} {
		if code, _ := e.do(c, "GET", path, nil); code != http.StatusOK {
			t.Errorf("%s: got %d, want 200 without a session", path, code)
		}
	}
}

func TestLoginLogout(t *testing.T) {
	e := newEnv(t)
	e.addUser("ana", account.Compliance, "")
	c := e.client()
	resp, err := c.PostForm(e.ts.URL+"/login", url.Values{"login": {"ana"}, "password": {"wrong password!"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: got %d, want 401", resp.StatusCode)
	}
	// next must stay on the site.
	for next, want := range map[string]string{"/reviews?status=open": "/reviews?status=open", "//evil.example/x": "/", "https://evil.example/": "/"} {
		resp, err = e.client().PostForm(e.ts.URL+"/login", url.Values{"login": {"ana"}, "password": {testPassword}, "next": {next}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("next %q: got %d to %q, want 303 to %q", next, resp.StatusCode, resp.Header.Get("Location"), want)
		}
		ck := resp.Cookies()
		if len(ck) != 1 || ck[0].Name != sessionCookie || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteLaxMode || len(ck[0].Value) != 64 {
			t.Errorf("session cookie: got %+v, want one HttpOnly SameSite=Lax 256-bit id", ck)
		}
	}
	c = e.login("ana")
	if code, b := e.do(c, "GET", "/", nil); code != http.StatusOK {
		t.Fatalf("portfolio: got %d, want 200", code)
	} else {
		contains(t, b, "Shipments", "ana", "compliance")
	}
	if code, _ := e.do(c, "POST", "/logout", nil, "Content-Type", "application/x-www-form-urlencoded"); code != http.StatusSeeOther {
		t.Errorf("logout: got %d, want 303", code)
	}
	if code, _ := e.do(c, "GET", "/", nil); code != http.StatusSeeOther {
		t.Errorf("after logout: got %d, want 303 to /login", code)
	}
}

func TestBanAfterFailedLogins(t *testing.T) {
	e := newEnv(t)
	e.addUser("ana", account.Compliance, "")
	for i := range 10 {
		resp, err := e.client().PostForm(e.ts.URL+"/login", url.Values{"login": {"ana"}, "password": {"not the password"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: got %d, want 401", i+1, resp.StatusCode)
		}
	}
	if banned, _ := e.def.Banned(defender.Addr("127.0.0.1:2022")); !banned {
		t.Error("10 wrong passwords did not ban the address in the shared defender (the SFTP port would let it in)")
	}
	resp, err := e.client().PostForm(e.ts.URL+"/login", url.Values{"login": {"ana"}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || len(resp.Cookies()) != 0 {
		t.Errorf("banned address with the right password: got %d, want 429 and no session", resp.StatusCode)
	}
}

func TestCrossSiteRefused(t *testing.T) {
	e := newEnv(t)
	ref := e.shipment("acme", "MAEU240312345")
	e.addUser("lena", account.Logistics, "")
	c := e.login("lena")
	form := "text=" + url.QueryEscape("Where is the packing list?")
	for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
		code, _ := e.do(c, "POST", "/shipments/"+ref+"/ask", strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded", h[0], h[1])
		if code != http.StatusForbidden {
			t.Errorf("form POST with %s: %s and a session: got %d, want 403", h[0], h[1], code)
		}
		code, _ = e.do(c, "POST", "/api/v1/shipments/"+ref+"/questions", strings.NewReader(`{"text":"x"}`), h[0], h[1])
		if code != http.StatusForbidden {
			t.Errorf("API POST with %s: %s and a session: got %d, want 403", h[0], h[1], code)
		}
	}
	qs, err := e.db.View(account.Scope{Role: account.Admin}).Questions(t.Context(), ref)
	if err != nil || len(qs) != 0 {
		t.Fatalf("questions %v %v, want none asked", qs, err)
	}
	code, _ := e.do(c, "POST", "/shipments/"+ref+"/ask", strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin")
	if code != http.StatusSeeOther {
		t.Errorf("same-origin form POST: got %d, want 303", code)
	}
}

func TestScopePagesAndAPI(t *testing.T) {
	e := newEnv(t)
	mine := e.shipment("acme", "MAEU240312345")
	theirs := e.shipment("globex", "MSCU7654321")
	e.addUser("sam", account.Supplier, "acme")
	c := e.login("sam")

	code, missing := e.do(c, "GET", "/shipments/CW-999999", nil)
	if code != http.StatusNotFound {
		t.Fatalf("missing ref: got %d, want 404", code)
	}
	for _, path := range []string{"/shipments/" + theirs, "/shipments/MSCU7654321", "/reviews"} {
		code, b := e.do(c, "GET", path, nil)
		if code != http.StatusNotFound || string(b) != string(missing) {
			t.Errorf("%s: got %d, want the same 404 page as a missing ref", path, code)
		}
	}
	if code, b := e.do(c, "GET", "/shipments/"+mine, nil); code != http.StatusOK {
		t.Errorf("own shipment: got %d, want 200", code)
	} else {
		contains(t, b, mine, "MAEU240312345", "Upload a document")
	}
	for _, path := range []string{"/api/v1/shipments/" + theirs, "/api/v1/shipments/MSCU7654321", "/api/v1/shipments/" + theirs + "/packet",
		"/api/v1/shipments/" + theirs + "/documents/1"} {
		code, b := e.do(c, "GET", path, nil)
		if code != http.StatusNotFound {
			t.Errorf("%s: got %d, want 404", path, code)
			continue
		}
		if code, _ := apiError(t, b); code != "not_found" {
			t.Errorf("%s: got code %q, want not_found", path, code)
		}
	}
	if code, b := e.upload(c, theirs, "commercial_invoice", "ci.pdf", []byte("%PDF-1.4 x")); code != http.StatusNotFound {
		t.Errorf("upload to another supplier's shipment: got %d %s, want 404", code, b)
	}
	var page shipmentPage
	if code := e.jsonDo(c, "GET", "/api/v1/shipments", nil, &page); code != http.StatusOK || len(page.Items) != 1 || page.Items[0].Ref != mine {
		t.Errorf("list: got %d %+v, want only %s", code, page.Items, mine)
	}
	_, b := e.do(c, "GET", "/", nil)
	if strings.Contains(string(b), theirs) || !strings.Contains(string(b), mine) {
		t.Errorf("portfolio page shows another supplier's shipment or not its own")
	}
}

func TestWorkspaceActionsByRole(t *testing.T) {
	e := newEnv(t)
	ref := e.shipment("acme", "MAEU240312345")
	if err := e.db.AssignShipment(t.Context(), ref, "fastclear", "test"); err != nil {
		t.Fatal(err)
	}
	e.ingest("fastclear", clearway.Record{Kind: clearway.KindStatusEvent, Fields: map[string]string{"bill_of_lading": "MAEU240312345",
		"code": "ZZZ", "code_list": "cargowise", "at": "2026-03-21T08:12:00Z"}})
	forms := map[string]string{
		"upload":  `action="/shipments/` + ref + `/upload"`,
		"packet":  `href="/shipments/` + ref + `/packet"`,
		"decide":  `action="/reviews/`,
		"state":   `action="/shipments/` + ref + `/set-state"`,
		"ask":     `action="/shipments/` + ref + `/ask"`,
		"reviews": `href="/reviews"`,
	}
	want := map[account.Role][]string{
		account.Admin:      {"upload", "packet", "decide", "state", "ask", "reviews"},
		account.Compliance: {"packet", "decide", "state", "ask", "reviews"},
		account.Logistics:  {"upload", "packet", "ask", "reviews"},
		account.Viewer:     {"reviews"},
		account.Broker:     {"packet", "ask"},
		account.Supplier:   {"upload"},
	}
	partner := map[account.Role]string{account.Broker: "fastclear", account.Supplier: "acme"}
	for role, shows := range want {
		login := "u-" + string(role)
		e.addUser(login, role, partner[role])
		code, b := e.do(e.login(login), "GET", "/shipments/"+ref, nil)
		if code != http.StatusOK {
			t.Fatalf("%s: got %d, want 200", role, code)
		}
		for name, marker := range forms {
			if got, want := strings.Contains(string(b), marker), slices.Contains(shows, name); got != want {
				t.Errorf("%s: %s shown %v, want %v", role, name, got, want)
			}
		}
	}
}

func TestPageFormsReturnWithNotice(t *testing.T) {
	e := newEnv(t)
	ref := e.shipment("acme", "MAEU240312345")
	e.addUser("lena", account.Logistics, "")
	c := e.login("lena")
	code, _ := e.do(c, "POST", "/shipments/"+ref+"/ask", strings.NewReader("text="), "Content-Type", "application/x-www-form-urlencoded")
	if code != http.StatusSeeOther {
		t.Fatalf("empty question: got %d, want 303 back with the problem", code)
	}
	req, _ := http.NewRequest("POST", e.ts.URL+"/shipments/"+ref+"/ask", strings.NewReader("text=Where+is+the+B%2FL%3F"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/shipments/"+ref+"?notice=") {
		t.Fatalf("ask: got %d to %q", resp.StatusCode, loc)
	}
	_, b := e.do(c, "GET", loc, nil)
	contains(t, b, "Question sent", "Where is the B/L?")
	// A viewer may not ask: the error page, not a redirect.
	e.addUser("vic", account.Viewer, "")
	if code, _ := e.do(e.login("vic"), "POST", "/shipments/"+ref+"/ask", strings.NewReader("text=hi"), "Content-Type", "application/x-www-form-urlencoded"); code != http.StatusForbidden {
		t.Errorf("viewer asking: got %d, want 403", code)
	}
}
