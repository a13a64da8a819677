package intake

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/sqlite/sqlitetest"
)

func TestAccept(t *testing.T) {
	dir := t.TempDir()
	db, arc := sqlitetest.OpenStore(t, dir)
	var told []*clearway.File
	in := &Intake{DB: db, Archive: arc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnAccepted: func(f *clearway.File) { told = append(told, f) }}

	src := filepath.Join(dir, "upload.tmp")
	if err := os.WriteFile(src, []byte("PO,LINE\n1,1\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	f, err := in.Accept(context.Background(), "erp", clearway.ChannelCLI, "../../inbox//po.csv", src)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "inbox/po.csv" {
		t.Fatalf("got name %q, want inbox/po.csv", f.Name)
	}
	if len(told) != 1 || told[0].ID != f.ID {
		t.Fatalf("OnAccepted got %v", told)
	}
	got, err := db.FindFileByID(context.Background(), f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.SHA256 != f.SHA256 || got.Size != 12 || got.State != clearway.FileReceived {
		t.Fatalf("journal has %+v", got)
	}
	if !arc.Exists(f.SHA256) {
		t.Fatal("not archived")
	}
}

func TestCleanName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"inbox/a.csv", "inbox/a.csv"},
		{"/inbox/../inbox/a.csv", "inbox/a.csv"},
		{"..\\..\\etc\\passwd", "etc/passwd"},
	} {
		got, err := CleanName(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("CleanName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := CleanName("../.."); err == nil {
		t.Error("CleanName(\"../..\"): want error")
	}
}
