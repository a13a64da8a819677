// Package mappings holds the shipped mapping files, embedded so the binary
// carries a known-good copy (go:embed cannot reach ../ from other packages).
package mappings
