package main

import (
	"path/filepath"

	"github.com/clearway/clearway/internal/archive"
	"github.com/clearway/clearway/internal/config"
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
