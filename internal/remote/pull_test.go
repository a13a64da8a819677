package remote

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/config"
	"github.com/clearway/clearway/internal/sqlite"
	"github.com/clearway/clearway/internal/testutil"
)

// status350 is a small X12 350 (customs status) as a broker sends it.
var status350 = []byte("ISA*00*          *00*          *ZZ*FASTCLEAR      *ZZ*IMPORTER01     *260301*1200*U*00401*000000901*0*P*>~" +
	"GS*QO*FASTCLEAR*IMPORTER01*20260301*1200*901*X*004010~ST*350*0001~M10*SCAC*O*US*VESSEL*0412~" +
	"P4*2704*20260301*1~X4*1*1W*20260301~SE*5*0001~GE*1*901~IEA*1*000000901~\n")

// newPuller returns a Puller for the sshd's /outgoing folder with short
// delays, and that folder's local path.
func newPuller(t testing.TB, s *testutil.SSHD, h *hub, after, ready string) (*Puller, string) {
	t.Helper()
	outgoing := s.Path("outgoing")
	mustMkdir(t, outgoing)
	rc := remoteConfig(s)
	rc.Pull = &config.PullConfig{Path: outgoing, Schedule: "@every 1m", After: after, Ready: ready}
	p, err := NewPuller("fastclear", rc, h.Intake, h.DB, h.TempDir, h.Logger)
	if err != nil {
		t.Fatal(err)
	}
	p.SettleDelay = 50 * time.Millisecond
	return p, outgoing
}

