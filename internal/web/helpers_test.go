package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/defender"
	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/ingest"
	"github.com/clearway/clearway/internal/intake"
	"github.com/clearway/clearway/internal/mapping"
	"github.com/clearway/clearway/internal/sqlite"
	"github.com/clearway/clearway/internal/sqlite/sqlitetest"
)

// testPassword is every test user's password.
const testPassword = "correct horse battery"

// env is a real store, archive, intake and ingest pipeline behind the web
// server on an httptest server.
type env struct {
	t    *testing.T
	db   *sqlite.DB
	srv  *Server
	ts   *httptest.Server
	def  *defender.Defender
	seq  atomic.Int64
	refs map[string]string // B/L → shipment ref
}

// newEnv starts the whole web side: partners acme and globex (suppliers
// reading supplier-documents) and fastclear (a broker).
func newEnv(t *testing.T, opts ...func(*Server)) *env {
	t.Helper()
	dir := t.TempDir()
	db, arc := sqlitetest.OpenStore(t, dir)
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	ms, err := mapping.LoadDir(filepath.Join("..", "..", "mappings"))
	if err != nil {
		t.Fatal(err)
	}
	shared, err := folders.OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	pipe := &ingest.Pipeline{DB: db, Archive: arc, PartnersDir: filepath.Join(dir, "partners"), Folders: shared, Logger: logger, Retry: 50 * time.Millisecond}
	pipe.SetRouter(&ingest.Router{Mappings: ms, Acks: map[string]string{},
		Partners: map[string][]string{"acme": {"supplier-documents"}, "globex": {"supplier-documents"}, "fastclear": {}}})
	if err := pipe.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pipe.Close() })
	in := &intake.Intake{DB: db, Archive: arc, Logger: logger, OnAccepted: func(*clearway.File) { pipe.Wake() }}
	def := &defender.Defender{Threshold: 10, Window: time.Minute, BanTime: time.Minute, MaxBanTime: time.Hour, Now: time.Now}
	s := &Server{DB: db, Archive: arc, Intake: in, Defender: def, Folders: shared, Logger: logger,
		ReasonCodes: []string{"CLASSIFICATION_CORRECTION", "SUPPLIER_ERROR", "OTHER"},
		Partners: []Partner{{ID: "acme", Role: "supplier", Mappings: []string{"supplier-documents"}},
			{ID: "globex", Role: "supplier", Mappings: []string{"supplier-documents"}}, {ID: "fastclear", Role: "broker"}}}
	for _, o := range opts {
		o(s)
	}
	h, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &env{t: t, db: db, srv: s, ts: ts, def: def, refs: map[string]string{}}
}

// addUser creates a user with testPassword.
func (e *env) addUser(login string, role account.Role, partner string) {
	e.t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.CreateUser(context.Background(), account.User{Login: login, Role: role, Partner: partner}, string(hash), "test"); err != nil {
		e.t.Fatal(err)
	}
}

// ingest applies records as a file the partner sent and returns the ref of
// the shipment of bl.
func (e *env) ingest(partner string, recs ...clearway.Record) {
	e.t.Helper()
	ctx := context.Background()
	n := e.seq.Add(1)
	f := &clearway.File{Partner: partner, Channel: clearway.ChannelCLI, Name: fmt.Sprintf("inbox/f%d.csv", n), Size: 1,
		SHA256: fmt.Sprintf("%064x", n)}
	if err := e.db.CreateFile(ctx, f); err != nil {
		e.t.Fatal(err)
	}
	in, err := e.db.BeginIngest(ctx, f, "test", "h")
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range recs {
		if err := in.Apply(r); err != nil {
			in.Rollback()
			e.t.Fatal(err)
		}
	}
	if err := in.Commit(len(recs)); err != nil {
		e.t.Fatal(err)
	}
}

// shipment makes a shipment with bill of lading bl, sent by partner, and
// returns its ref.
func (e *env) shipment(partner, bl string) string {
	e.t.Helper()
	e.ingest(partner, clearway.Record{Kind: clearway.KindShipment, Fields: map[string]string{"bill_of_lading": bl, "mode": "ocean"}})
	s, err := e.db.FindShipment(context.Background(), bl)
	if err != nil {
		e.t.Fatal(err)
	}
	return s.Ref
}

// client is an HTTP client that does not follow redirects.
func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login logs a user in and returns its client (with the session cookie).
func (e *env) login(login string) *http.Client {
	e.t.Helper()
	c := e.client()
	resp, err := c.PostForm(e.ts.URL+"/login", url.Values{"login": {login}, "password": {testPassword}})
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login %s: got %d, want 303", login, resp.StatusCode)
	}
	return c
}

// do sends a request and returns the status and body.
func (e *env) do(c *http.Client, method, path string, body io.Reader, header ...string) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// jsonDo is do with a JSON body, decoding the answer into out.
func (e *env) jsonDo(c *http.Client, method, path string, in, out any, header ...string) int {
	e.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	status, b := e.do(c, method, path, body, header...)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: %d %s: %v", method, path, status, b, err)
		}
	}
	return status
}

// multipartBody builds a form with fields and one file.
func multipartBody(fields map[string]string, fileField, fileName string, content []byte) (io.Reader, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if fileField != "" {
		fw, _ := mw.CreateFormFile(fileField, fileName)
		fw.Write(content)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// upload posts a document through the API.
func (e *env) upload(c *http.Client, ref, docType, name string, content []byte, header ...string) (int, []byte) {
	e.t.Helper()
	body, ct := multipartBody(map[string]string{"doc_type": docType}, "file", name, content)
	return e.do(c, "POST", "/api/v1/shipments/"+ref+"/documents", body, append([]string{"Content-Type", ct}, header...)...)
}

// apiError decodes the §11.3 error JSON.
func apiError(t *testing.T, b []byte) (code, msg string) {
	t.Helper()
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(b, &body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
		t.Fatalf("got %s, want {\"error\": {\"code\", \"message\"}} (%v)", b, err)
	}
	return body.Error.Code, body.Error.Message
}

// contains fails unless body has every want.
func contains(t *testing.T, body []byte, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(string(body), w) {
			t.Errorf("body does not contain %q", w)
		}
	}
}

// writeFile writes a small file.
func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o640) }

// requireWebChannels fails the test at once, naming the cause, when the
// store's journal refuses the channels web and api (files.channel's CHECK
// of migration 001 lists only sftp, watch, remote and cli): uploads and
// posted status events cannot be journaled until a migration widens it.
func requireWebChannels(t *testing.T) {
	t.Helper()
	db, _ := sqlitetest.OpenStore(t, t.TempDir())
	for _, ch := range []clearway.Channel{clearway.ChannelWeb, clearway.ChannelAPI} {
		f := &clearway.File{Partner: "p", Channel: ch, Name: "inbox/x", Size: 1, SHA256: strings.Repeat("0", 64)}
		if err := db.CreateFile(context.Background(), f); err != nil {
			t.Fatalf("STORE: the journal refuses channel %q (%v): files.channel's CHECK (internal/sqlite/migrations/001_files.sql) needs 'web' and 'api' in a new migration", ch, err)
		}
	}
}
