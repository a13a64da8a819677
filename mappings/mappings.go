// Package mappings holds the shipped mapping files, embedded so tests and
// tools can reach a known-good copy (go:embed cannot reach ../ from other
// packages). The daemon itself reads mappings_dir from disk.
package mappings

import "embed"

// FS holds every shipped mapping file.
//
//go:embed *.yaml
var FS embed.FS
