package ingest

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/mapping"
)

func TestReloaderKeepsLastGood(t *testing.T) {
	dir := t.TempDir()
	write := func(glob string) {
		body := "name: inv\nformat: csv\nmatch: {path: '" + glob + "'}\nrecords:\n  - kind: invoice_line\n    fields: {sku: {col: 1}}\n"
		if err := os.WriteFile(filepath.Join(dir, "inv.yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("inbox/a/*.csv")
	ms, err := mapping.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{}
	p.SetRouter(&Router{Partners: map[string][]string{"acme": {"inv"}}, Mappings: ms})
	r := &Reloader{Dir: dir, Pipeline: p, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := r.Open(); err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	routes := func(name string) bool {
		_, err := p.router.Load().Route(&clearway.File{Partner: "acme", Name: name})
		return err == nil
	}
	if !routes("inbox/a/x.csv") || routes("inbox/b/x.csv") {
		t.Fatal("initial routing wrong")
	}
	// An edit is picked up without a restart.
	write("inbox/b/*.csv")
	os.Chtimes(filepath.Join(dir, "inv.yaml"), time.Now().Add(time.Second), time.Now().Add(time.Second))
	r.Check()
	if routes("inbox/a/x.csv") || !routes("inbox/b/x.csv") {
		t.Fatal("edit not picked up")
	}
	// A bad edit keeps the last good version running.
	os.WriteFile(filepath.Join(dir, "inv.yaml"), []byte("name: inv\nformat: [csv\n"), 0o644)
	os.Chtimes(filepath.Join(dir, "inv.yaml"), time.Now().Add(2*time.Second), time.Now().Add(2*time.Second))
	r.Check()
	if !routes("inbox/b/x.csv") {
		t.Fatal("a bad edit took the mapping down")
	}
}
