package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/testutil"
	"github.com/clearway/clearway/internal/x12"
)

func TestX12AcksOverSFTP(t *testing.T) {
	d := newDemo(t)
	repo, _ := filepath.Abs("../..")
	m350, _ := os.ReadFile(filepath.Join(repo, "mappings", "x12-350.yaml"))
	d.withMappings(t, map[string]string{"x12-350.yaml": string(m350)}, "[x12-350]")
	dm := d.start(t)
	good := filepath.Join(repo, "testdata/mappings/x12-350/inbox/edi/350/350_000000101.edi")
	bad := filepath.Join(repo, "testdata/mappings/x12-350/bad/inbox/edi/350/350_000000103.edi")
	script := fmt.Sprintf("mkdir /inbox/edi\nmkdir /inbox/edi/350\nput %s /inbox/edi/350/a.edi\n", good)
	if out, err := d.sftp(t, dm.port, script); err != nil {
		t.Fatalf("sftp: %v\n%s", err, out)
	}
	d.waitFiles(t, 1, 30*time.Second)
	if out, err := d.sftp(t, dm.port, fmt.Sprintf("put %s /inbox/edi/350/b.edi\n", bad)); err != nil {
		t.Fatalf("sftp: %v\n%s", err, out)
	}
	files := d.waitFiles(t, 2, 30*time.Second)
	if files[0]["state"] != "done" || files[1]["state"] != "rejected" {
		t.Fatalf("states %v / %v", files[0]["state"], files[1]["state"])
	}
	outbox := filepath.Join(d.dir, "var", "partners", "acme", "outbox")
	deadline := time.Now().Add(10 * time.Second)
	var acks []string
	for {
		entries, _ := os.ReadDir(outbox)
		acks = acks[:0]
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "997-") {
				acks = append(acks, e.Name())
			}
			if strings.HasPrefix(e.Name(), ".") {
				t.Fatalf("temp file left in outbox: %s", e.Name())
			}
		}
		if len(acks) == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(acks) != 2 {
		t.Fatalf("outbox holds %v, want two 997s", acks)
	}
	sort.Strings(acks) // ordered again below by ISA13, which increases per partner
	ak5 := func(name string) (string, string) {
		body, _ := os.ReadFile(filepath.Join(outbox, name))
		var statuses []string
		var isa13 string
		ics, err := x12.Validate(bytes.NewReader(body), func(_ *x12.Interchange, _ *x12.Group, _ *x12.TransactionSet, s *x12.Segment) error {
			if s.ID == "AK5" || s.ID == "AK9" {
				statuses = append(statuses, s.ID+"="+string(s.Element(1)))
			}
			return nil
		})
		if err != nil || len(ics) != 1 || len(ics[0].Errors) > 0 {
			t.Fatalf("%s does not parse cleanly: %v %v\n%s", name, err, ics, body)
		}
		isa13 = ics[0].Control
		if ics[0].SenderID != "FASTCLEAR" && ics[0].ReceiverID != "CBPACE" && !strings.Contains(string(body), "|") {
			t.Fatalf("%s: sender/receiver/delimiters not mirrored:\n%s", name, body)
		}
		return isa13, strings.Join(statuses, " ")
	}
	c1, s1 := ak5(acks[0])
	c2, s2 := ak5(acks[1])
	if c1 > c2 {
		c1, s1, c2, s2 = c2, s2, c1, s1
	}
	if s1 != "AK5=A AK9=A" || !strings.HasPrefix(s2, "AK5=R") || !strings.Contains(s2, "AK9=R") {
		t.Fatalf("acks: %s %q, %s %q", c1, s1, c2, s2)
	}
	// The partner downloads its ack over SFTP.
	dst := filepath.Join(d.dir, "got.edi")
	if out, err := d.sftp(t, dm.port, fmt.Sprintf("get /outbox/%s %s\n", acks[0], dst)); err != nil {
		t.Fatalf("get ack: %v\n%s", err, out)
	}
	dm.stop(t)
}

