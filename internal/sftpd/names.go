package sftpd

import (
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/folders"
)

// hubTempPrefix marks the hub's own upload temp files: like the shared
// folders' own temp names (folders.IsTemp), hidden from listings, never
// matched by a mapping glob, and refused as a client-chosen name.
const hubTempPrefix = folders.TempPrefix + "upload-"

// isClientTemp reports whether a client-chosen name is a temporary one
// (clearway.Unfinished): such a file becomes an arrival only when renamed
// into a final name.
func isClientTemp(name string) bool { return clearway.Unfinished(name) }
