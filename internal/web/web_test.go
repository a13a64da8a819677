package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/sqlite"
)

func TestEndpoints(t *testing.T) {
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "clearway.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := &clearway.File{Partner: "acme", Channel: clearway.ChannelSFTP, Name: "inbox/a.csv", Size: 3, SHA256: strings.Repeat("0", 64)}
	if err := db.CreateFile(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	s := &Server{Listen: "127.0.0.1:0", DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := "http://" + s.Addr().String()

	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()

	resp, err = http.Get(base + "/api/files?partner=acme")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var files []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&files); err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0]["name"] != "inbox/a.csv" || files[0]["received_at"] == nil || files[0]["sha256"] == nil {
		t.Fatalf("got %v, want the snake_case journal shape", files)
	}
}
