package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var plain struct {
	once sync.Once
	path string
	err  error
}

// plainBinary builds clearway without the race detector, whose shadow
// memory would make a memory bound meaningless.
func plainBinary(t *testing.T) string {
	t.Helper()
	plain.once.Do(func() {
		plain.path = filepath.Join(filepath.Dir(binPath), "clearway-plain")
		out, err := exec.Command("go", "build", "-o", plain.path, ".").CombinedOutput()
		if err != nil {
			plain.err = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if plain.err != nil {
		t.Fatal(plain.err)
	}
	return plain.path
}

// writePOLines writes a purchase-order export of n lines (the shipped
// erp-po-csv layout): 20 lines per PO.
func writePOLines(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("PO Number,PO Line,Vendor,Vendor Name,Material,Short Text,HTS Code,Country of Origin,PO Quantity,Order Unit,Net Price,Currency,Incoterms,Incoterms Location,Ship Mode,Delivery Date\n")
	for i := range n {
		fmt.Fprintf(w, "%d,%05d,V-20417,\"Ningbo Haitai Precision Co., Ltd.\",SKU-%d,\"Part %d, steel\",8482.10.5048,CN,\"1,%03d\",PC,0.6200,USD,FOB,Ningbo,SEA,04/03/2026\n",
			4500000000+i/20, (i%20+1)*10, i%997, i%997, i%1000)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// A dry run of a new mapping version over a million-line file changes
// every line, lists a hundred, counts them all, prints progress while it
// reads, stays under 256 MB and writes nothing.
func TestReplayMillionLinesBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a million lines")
	}
	t.Parallel()
	bin := plainBinary(t)
	dir := t.TempDir()
	repo, _ := filepath.Abs("../..")
	cfg := filepath.Join(dir, "clearway.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %s/var
log: {level: warn, format: text}
mappings_dir: %s/mappings
partners:
  - {id: erp, name: ERP, role: erp, mappings: [erp-po-csv]}
`, dir, repo)), 0o644)
	csv := filepath.Join(dir, "PO-EXPORT-BIG.csv")
	writePOLines(t, csv, 1_000_000)
	if out, err := exec.Command(bin, "ingest", "--config", cfg, "--partner", "erp", "--into", "inbox/po", csv).CombinedOutput(); err != nil {
		t.Fatalf("ingest: %v\n%s", err, out)
	}
	shipped, _ := os.ReadFile(filepath.Join(repo, "mappings", "erp-po-csv.yaml"))
	v2 := strings.Replace(string(shipped), "column: \"Short Text\"\n", "column: \"Short Text\"\n        transform: [upper]\n", 1)
	if v2 == string(shipped) {
		t.Fatal("the shipped erp-po-csv mapping changed: update the test")
	}
	v2Path := filepath.Join(dir, "erp-po-csv-v2.yaml")
	os.WriteFile(v2Path, []byte(v2), 0o644)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "replay", "--config", cfg, "--dry-run", "--with", v2Path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("replay: %v\n%s", err, stderr.String())
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss >> 10 // KiB on Linux
	t.Logf("1M-line dry run: peak RSS %d MiB", rss)
	if rss >= 256 {
		t.Errorf("peak RSS %d MiB, want under 256", rss)
	}
	if !strings.Contains(stdout.String(), "0 added, 1000000 changed, 0 removed") ||
		!strings.Contains(stdout.String(), "description: Part 0, steel → PART 0, STEEL") ||
		!strings.Contains(stdout.String(), "… and 999900 more line changes") {
		t.Errorf("report:\n%.2000s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "records read") {
		t.Errorf("no progress on stderr: %q", stderr.String())
	}
	out, err := exec.Command(bin, "po", "show", "--config", cfg, "4500000000", "--json").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Part 0, steel") || strings.Contains(string(out), "PART 0") {
		t.Errorf("the dry run wrote: %v\n%.1000s", err, out)
	}
}
