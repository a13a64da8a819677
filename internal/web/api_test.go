package web

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/sqlite"
)

func TestTokenAuthAndRevoke(t *testing.T) {
	e := newEnv(t)
	e.shipment("acme", "MAEU240312345")
	e.addUser("vic", account.Viewer, "")
	c := e.login("vic")
	var tok newToken
	if code := e.jsonDo(c, "POST", "/api/v1/tokens", map[string]string{"name": "script"}, &tok); code != http.StatusCreated || tok.ID == 0 || !strings.HasPrefix(tok.Secret, account.TokenPrefix) {
		t.Fatalf("create token: got %d %+v, want 201 with id and cwt_ secret", code, tok)
	}
	bare := e.client()
	bearer := []string{"Authorization", "Bearer " + tok.Secret}
	var page shipmentPage
	if code := e.jsonDo(bare, "GET", "/api/v1/shipments", nil, &page, bearer...); code != http.StatusOK || len(page.Items) != 1 {
		t.Fatalf("list with token: got %d %+v, want 200 and one shipment", code, page)
	}
	// A token request is no browser's: no cross-origin check.
	if code := e.jsonDo(bare, "POST", "/api/v1/tokens", map[string]string{"name": "x"}, nil, append(bearer, "Sec-Fetch-Site", "cross-site")...); code != http.StatusCreated {
		t.Errorf("token POST with Sec-Fetch-Site cross-site: got %d, want 201", code)
	}
	var list []account.Token
	if code := e.jsonDo(c, "GET", "/api/v1/tokens", nil, &list); code != http.StatusOK || len(list) != 2 {
		t.Errorf("own tokens: got %d %+v, want 2", code, list)
	}
	// Pages never take tokens: they are for people with a session.
	if code, _ := e.do(bare, "GET", "/", nil, bearer...); code != http.StatusSeeOther {
		t.Errorf("page with a token: got %d, want 303 to /login", code)
	}
	// Nobody revokes another's token.
	e.addUser("ana", account.Compliance, "")
	if code, _ := e.do(e.login("ana"), "DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), nil); code != http.StatusNotFound {
		t.Errorf("revoking another user's token: got %d, want 404", code)
	}
	if code, _ := e.do(c, "DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), nil); code != http.StatusNoContent {
		t.Fatalf("revoke: got %d, want 204", code)
	}
	code, b := e.do(bare, "GET", "/api/v1/shipments", nil, bearer...)
	if code != http.StatusUnauthorized {
		t.Fatalf("revoked token: got %d, want 401", code)
	}
	if c, _ := apiError(t, b); c != "unauthorized" {
		t.Errorf("revoked token: code %q, want unauthorized", c)
	}
	if code, _ := e.do(bare, "GET", "/api/v1/shipments", nil, "Authorization", "Bearer cwt_nope"); code != http.StatusUnauthorized {
		t.Errorf("unknown token: got %d, want 401", code)
	}
}

