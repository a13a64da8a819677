// Package housekeep tidies the partner folders: uploads left under a
// temporary name (a transfer that never completed) are moved out of the
// inbox into the partner's /errors with a report, so the partner sees
// what happened and nothing is silently deleted.
package housekeep

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/folders"
)

// Stale moves unfinished uploads older than After out of every partner's
// inbox.
type Stale struct {
	PartnersDir string        // data_dir/partners: <partner>/inbox on this node
	After       time.Duration // sftp.stale_upload_after
	// Folders holds the partners' /errors (the bucket in a cluster).
	Folders folders.Store
	Now     func() time.Time
	Logger  *slog.Logger
}

// Moved is one stale upload moved to /errors.
type Moved struct {
	Partner string
	From    string // partner-relative path in the inbox
	To      string // partner-relative path in /errors
	Size    int64
	ModTime time.Time
}

// Sweep moves every file under a partner's inbox whose name says it is
// unfinished (clearway.Unfinished) and that was last written more than
// After ago into the partner's /errors, beside a report of why.
func (s *Stale) Sweep() ([]Moved, error) {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	partners, err := os.ReadDir(s.PartnersDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stale uploads: %w", err)
	}
	var moved []Moved
	var errs []error
	for _, p := range partners {
		if !p.IsDir() {
			continue
		}
		m, err := s.sweepPartner(p.Name())
		moved = append(moved, m...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return moved, errors.Join(errs...)
}

func (s *Stale) sweepPartner(partner string) ([]Moved, error) {
	root := filepath.Join(s.PartnersDir, partner)
	cutoff := s.Now().Add(-s.After)
	var moved []Moved
	err := filepath.WalkDir(filepath.Join(root, "inbox"), func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || d.IsDir() || !clearway.Unfinished(d.Name()) {
			return err
		}
		info, err := d.Info()
		if err != nil || !info.Mode().IsRegular() || info.ModTime().After(cutoff) {
			return err
		}
		m, err := s.move(root, partner, path, info)
		if err != nil {
			return fmt.Errorf("stale upload %s: %w", path, err)
		}
		moved = append(moved, m)
		s.Logger.Warn("upload never completed: moved to errors", "partner", partner, "file", m.From, "to", m.To, "size", m.Size)
		return nil
	})
	return moved, err
}

// move puts one stale file into /errors under a free name and writes its
// report first, so a crash between the steps leaves the report and the
// file still in the inbox, swept again next time: never lost.
func (s *Stale) move(root, partner, path string, info fs.FileInfo) (Moved, error) {
	ctx := context.Background()
	rel, _ := filepath.Rel(root, path)
	dest, err := s.freeName(ctx, partner, filepath.Base(path))
	if err != nil {
		return Moved{}, err
	}
	m := Moved{Partner: partner, From: filepath.ToSlash(rel), To: "errors/" + dest, Size: info.Size(), ModTime: info.ModTime()}
	report := fmt.Sprintf("Upload never completed: %s\n\nThe file was last written at %s (%d bytes) and has kept its temporary name for more than %s,\n"+
		"so Clearway never read it. It is kept here as it was: send the whole file again under its final name.\n",
		m.From, m.ModTime.UTC().Format("2006-01-02 15:04:05 UTC"), m.Size, s.After)
	if err := s.Folders.Write(ctx, folders.Errors(partner, dest+".error.txt"), strings.NewReader(report), int64(len(report))); err != nil {
		return m, err
	}
	f, err := os.Open(path)
	if err != nil {
		return m, err
	}
	defer f.Close()
	if err := s.Folders.Write(ctx, folders.Errors(partner, dest), f, info.Size()); err != nil {
		return m, err
	}
	return m, os.Remove(path)
}

// freeName returns name, or name with .1, .2 … when taken in /errors.
func (s *Stale) freeName(ctx context.Context, partner, name string) (string, error) {
	try := name
	for i := 1; ; i++ {
		taken, err := folders.Exists(ctx, s.Folders, folders.Errors(partner, try))
		if err != nil || !taken {
			return try, err
		}
		try = fmt.Sprintf("%s.%d", name, i)
	}
}