// A resent X12 interchange (same sender, receiver and ISA13) is a duplicate
// even when its bytes differ.
func TestX12DuplicateInterchange(t *testing.T) {
	d := newDemo(t)
	repo, _ := filepath.Abs("../..")
	m350, _ := os.ReadFile(filepath.Join(repo, "mappings", "x12-350.yaml"))
	d.withMappings(t, map[string]string{"x12-350.yaml": string(m350)}, "[x12-350]")
	orig, _ := os.ReadFile(filepath.Join(repo, "testdata/mappings/x12-350/inbox/edi/350/350_000000101.edi"))
	first := filepath.Join(d.dir, "first.edi")
	again := filepath.Join(d.dir, "again.edi")
	os.WriteFile(first, orig, 0o644)
	os.WriteFile(again, bytes.ReplaceAll(orig, []byte("\n"), nil), 0o644) // other bytes, same interchange
	if out, errOut, code := d.clearway(t, "ingest", "--partner", "acme", "--into", "inbox/edi/350", first); code != 0 || !strings.Contains(out, "done") {
		t.Fatalf("first: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code := d.clearway(t, "ingest", "--partner", "acme", "--into", "inbox/edi/350", again)
	if code != 0 || !strings.Contains(out, "duplicate") || !strings.Contains(out, "interchange 000000101") {
		t.Fatalf("resend: exit %d\n%s%s", code, out, errOut)
	}
}

// A rejected file applies nothing, so its 997 rejects every set, not only
// the faulty one.
func TestAckOfRejectedFileRejectsEverySet(t *testing.T) {
	d := newDemo(t)
	repo, _ := filepath.Abs("../..")
	m350, _ := os.ReadFile(filepath.Join(repo, "mappings", "x12-350.yaml"))
	d.withMappings(t, map[string]string{"x12-350.yaml": string(m350)}, "[x12-350]")
	orig, _ := os.ReadFile(filepath.Join(repo, "testdata/mappings/x12-350/inbox/edi/350/350_000000101.edi"))
	text := string(orig)
	st, se := strings.Index(text, "ST|"), strings.Index(text, "GE|")
	set := text[st:se]
	second := strings.Replace(strings.Replace(set, "ST|350|0001", "ST|350|0002", 1), "|0001~", "|0002~", 1)
	second = strings.Replace(second, "SE|", "SE|9", 1) // a wrong count in set 2 only
	twoSets := text[:se] + second + strings.Replace(text[se:], "GE|1|", "GE|2|", 1)
	in := filepath.Join(d.dir, "two.edi")
	os.WriteFile(in, []byte(twoSets), 0o644)
	out, errOut, code := d.clearway(t, "ingest", "--partner", "acme", "--into", "inbox/edi/350", in)
	if code != 1 || !strings.Contains(out, "rejected") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	outbox := filepath.Join(d.dir, "var", "partners", "acme", "outbox")
	entries, _ := os.ReadDir(outbox)
	if len(entries) != 1 {
		t.Fatalf("outbox %v", entries)
	}
	body, _ := os.ReadFile(filepath.Join(outbox, entries[0].Name()))
	if strings.Count(string(body), "AK5|R") != 2 || !strings.Contains(string(body), "AK9|R|2|2|0") {
		t.Fatalf("ack does not reject both sets:\n%s", body)
	}
}

// An ack is queued in the transaction that settles its file: when it cannot
// reach the outbox (here the outbox is not a folder; a crash right after the
// commit leaves the same state), it waits in the store and the next start
// delivers it.
func TestAckQueuedUntilDelivered(t *testing.T) {
	d := newDemo(t)
	repo, _ := filepath.Abs("../..")
	m350, _ := os.ReadFile(filepath.Join(repo, "mappings", "x12-350.yaml"))
	d.withMappings(t, map[string]string{"x12-350.yaml": string(m350)}, "[x12-350]")
	good := filepath.Join(repo, "testdata/mappings/x12-350/inbox/edi/350/350_000000101.edi")
	outbox := filepath.Join(d.dir, "var", "partners", "acme", "outbox")
	os.MkdirAll(filepath.Dir(outbox), 0o755)
	if err := os.WriteFile(outbox, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := d.clearway(t, "ingest", "--partner", "acme", "--into", "inbox/edi/350", good)
	if code != 0 || !strings.Contains(out, "done") {
		t.Fatalf("ingest: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "write ack") {
		t.Fatalf("the failed delivery was not logged:\n%s", errOut)
	}
	os.Remove(outbox)
	dm := d.start(t)
	defer dm.stop(t)
	testutil.WaitFor(t, "the queued 997 in the outbox after the restart", 10*time.Second, func() bool {
		entries, _ := os.ReadDir(outbox)
		return len(entries) == 1 && strings.HasPrefix(entries[0].Name(), "997-")
	})
}