func TestUploadThroughIntake(t *testing.T) {
	requireWebChannels(t)
	e := newEnv(t)
	ref := e.shipment("acme", "MAEU240312345")
	e.addUser("sam", account.Supplier, "acme")
	e.addUser("vic", account.Viewer, "")
	c := e.login("sam")
	var files []clearway.File
	for i, content := range []string{"%PDF-1.4 first", "%PDF-1.4 second"} {
		code, b := e.upload(c, ref, "commercial_invoice", "invoice.pdf", []byte(content))
		if code != http.StatusCreated {
			t.Fatalf("upload %d: got %d %s, want 201", i+1, code, b)
		}
		contains(t, b, `"channel": "web"`, `"user": "sam"`, `"state": "done"`, `"partner": "acme"`, "inbox/docs/MAEU240312345/CI_BL-MAEU240312345.pdf")
	}
	sh, err := e.db.View(account.Scope{Role: account.Admin}).Shipment(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	var versions []sqlite.DocumentVersion
	for _, d := range sh.Documents {
		if d.DocType == "commercial_invoice" {
			versions = append(versions, d)
		}
	}
	if len(versions) != 2 {
		t.Fatalf("commercial invoices %+v, want 2 versions", versions)
	}
	for _, d := range versions {
		if d.Channel != "web" || d.User != "sam" || d.Superseded != (d.Version == 1) {
			t.Errorf("version %+v: want channel web, user sam, v1 superseded by v2", d)
		}
	}
	if code := e.jsonDo(c, "GET", "/api/v1/files", nil, &files); code != http.StatusOK {
		t.Fatalf("journal: got %d", code)
	}
	web := 0
	for _, f := range files {
		if f.Channel == clearway.ChannelWeb && f.User == "sam" && f.Partner == "acme" {
			web++
		}
	}
	if web != 2 {
		t.Errorf("journal %+v: want 2 web files by sam", files)
	}
	code, b := e.do(c, "GET", fmt.Sprintf("/api/v1/shipments/%s/documents/%d", ref, versions[1].ID), nil)
	if code != http.StatusOK || !bytes.HasPrefix(b, []byte("%PDF-1.4")) {
		t.Errorf("download: got %d %q", code, b)
	}
	// A viewer sees the shipment but may not upload.
	code, b = e.upload(e.login("vic"), ref, "commercial_invoice", "ci.pdf", []byte("%PDF-1.4 third"))
	if code != http.StatusForbidden {
		t.Fatalf("viewer upload: got %d, want 403", code)
	}
	if c, _ := apiError(t, b); c != "forbidden" {
		t.Errorf("viewer upload: code %q, want forbidden", c)
	}
	code, b = e.upload(c, ref, "passport", "x.pdf", []byte("x"))
	if code != http.StatusBadRequest {
		t.Errorf("unknown doc_type: got %d, want 400", code)
	} else if c, _ := apiError(t, b); c != "invalid" {
		t.Errorf("unknown doc_type: code %q, want invalid", c)
	}
}

func TestUploadTooLarge(t *testing.T) {
	e := newEnv(t, func(s *Server) { s.MaxUpload = 1 << 10 })
	ref := e.shipment("acme", "MAEU240312345")
	e.addUser("lena", account.Logistics, "")
	code, b := e.upload(e.login("lena"), ref, "packing_list", "pl.pdf", bytes.Repeat([]byte("x"), 200<<10))
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("got %d %s, want 413", code, b)
	}
	if c, msg := apiError(t, b); c != "too_large" || !strings.Contains(msg, "max_upload_mb") {
		t.Errorf("got %q %q, want too_large naming the limit", c, msg)
	}
	// A logistics user's upload goes to a supplier reading documents.
	requireWebChannels(t)
	code, b = e.upload(e.login("lena"), ref, "packing_list", "pl.pdf", []byte("%PDF small"))
	if code != http.StatusCreated {
		t.Fatalf("small upload: got %d %s", code, b)
	}
	contains(t, b, `"partner": "acme"`, `"user": "lena"`, `"state": "done"`)
}

