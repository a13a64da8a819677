package clearway

import (
	"path"
	"strings"
)

// UnfinishedSuffixes end the names partners' tools write a file under
// until it is complete, then rename it (WinSCP x.filepart; lftp, curl and
// others .part, .partial, .tmp, .temp, .upload; editors' backups ~). They
// are matched without regard to case. One list for every channel: the
// embedded SFTP server, watched folders and pulls from partners' servers.
var UnfinishedSuffixes = []string{".filepart", ".part", ".partial", ".tmp", ".temp", ".upload", "~"}

// Unfinished reports whether a file name says the file is still being
// written: a dot-name (lftp's ".in.x.", editors' swap files) or a name
// ending in one of UnfinishedSuffixes. Such a file becomes an arrival
// only when renamed to a final name.
func Unfinished(name string) bool {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	if strings.HasPrefix(base, ".") {
		return true
	}
	lower := strings.ToLower(base)
	for _, s := range UnfinishedSuffixes {
		if strings.HasSuffix(lower, s) {
			return true
		}
	}
	return false
}

// ShortHash is a SHA-256 (a mapping version, an archived file) as people
// quote it: its first 12 hex digits.
func ShortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
