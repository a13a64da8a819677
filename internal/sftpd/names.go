package sftpd

import (
	"strings"

	"github.com/clearway/clearway/internal/clearway"
)

// hubTempPrefix marks the hub's own upload temp files: hidden from listings,
// never matched by a mapping glob, and refused as a client-chosen name.
const hubTempPrefix = ".cw-upload-"

// isHubTemp reports a hub temp file: our uploads (.cw-upload-*) and our
// atomic writes into /outbox and /errors (.cw-write-*).
func isHubTemp(name string) bool { return strings.HasPrefix(name, ".cw-") }

// isClientTemp reports whether a client-chosen name is a temporary one
// (clearway.Unfinished): such a file becomes an arrival only when renamed
// into a final name.
func isClientTemp(name string) bool { return clearway.Unfinished(name) }
