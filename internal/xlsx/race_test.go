//go:build race

package xlsx_test

// The race detector slows the generator and the reader tenfold and adds its
// own shadow memory, so TestMemoryBounded runs smaller sheets under it.
func init() { raceEnabled = true }
