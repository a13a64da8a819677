package sftpd

import (
	"path"
	"strings"
)

// hubTempPrefix marks the hub's own upload temp files: hidden from listings,
// never matched by a mapping glob, and refused as a client-chosen name.
const hubTempPrefix = ".cw-upload-"

// isHubTemp reports a hub temp file: our uploads (.cw-upload-*) and our
// atomic writes into /outbox and /errors (.cw-write-*).
func isHubTemp(name string) bool { return strings.HasPrefix(name, ".cw-") }

// clientTempSuffixes are the names clients write under before renaming into
// the final name (WinSCP x.filepart, lftp/others .part/.tmp, rsync-likes).
var clientTempSuffixes = []string{".filepart", ".part", ".partial", ".tmp", ".temp", ".upload"}

// isClientTemp reports whether a client-chosen name is a temporary one: such
// a file becomes an arrival only when renamed into a final name. Dot-files
// count too (lftp's ".in.x.", editors' swap files).
func isClientTemp(name string) bool {
	base := path.Base(name)
	if strings.HasPrefix(base, ".") {
		return true
	}
	lower := strings.ToLower(base)
	for _, suf := range clientTempSuffixes {
		if strings.HasSuffix(lower, suf) {
			return true
		}
	}
	return false
}