func mustRun(t testing.TB, p *Puller) PullStats {
	t.Helper()
	st, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// checkJournaled checks that exactly the given contents were journaled, as
// inbox/<name> over the remote channel, and archived.
func checkJournaled(t *testing.T, h *hub, want map[string][]byte) {
	t.Helper()
	files := h.journal(t)
	if len(files) != len(want) {
		t.Fatalf("got %d journaled files, want %d: %+v", len(files), len(want), files)
	}
	for _, f := range files {
		data, ok := want[f.Name]
		if !ok {
			t.Fatalf("journaled %q, want one of %v", f.Name, want)
		}
		if f.Partner != "fastclear" || f.Channel != clearway.ChannelRemote || f.SHA256 != sum(data) || f.Size != int64(len(data)) {
			t.Fatalf("got %+v, want fastclear/remote, %d bytes, sha256 %s", f, len(data), sum(data))
		}
		if !h.Archive.Exists(f.SHA256) {
			t.Fatalf("%s not archived", f.Name)
		}
	}
}

func TestPullDelete(t *testing.T) {
	s := testutil.StartSSHD(t)
	h := mustHub(t)
	p, outgoing := newPuller(t, s, h, config.AfterDelete, "")
	mustWrite(t, filepath.Join(outgoing, "350-0412.edi"), status350)

	st := mustRun(t, p)
	if st.Taken != 1 || st.Failed != 0 || st.Bytes != int64(len(status350)) {
		t.Fatalf("got %+v, want 1 taken", st)
	}
	checkJournaled(t, h, map[string][]byte{"inbox/350-0412.edi": status350})
	if exists(filepath.Join(outgoing, "350-0412.edi")) || exists(filepath.Join(outgoing, ClaimDir, "350-0412.edi")) {
		t.Fatal("pulled file still on the server")
	}
	entries, _ := os.ReadDir(h.TempDir)
	if len(entries) != 0 {
		t.Fatalf("downloads left in %s: %v", h.TempDir, entries)
	}

	if st := mustRun(t, p); st != (PullStats{}) {
		t.Fatalf("second run got %+v, want nothing", st)
	}
	checkJournaled(t, h, map[string][]byte{"inbox/350-0412.edi": status350})
}

func TestPullMove(t *testing.T) {
	s := testutil.StartSSHD(t)
	h := mustHub(t)
	done := s.Path("outgoing/done")
	p, outgoing := newPuller(t, s, h, "move:"+done, config.ReadyStable)
	mustWrite(t, filepath.Join(outgoing, "350.edi"), status350)
	mustWrite(t, filepath.Join(done, "350.edi"), []byte("yesterday's file of the same name\n"))

	if st := mustRun(t, p); st.Taken != 1 {
		t.Fatalf("got %+v, want 1 taken", st)
	}
	checkJournaled(t, h, map[string][]byte{"inbox/350.edi": status350})
	if exists(filepath.Join(outgoing, "350.edi")) {
		t.Fatal("pulled file still in the pull folder")
	}
	moved, err := os.ReadFile(filepath.Join(done, "350.1.edi"))
	if err != nil || !bytes.Equal(moved, status350) {
		t.Fatalf("moved file: %v, want it beside the earlier one as 350.1.edi", err)
	}
	if old, _ := os.ReadFile(filepath.Join(done, "350.edi")); !bytes.HasPrefix(old, []byte("yesterday")) {
		t.Fatal("the earlier moved file was overwritten")
	}
}

func TestPullSkipsIncompleteNames(t *testing.T) {
	s := testutil.StartSSHD(t)
	h := mustHub(t)
	p, outgoing := newPuller(t, s, h, config.AfterDelete, "")
	skipped := []string{".hidden.edi", "a.edi.filepart", "b.edi.part", "c.edi.tmp", "d.edi.partial", "e.edi~", "f.edi.done", "sub/g.edi"}
	for _, name := range skipped {
		mustWrite(t, filepath.Join(outgoing, name), status350)
	}
	mustWrite(t, filepath.Join(outgoing, "empty.edi"), nil)
	mustWrite(t, filepath.Join(outgoing, "ok.edi"), status350)

	st := mustRun(t, p)
	if st.Taken != 1 || st.Waiting != 1 {
		t.Fatalf("got %+v, want ok.edi taken and empty.edi waiting", st)
	}
	checkJournaled(t, h, map[string][]byte{"inbox/ok.edi": status350})
	for _, name := range append(skipped, "empty.edi") {
		if !exists(filepath.Join(outgoing, name)) {
			t.Fatalf("%s was taken", name)
		}
	}
}

func TestPullSlowWriter(t *testing.T) {
	s := testutil.StartSSHD(t)
	h := mustHub(t)
	p, outgoing := newPuller(t, s, h, config.AfterDelete, config.ReadyStable)
	p.SettleDelay = 500 * time.Millisecond // well above the writer's pauses

	// The partner's writer appends for ~3s under the final name.
	name := filepath.Join(outgoing, "slow-350.edi")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	var written bytes.Buffer
	var writing atomic.Bool
	writing.Store(true)
	writerDone := make(chan error, 1)
	go func() {
		defer writing.Store(false)
		defer f.Close()
		for i := range 30 {
			chunk := bytes.Repeat([]byte{byte('a' + i%26)}, 1000)
			if _, err := f.Write(chunk); err != nil {
				writerDone <- err
				return
			}
			written.Write(chunk)
			time.Sleep(100 * time.Millisecond)
		}
		writerDone <- nil
	}()

	var taken int
	for writing.Load() || taken == 0 {
		st, err := p.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		taken += st.Taken
		if taken > 0 && writing.Load() {
			t.Fatalf("file taken while its writer was still writing")
		}
	}
	if err := <-writerDone; err != nil {
		t.Fatal(err)
	}
	if taken != 1 {
		t.Fatalf("got %d files taken, want 1", taken)
	}
	checkJournaled(t, h, map[string][]byte{"inbox/slow-350.edi": written.Bytes()})
}

func TestPullDoneFile(t *testing.T) {
	s := testutil.StartSSHD(t)
	h := mustHub(t)
	p, outgoing := newPuller(t, s, h, config.AfterDelete, config.ReadyDoneFile)
	mustWrite(t, filepath.Join(outgoing, "350.edi"), status350)

	if st := mustRun(t, p); st.Taken != 0 || st.Waiting != 1 {
		t.Fatalf("got %+v, want the file waiting for its done file", st)
	}
	if len(h.journal(t)) != 0 {
		t.Fatal("journaled without a done file")
	}

	mustWrite(t, filepath.Join(outgoing, "350.edi.done"), nil)
	mustWrite(t, filepath.Join(outgoing, "empty.csv"), nil)
	mustWrite(t, filepath.Join(outgoing, "empty.csv.done"), nil)
	if st := mustRun(t, p); st.Taken != 2 {
		t.Fatalf("got %+v, want 2 taken", st)
	}
	checkJournaled(t, h, map[string][]byte{"inbox/350.edi": status350, "inbox/empty.csv": {}})
	for _, name := range []string{"350.edi", "350.edi.done", "empty.csv", "empty.csv.done"} {
		if exists(filepath.Join(outgoing, name)) {
			t.Fatalf("%s left on the server", name)
		}
	}
}

func TestPullRefusesUnknownHostKey(t *testing.T) {
	s := testutil.StartSSHD(t)
	h := mustHub(t)
	p, outgoing := newPuller(t, s, h, config.AfterDelete, "")
	other := testutil.MustKey(t, t.TempDir(), "impostor")
	p.Remote.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	mustWrite(t, p.Remote.KnownHostsFile, []byte(knownhosts.Line([]string{knownhosts.Normalize(s.Addr)}, other.Public)+"\n"))
	mustWrite(t, filepath.Join(outgoing, "350.edi"), status350)

	st, err := p.Run(context.Background())
	if !errors.Is(err, ErrHostKeyChanged) {
		t.Fatalf("got %v, want ErrHostKeyChanged", err)
	}
	t.Logf("refused as: %v", err)
	if !strings.Contains(err.Error(), p.Remote.KnownHostsFile) || !strings.Contains(err.Error(), "fastclear") {
		t.Fatalf("error %q does not name the partner and known_hosts file", err)
	}
	if st.Taken != 0 || len(h.journal(t)) != 0 || !exists(filepath.Join(outgoing, "350.edi")) {
		t.Fatalf("got %+v, want nothing pulled and the file untouched", st)
	}
}

// claimLeftByCrash puts data in the claim folder as a crashed run would have
// left it and returns the ledger key for it.
func claimLeftByCrash(t *testing.T, outgoing, name string, data []byte) *sqlite.RemotePull {
	t.Helper()
	claimed := filepath.Join(outgoing, ClaimDir, name)
	mustWrite(t, claimed, data)
	fi, err := os.Stat(claimed)
	if err != nil {
		t.Fatal(err)
	}
	return &sqlite.RemotePull{Partner: "fastclear", RemotePath: filepath.ToSlash(filepath.Join(outgoing, name)), Name: "inbox/" + name,
		Size: int64(len(data)), ModTime: time.Unix(fi.ModTime().Unix(), 0), SHA256: sum(data)}
}

func TestPullResumesClaimed(t *testing.T) {
	ctx := context.Background()

	t.Run("NotJournaled", func(t *testing.T) {
		s := testutil.StartSSHD(t)
		h := mustHub(t)
		p, outgoing := newPuller(t, s, h, config.AfterDelete, "")
		claimLeftByCrash(t, outgoing, "350.edi", status350)
		// A new file of the same name can be claimed once the old one is done.
		newer := []byte("a newer 350\n")
		mustWrite(t, filepath.Join(outgoing, "350.edi"), newer)

		if st := mustRun(t, p); st.Taken != 2 {
			t.Fatalf("got %+v, want the claimed file and the new one taken", st)
		}
		if st := mustRun(t, p); st != (PullStats{}) {
			t.Fatalf("second run got %+v, want nothing", st)
		}
		checkJournaledAs(t, h, "inbox/350.edi", status350, newer)
		if exists(filepath.Join(outgoing, ClaimDir, "350.edi")) || exists(filepath.Join(outgoing, "350.edi")) {
			t.Fatal("files left on the server")
		}
	})

	// The crash came after the ledger said accepted, before the delete.
	t.Run("AcceptedInLedger", func(t *testing.T) {
		s := testutil.StartSSHD(t)
		h := mustHub(t)
		p, outgoing := newPuller(t, s, h, config.AfterDelete, "")
		rec := claimLeftByCrash(t, outgoing, "350.edi", status350)
		f := mustAcceptLocal(t, h, rec, status350)
		if err := h.DB.BeginRemotePull(ctx, rec); err != nil {
			t.Fatal(err)
		}
		rec.State, rec.FileID = sqlite.RemotePullAccepted, f.ID
		if err := h.DB.UpdateRemotePull(ctx, rec); err != nil {
			t.Fatal(err)
		}

		if st := mustRun(t, p); st.Finished != 1 || st.Taken != 0 {
			t.Fatalf("got %+v, want 1 finished, none taken", st)
		}
		checkJournaledAs(t, h, "inbox/350.edi", status350)
		if exists(filepath.Join(outgoing, ClaimDir, "350.edi")) {
			t.Fatal("claimed file not deleted")
		}
	})

	// The crash came between the journal and the ledger.
	t.Run("JournaledLedgerTaking", func(t *testing.T) {
		s := testutil.StartSSHD(t)
		h := mustHub(t)
		done := s.Path("outgoing/done")
		p, outgoing := newPuller(t, s, h, "move:"+done, "")
		rec := claimLeftByCrash(t, outgoing, "350.edi", status350)
		if err := h.DB.BeginRemotePull(ctx, rec); err != nil {
			t.Fatal(err)
		}
		f := mustAcceptLocal(t, h, rec, status350)

		if st := mustRun(t, p); st.Finished != 1 || st.Taken != 0 {
			t.Fatalf("got %+v, want 1 finished, none taken", st)
		}
		checkJournaledAs(t, h, "inbox/350.edi", status350)
		if !exists(filepath.Join(done, "350.edi")) {
			t.Fatal("claimed file not moved")
		}
		got, err := h.DB.FindRemotePull(ctx, rec.Partner, rec.RemotePath, rec.Size, rec.ModTime, rec.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != sqlite.RemotePullDone || got.FileID != f.ID {
			t.Fatalf("ledger has %s file %d, want done with file %d", got.State, got.FileID, f.ID)
		}
	})
}

// mustAcceptLocal journals data as the intake would have for rec.
func mustAcceptLocal(t *testing.T, h *hub, rec *sqlite.RemotePull, data []byte) *clearway.File {
	t.Helper()
	local := filepath.Join(t.TempDir(), "copy")
	mustWrite(t, local, data)
	f, err := h.Intake.Accept(context.Background(), rec.Partner, clearway.ChannelRemote, rec.Name, local)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// checkJournaledAs checks that the journal holds exactly these contents, in
// any order, all under name.
func checkJournaledAs(t *testing.T, h *hub, name string, contents ...[]byte) {
	t.Helper()
	files := h.journal(t)
	if len(files) != len(contents) {
		t.Fatalf("got %d journaled files, want %d", len(files), len(contents))
	}
	want := map[string]int{}
	for _, c := range contents {
		want[sum(c)]++
	}
	for _, f := range files {
		if f.Name != name || f.Channel != clearway.ChannelRemote || want[f.SHA256] == 0 {
			t.Fatalf("unexpected journal entry %+v", f)
		}
		want[f.SHA256]--
	}
}

// refusingIntake refuses every file, as a full disk would.
type refusingIntake struct{ calls atomic.Int32 }

func (in *refusingIntake) Accept(context.Context, string, clearway.Channel, string, string) (*clearway.File, error) {
	in.calls.Add(1)
	return nil, errors.New("archive: no space left on device")
}

func TestPullIntakeFailure(t *testing.T) {
	s := testutil.StartSSHD(t)
	h := mustHub(t)
	p, outgoing := newPuller(t, s, h, config.AfterDelete, "")
	refusing := &refusingIntake{}
	p.Intake = refusing
	p.MaxAttempts = 2
	mustWrite(t, filepath.Join(outgoing, "350.edi"), status350)
	claimed := filepath.Join(outgoing, ClaimDir, "350.edi")

	st, err := p.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("got %v, want the intake's error", err)
	}
	if st.Failed != 1 || !exists(claimed) {
		t.Fatalf("got %+v, want 1 failed and the file still claimed", st)
	}

	// The second refusal reaches MaxAttempts: the file is set aside.
	if _, err := p.Run(context.Background()); err == nil {
		t.Fatal("got nil, want the intake's error again")
	}
	failed, err := os.ReadFile(filepath.Join(outgoing, FailedDir, "350.edi"))
	if err != nil || !bytes.Equal(failed, status350) {
		t.Fatalf("failed file: %v, want it in %s", err, FailedDir)
	}
	if exists(claimed) || refusing.calls.Load() != 2 {
		t.Fatalf("claimed left: %v, intake calls %d, want 2", exists(claimed), refusing.calls.Load())
	}

	// Nothing is retried once set aside.
	p.Intake = h.Intake
	if st := mustRun(t, p); st != (PullStats{}) {
		t.Fatalf("got %+v, want nothing", st)
	}
}

func TestPullInterruptedResumes(t *testing.T) {
	s := testutil.StartSSHD(t)
	h := mustHub(t)
	p, outgoing := newPuller(t, s, h, config.AfterDelete, "")
	big := bytes.Repeat([]byte("M10*SCAC*O*US*VESSEL*0412~\n"), 5<<19) // 70 MB: long enough to interrupt
	mustWrite(t, filepath.Join(outgoing, "big.edi"), big)
	claimed := filepath.Join(outgoing, ClaimDir, "big.edi")

	// Stop the run (as a shutdown would) once the file is claimed.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for !exists(claimed) {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	st, err := p.Run(ctx)
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v (%+v), want the run cancelled", err, st)
	}
	if len(h.journal(t)) != 0 {
		t.Fatal("journaled although interrupted")
	}
	if fi, err := os.Stat(claimed); err != nil || fi.Size() != int64(len(big)) {
		t.Fatalf("claimed file: %v, want it left claimed and whole", err)
	}

	if st := mustRun(t, p); st.Taken != 1 {
		t.Fatalf("got %+v, want the claimed file taken", st)
	}
	checkJournaled(t, h, map[string][]byte{"inbox/big.edi": big})
	if exists(claimed) {
		t.Fatal("claimed file left after it was taken")
	}
}
