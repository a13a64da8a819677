package ingest

import (
	"io"
	"log/slog"
)

// quietLogger drops a test pipeline's log.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
