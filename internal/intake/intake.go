// Package intake is the door every channel (SFTP server, CLI, watched
// folders, remote pulls) uses to hand over a complete file: the bytes are
// made durable in the archive and the file is journaled, before the channel
// tells its sender the file arrived. The journal is then the hand-off point to
// the ingest pipeline.
package intake

import (
	"context"
	"fmt"
	"log/slog"
	"path"
	"strings"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/metrics"
	"github.com/clearway/clearway/internal/sqlite"
)

// Intake archives and journals arriving files.
type Intake struct {
	DB      *sqlite.DB
	Archive archive.Store
	Logger  *slog.Logger
	// Metrics counts the files received; nil records nothing.
	Metrics *metrics.Metrics
	// OnAccepted, when set, is told of each journaled file (the pipeline's
	// wake-up call); the journal stays the source of truth.
	OnAccepted func(*clearway.File)
}

// Accept makes the complete file at localPath durable, archives it and
// journals it as arrived from partner over channel under the partner-relative
// name. localPath is left in place for the caller to rename or remove. An
// error means nothing was journaled and the sender must be told it failed.
func (in *Intake) Accept(ctx context.Context, partner string, channel clearway.Channel, name, localPath string) (*clearway.File, error) {
	return in.AcceptBy(ctx, partner, channel, name, localPath, "")
}

// AcceptBy is Accept for a file a person uploaded (channel web): the
// journal names them.
func (in *Intake) AcceptBy(ctx context.Context, partner string, channel clearway.Channel, name, localPath, user string) (*clearway.File, error) {
	name, err := CleanName(name)
	if err != nil {
		return nil, err
	}
	sum, size, err := in.Archive.PutFile(localPath)
	if err != nil {
		return nil, fmt.Errorf("accept %s/%s: %w", partner, name, err)
	}
	f := &clearway.File{Partner: partner, Channel: channel, Name: name, Size: size, SHA256: sum, User: user}
	if err := in.DB.CreateFile(ctx, f); err != nil {
		return nil, fmt.Errorf("accept %s/%s: %w", partner, name, err)
	}
	in.Metrics.FileReceived(partner, string(channel))
	in.Logger.Info("file received", "partner", partner, "channel", channel, "file_id", f.ID, "name", name, "size", size, "sha256", sum, "user", user)
	if in.OnAccepted != nil {
		in.OnAccepted(f)
	}
	return f, nil
}

// CleanName normalises a partner-relative name ("inbox/x.csv") and refuses
// anything that would leave the partner's folder.
func CleanName(name string) (string, error) {
	clean := path.Clean("/" + strings.ReplaceAll(name, "\\", "/"))[1:]
	if clean == "" || clean == "." {
		return "", clearway.Errorf(clearway.EINVALID, "file name %q is empty", name)
	}
	return clean, nil
}
