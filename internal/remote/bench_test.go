package remote

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/config"
	"github.com/clearway/clearway/internal/testutil"
)

// BenchmarkPull1000 pulls 1,000 files of 1 KiB from a real sshd in one Run:
// two listings (stable rule), then per file claim, download, journal
// (archive + SQLite, fsync'd), delete.
func BenchmarkPull1000(b *testing.B) {
	const files = 1000
	s := testutil.StartSSHD(b)
	h := mustHub(b)
	p, outgoing := newPuller(b, s, h, config.AfterDelete, config.ReadyStable)
	p.SettleDelay = time.Millisecond // the second look still lists the folder again
	var total int
	for b.Loop() {
		b.StopTimer()
		for i := range files {
			// Distinct bytes, or the archive would store one file.
			body := bytes.Repeat(fmt.Appendf(nil, "%s %06d %06d\n", b.Name(), total, i), 32)[:1024]
			name := filepath.Join(outgoing, fmt.Sprintf("status-%06d-%04d.csv", total, i))
			mustWrite(b, name, body)
		}
		b.StartTimer()
		st := mustRun(b, p)
		if st.Taken != files {
			b.Fatalf("got %+v, want %d taken", st, files)
		}
		total++
	}
	b.ReportMetric(float64(files*total)/b.Elapsed().Seconds(), "files/s")
	b.SetBytes(files * 1024)
}
