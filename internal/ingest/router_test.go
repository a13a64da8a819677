package ingest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/mapping"
	"github.com/clearway/clearway/internal/sqlite/sqlitetest"
	"github.com/clearway/clearway/internal/testutil"
)

func mustMapping(t *testing.T, name, glob string) *mapping.Mapping {
	t.Helper()
	m, err := mapping.Parse([]byte("name: "+name+"\nformat: csv\nmatch: {path: '"+glob+"'}\nrecords:\n  - kind: invoice_line\n    fields: {sku: {col: 1}}\n"), name+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRouter(t *testing.T) {
	eu, all := mustMapping(t, "packing-eu", "inbox/packing/eu/*.csv"), mustMapping(t, "packing", "inbox/packing/**")
	r := &Router{
		Partners: map[string][]string{"acme": {"packing-eu", "packing", "missing"}},
		Mappings: map[string]*mapping.Mapping{eu.Name: eu, all.Name: all},
	}
	for _, tc := range []struct{ name, want string }{
		{"inbox/packing/eu/PL-1.csv", "packing-eu"}, // first match wins, in config order
		{"inbox/packing/PL-2.csv", "packing"},
	} {
		m, err := r.Route(&clearway.File{Partner: "acme", Name: tc.name})
		if err != nil || m.Name != tc.want {
			t.Errorf("Route(%s) = %v, %v; want %s", tc.name, m, err, tc.want)
		}
	}
	_, err := r.Route(&clearway.File{Partner: "acme", Name: "inbox/invoices/x.xlsx"})
	if err == nil || !strings.Contains(err.Error(), "packing-eu (inbox/packing/eu/*.csv)") || !strings.Contains(err.Error(), "missing (not loaded") {
		t.Fatalf("got %v, want the candidates named", err)
	}
	if _, err := r.Route(&clearway.File{Partner: "nobody", Name: "inbox/x"}); err == nil || !strings.Contains(err.Error(), "no mapping is set up") {
		t.Fatalf("got %v", err)
	}
}

// A file whose archived copy vanished is set aside as rejected (with the
// reason), not retried forever in front of the queue.
func TestMissingArchiveCopyDoesNotBlock(t *testing.T) {
	dir := t.TempDir()
	db, arc := sqlitetest.OpenStore(t, dir)
	ctx := context.Background()
	f := &clearway.File{Partner: "acme", Channel: clearway.ChannelCLI, Name: "inbox/a/x.csv", Size: 3, SHA256: strings.Repeat("ab", 32)}
	if err := db.CreateFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	m := mustMapping(t, "inv", "inbox/a/*.csv")
	p := &Pipeline{DB: db, Archive: arc, PartnersDir: filepath.Join(dir, "partners"), Folders: testutil.Folders(t, dir), Logger: quietLogger()}
	p.SetRouter(&Router{Partners: map[string][]string{"acme": {"inv"}}, Mappings: map[string]*mapping.Mapping{"inv": m}})
	out, err := p.Process(ctx, f)
	if err != nil || out.State != clearway.FileRejected {
		t.Fatalf("got %v, %v", out, err)
	}
	got, _ := db.FindFileByID(ctx, f.ID)
	if got.State != clearway.FileRejected || !strings.Contains(got.Error, "archived copy") {
		t.Fatalf("journal %+v", got)
	}
}
