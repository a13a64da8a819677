// Package housekeep tidies the partner folders: uploads left under a
// temporary name (a transfer that never completed) are moved out of the
// inbox into the partner's /errors with a report, so the partner sees
// what happened and nothing is silently deleted.
package housekeep

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/clearway/clearway/internal/atomicfile"
	"github.com/clearway/clearway/internal/clearway"
)

// Stale moves unfinished uploads older than After out of every partner's
// inbox.
type Stale struct {
	PartnersDir string        // data_dir/partners: <partner>/inbox, <partner>/errors
	After       time.Duration // sftp.stale_upload_after
	Now         func() time.Time
	Logger      *slog.Logger
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
// report first, so a crash between the two leaves the report and the
// file in the inbox, swept again next time.
func (s *Stale) move(root, partner, path string, info fs.FileInfo) (Moved, error) {
	rel, _ := filepath.Rel(root, path)
	errDir := filepath.Join(root, "errors")
	if err := os.MkdirAll(errDir, 0o750); err != nil {
		return Moved{}, err
	}
	dest := freeName(filepath.Join(errDir, filepath.Base(path)))
	m := Moved{Partner: partner, From: filepath.ToSlash(rel), Size: info.Size(), ModTime: info.ModTime()}
	m.To = filepath.ToSlash(filepath.Join("errors", filepath.Base(dest)))
	report := fmt.Sprintf("Upload never completed: %s\n\nThe file was last written at %s (%d bytes) and has kept its temporary name for more than %s,\n"+
		"so Clearway never read it. It is kept here as it was: send the whole file again under its final name.\n",
		m.From, m.ModTime.UTC().Format("2006-01-02 15:04:05 UTC"), m.Size, s.After)
	if err := atomicfile.Write(dest+".error.txt", 0o640, func(w io.Writer) error {
		_, err := io.WriteString(w, report)
		return err
	}); err != nil {
		return m, err
	}
	return m, os.Rename(path, dest)
}

// freeName returns path, or path with .1, .2 … when taken.
func freeName(path string) string {
	name := path
	for i := 1; ; i++ {
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return name
		}
		name = fmt.Sprintf("%s.%d", path, i)
	}
}