func TestCursorPagination(t *testing.T) {
	e := newEnv(t)
	for i := range 7 {
		e.shipment("acme", fmt.Sprintf("MAEU%07d", i))
	}
	e.addUser("vic", account.Viewer, "")
	c := e.login("vic")
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		var page shipmentPage
		if code := e.jsonDo(c, "GET", "/api/v1/shipments?limit=3&cursor="+cursor, nil, &page); code != http.StatusOK {
			t.Fatalf("page %d: got %d", pages, code)
		}
		pages++
		for _, it := range page.Items {
			if seen[it.Ref] {
				t.Errorf("%s on two pages", it.Ref)
			}
			seen[it.Ref] = true
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if pages != 3 || len(seen) != 7 {
		t.Errorf("got %d pages and %d shipments, want 3 and 7", pages, len(seen))
	}
	code, b := e.do(c, "GET", "/api/v1/shipments?cursor=garbage!", nil)
	if code != http.StatusBadRequest {
		t.Fatalf("bad cursor: got %d, want 400", code)
	}
	if c, _ := apiError(t, b); c != "invalid" {
		t.Errorf("bad cursor: code %q, want invalid", c)
	}
	if code, b := e.do(c, "GET", "/?all=1&q=MAEU", nil); code != http.StatusOK {
		t.Errorf("portfolio page: got %d", code)
	} else {
		contains(t, b, "MAEU0000006")
	}
}

func TestBrokerQuestionsReviews(t *testing.T) {
	e := newEnv(t)
	ref := e.shipment("acme", "MAEU240312345")
	if err := e.db.AssignShipment(context.Background(), ref, "fastclear", "test"); err != nil {
		t.Fatal(err)
	}
	e.addUser("fc", account.Broker, "fastclear")
	e.addUser("lena", account.Logistics, "")
	e.addUser("ana", account.Compliance, "")
	e.addUser("sam", account.Supplier, "acme")
	broker, logistics, compliance := e.login("fc"), e.login("lena"), e.login("ana")

	e.ingest("fastclear", clearway.Record{Kind: clearway.KindStatusEvent, Fields: map[string]string{"bill_of_lading": "MAEU240312345",
		"code": "ZZZ", "code_list": "cargowise", "at": "2026-03-21T08:12:00Z", "entry_number": "59726031178"}})
	var reviews []sqlite.Review
	if code := e.jsonDo(compliance, "GET", "/api/v1/reviews?status=open", nil, &reviews); code != http.StatusOK || len(reviews) != 1 || reviews[0].Kind != "unmapped_status" {
		t.Fatalf("reviews: got %d %+v, want one unmapped_status", code, reviews)
	}
	rid := reviews[0].ID
	code, b := e.do(logistics, "POST", fmt.Sprintf("/api/v1/reviews/%d/decision", rid), strings.NewReader(`{"decision":"reject","reason":"OTHER"}`))
	if code != http.StatusForbidden {
		t.Fatalf("logistics deciding: got %d %s, want 403", code, b)
	}
	if c, _ := apiError(t, b); c != "forbidden" {
		t.Errorf("logistics deciding: code %q, want forbidden", c)
	}
	if code, b := e.do(broker, "POST", fmt.Sprintf("/api/v1/reviews/%d/decision", rid), strings.NewReader(`{"decision":"reject","reason":"OTHER"}`)); code != http.StatusNotFound {
		t.Errorf("broker deciding an importer review: got %d %s, want 404", code, b)
	}
	_, page := e.do(logistics, "GET", "/shipments/"+ref, nil)
	_, cpage := e.do(compliance, "GET", "/shipments/"+ref, nil)
	if strings.Contains(string(page), `action="/reviews/`) || !strings.Contains(string(cpage), fmt.Sprintf(`action="/reviews/%d/decide`, rid)) {
		t.Error("the decide form shows for logistics, or not for compliance")
	}
	body, ct := multipartBody(map[string]string{"decision": "reject", "reason": "OTHER", "note": "broker typo"}, "attachment", "call-notes.pdf", []byte("%PDF notes"))
	var rv sqlite.Review
	if code := e.jsonDo(compliance, "POST", fmt.Sprintf("/api/v1/reviews/%d/decision", rid), nil, &rv); code != http.StatusBadRequest {
		t.Errorf("empty decision: got %d, want 400", code)
	}
	code, b = e.do(compliance, "POST", fmt.Sprintf("/api/v1/reviews/%d/decision", rid), body, "Content-Type", ct)
	if code != http.StatusOK || !strings.Contains(string(b), `"decided_by": "ana"`) {
		t.Fatalf("compliance deciding with an attachment: got %d %s", code, b)
	}
	atts, err := e.db.ShipmentAttachments(context.Background(), ref)
	if err != nil || len(atts) != 1 || atts[0].Name != "call-notes.pdf" {
		t.Errorf("attachments %+v %v, want call-notes.pdf", atts, err)
	}

	var q sqlite.Question
	if code := e.jsonDo(broker, "POST", "/api/v1/shipments/"+ref+"/questions", map[string]string{"text": "Is the CI final?"}, &q); code != http.StatusCreated || q.ID == 0 {
		t.Fatalf("ask: got %d %+v, want 201 with id", code, q)
	}
	if code := e.jsonDo(logistics, "POST", fmt.Sprintf("/api/v1/questions/%d/answers", q.ID), map[string]string{"text": "Yes, v2 is final."}, &q); code != http.StatusCreated || len(q.Answers) != 1 {
		t.Fatalf("answer: got %d %+v", code, q)
	}
	var qs []sqlite.Question
	if code := e.jsonDo(broker, "GET", "/api/v1/shipments/"+ref+"/questions", nil, &qs); code != http.StatusOK || len(qs) != 1 || qs[0].Answers[0].By != "lena" {
		t.Errorf("broker's questions: got %d %+v, want the answer by lena", code, qs)
	}
	if code := e.jsonDo(e.login("sam"), "POST", fmt.Sprintf("/api/v1/questions/%d/close", q.ID), nil, nil); code != http.StatusForbidden {
		t.Errorf("supplier closing someone's question: got %d, want 403", code)
	}
	if code := e.jsonDo(broker, "POST", fmt.Sprintf("/api/v1/questions/%d/close", q.ID), nil, &q); code != http.StatusOK || q.Status != "closed" {
		t.Errorf("close: got %d %+v", code, q)
	}

	code, zb := e.do(broker, "GET", "/api/v1/shipments/"+ref+"/packet", nil)
	if code != http.StatusOK {
		t.Fatalf("broker packet: got %d %s", code, zb)
	}
	if _, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb))); err != nil {
		t.Errorf("packet is not a zip: %v", err)
	}
	if code, _ := e.do(e.login("sam"), "GET", "/api/v1/shipments/"+ref+"/packet", nil); code != http.StatusForbidden {
		t.Errorf("supplier packet: got %d, want 403", code)
	}
	var sh sqlite.Shipment
	if code := e.jsonDo(compliance, "POST", "/api/v1/shipments/"+ref+"/state", map[string]string{"state": "ON_HOLD", "reason": "OTHER", "note": "CBP phoned"}, &sh); code != http.StatusOK || sh.State != "ON_HOLD" {
		t.Errorf("manual state: got %d %s, want ON_HOLD", code, sh.State)
	}
	if code := e.jsonDo(logistics, "POST", "/api/v1/shipments/"+ref+"/state", map[string]string{"state": "RELEASED", "reason": "OTHER"}, nil); code != http.StatusForbidden {
		t.Errorf("logistics manual state: got %d, want 403", code)
	}
}

