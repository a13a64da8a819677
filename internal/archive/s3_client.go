package archive

import "github.com/minio/minio-go/v7"

// Client is the opened archive's connection to its server: the partners'
// shared folders (internal/folders) keep their objects in the same bucket.
func (s *S3) Client() *minio.Client { return s.client }
