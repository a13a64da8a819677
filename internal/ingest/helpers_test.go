package ingest

import (
	"io"
	"log/slog"
	"testing"

	"github.com/clearway/clearway/internal/testutil/pgtest"
)

// quietLogger drops a test pipeline's log.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestMain stops the throwaway PostgreSQL a benchmark started.
func TestMain(m *testing.M) { pgtest.Main(m) }