func TestRejectionReport(t *testing.T) {
	e := newEnv(t)
	e.addUser("sam", account.Supplier, "acme")
	e.addUser("gus", account.Supplier, "globex")
	tmp := filepath.Join(t.TempDir(), "notes.txt")
	if err := writeFile(tmp, "hello"); err != nil {
		t.Fatal(err)
	}
	f, err := e.srv.Intake.Accept(context.Background(), "acme", clearway.ChannelSFTP, "inbox/notes.txt", tmp)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		cur, err := e.db.FindFileByID(context.Background(), f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cur.State == clearway.FileRejected {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("file state %s, want rejected", cur.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
	path := fmt.Sprintf("/api/v1/files/%d/report", f.ID)
	code, b := e.do(e.login("sam"), "GET", path, nil)
	if code != http.StatusOK {
		t.Fatalf("report: got %d %s", code, b)
	}
	contains(t, b, "could not be accepted", fmt.Sprintf("reference %d,", f.ID))
	if code, _ := e.do(e.login("gus"), "GET", path, nil); code != http.StatusNotFound {
		t.Errorf("another supplier's report: got %d, want 404", code)
	}
	if code, b := e.do(e.login("sam"), "GET", "/files", nil); code != http.StatusOK {
		t.Errorf("files page: got %d", code)
	} else {
		contains(t, b, fmt.Sprintf(`href="/files/%d/report"`, f.ID))
	}
}

func TestPostStatusEvent(t *testing.T) {
	e := newEnv(t)
	ref := e.shipment("acme", "MAEU240312345")
	if err := e.db.AssignShipment(context.Background(), ref, "fastclear", "test"); err != nil {
		t.Fatal(err)
	}
	e.addUser("fc", account.Broker, "fastclear")
	e.addUser("lena", account.Logistics, "")
	broker := e.login("fc")
	ev := map[string]string{"code": "ZZZ", "code_list": "cargowise", "at": "2026-03-21T08:12:00Z", "entry_number": "59726031178", "message": "odd code"}
	if code := e.jsonDo(e.login("lena"), "POST", "/api/v1/shipments/"+ref+"/events", ev, nil); code != http.StatusForbidden {
		t.Errorf("logistics posting a status: got %d, want 403", code)
	}
	if code := e.jsonDo(broker, "POST", "/api/v1/shipments/"+ref+"/events", map[string]string{"code": "1C"}, nil); code != http.StatusBadRequest {
		t.Errorf("event without code_list and at: got %d, want 400", code)
	}
	requireWebChannels(t)
	var f clearway.File
	if code := e.jsonDo(broker, "POST", "/api/v1/shipments/"+ref+"/events", ev, &f); code != http.StatusCreated || f.Channel != clearway.ChannelAPI || f.Partner != "fastclear" || f.User != "fc" || f.State != clearway.FileDone {
		t.Fatalf("post event: got %d %+v, want 201, channel api, partner fastclear, user fc, done", code, f)
	}
	sh, err := e.db.View(account.Scope{Role: account.Admin}).Shipment(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(sh.Timeline, func(ev sqlite.TimelineEvent) bool { return ev.Code == "ZZZ" && ev.FileID == f.ID }) {
		t.Errorf("timeline %+v: want the posted ZZZ from file %d", sh.Timeline, f.ID)
	}
	if !slices.ContainsFunc(sh.Reviews, func(r sqlite.ReviewSummary) bool { return r.Kind == "unmapped_status" }) {
		t.Errorf("reviews %+v: want an unmapped_status (the code went through the code tables)", sh.Reviews)
	}
	// Sent twice, the same event is applied once.
	if code := e.jsonDo(broker, "POST", "/api/v1/shipments/"+ref+"/events", ev, &f); code != http.StatusCreated {
		t.Errorf("second post: got %d", code)
	}
}

func TestUploadPageForm(t *testing.T) {
	requireWebChannels(t)
	e := newEnv(t)
	ref := e.shipment("acme", "MAEU240312345")
	e.addUser("sam", account.Supplier, "acme")
	c := e.login("sam")
	body, ct := multipartBody(map[string]string{"doc_type": "commercial_invoice"}, "file", "Invoice March.pdf", []byte("%PDF-1.4 page"))
	req, _ := http.NewRequest("POST", e.ts.URL+"/shipments/"+ref+"/upload", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "notice=") {
		t.Fatalf("upload form: got %d to %q, want 303 back with a notice", resp.StatusCode, loc)
	}
	_, b := e.do(c, "GET", loc, nil)
	contains(t, b, "Invoice March.pdf uploaded as Commercial invoice", "CI_BL-MAEU240312345.pdf", "via web")
}

// Guessing tokens is a failed login like guessing passwords: ten wrong
// tokens ban the address, and then a good token is refused too.
func TestTokenGuessingBans(t *testing.T) {
	e := newEnv(t)
	e.shipment("acme", "MAEU240312345")
	e.addUser("vic", account.Viewer, "")
	var tok newToken
	if code := e.jsonDo(e.login("vic"), "POST", "/api/v1/tokens", map[string]string{"name": "script"}, &tok); code != http.StatusCreated {
		t.Fatalf("create token: %d", code)
	}
	bare := e.client()
	for i := range 10 {
		if code, _ := e.do(bare, "GET", "/api/v1/shipments", nil, "Authorization", "Bearer "+account.TokenPrefix+strings.Repeat("0", 63)+string(rune('a'+i%6))); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: got %d, want 401", i+1, code)
		}
	}
	code, body := e.do(bare, "GET", "/api/v1/shipments", nil, "Authorization", "Bearer "+tok.Secret)
	if c, _ := apiError(t, body); code != http.StatusForbidden || c != "forbidden" {
		t.Errorf("a good token from a banned address: got %d %s, want 403 forbidden", code, body)
	}
}
