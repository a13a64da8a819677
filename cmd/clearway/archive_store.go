package main

import (
	"path/filepath"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/config"
	"github.com/clearway/clearway/internal/folders"
)

// newArchive returns the archive the config names (archive.kind), not yet
// opened: the local folder data_dir/archive or an S3-compatible bucket.
func newArchive(cfg *config.Config) (archive.Store, error) {
	a := cfg.Archive
	if a.Kind != config.ArchiveS3 {
		return archive.New(filepath.Join(cfg.DataDir, "archive")), nil
	}
	// Validate refused a bad endpoint: an error here is a config not loaded.
	host, secure, err := a.EndpointHost()
	if err != nil {
		return nil, err
	}
	return &archive.S3{Endpoint: host, Secure: secure, Bucket: a.Bucket, Region: a.Region,
		AccessKey: a.AccessKey, SecretKey: a.SecretKey, PathStyle: a.PathStyle, Temp: a.TempDir}, nil
}

// openArchive returns the configured archive, opened.
func openArchive(cfg *config.Config) (archive.Store, error) {
	arc, err := newArchive(cfg)
	if err != nil {
		return nil, err
	}
	if err := arc.Open(); err != nil {
		return nil, err
	}
	return arc, nil
}

// openFolders returns where the partners' /outbox and /errors and the
// outbound spool and sent copies are kept: beside the archive, so in a
// cluster they are in its bucket (under folders/) and every node sees the
// same ones, and on one machine they are data_dir's own folders.
func openFolders(cfg *config.Config, arc archive.Store) (folders.Store, error) {
	if s3, ok := arc.(*archive.S3); ok {
		return &folders.S3{Client: s3.Client(), Bucket: s3.Bucket, Prefix: "folders/"}, nil
	}
	return folders.OpenLocal(cfg.DataDir)
}
