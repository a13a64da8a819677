package browser

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

// The browser starts, loads a page, reads its text and takes a screenshot.
func TestBrowser(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<!doctype html><title>t</title><h1 id="x">Clearway</h1>`))
	}))
	defer srv.Close()
	ctx := New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#x")))
	if err != nil {
		t.Fatal(err)
	}
	if text != "Clearway" {
		t.Errorf("text %q", text)
	}
	p := Screenshot(t, ctx, t.TempDir(), "smoke")
	if fi, err := os.Stat(p); err != nil || fi.Size() < 100 {
		t.Errorf("screenshot %v %v", fi, err)
	}
}
