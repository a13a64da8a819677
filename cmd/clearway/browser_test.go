package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// httpURL is the base URL the daemon's web workspace listens on (from its
// "http listening" log line).
func (dm *daemon) httpURL(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(dm.logs.String(), "\n") {
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "http listening" {
				return "http://" + rec.Addr
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no http listening line:\n%s", dm.logs)
	return ""
}

// workspaceConfig is the story's partners: ACME and Beta (suppliers), the
// ERP and FastClear (broker), with the shipped mappings.
const workspaceConfig = `  - id: beta
    name: Beta Fasteners
    role: supplier
    mappings: [supplier-invoice-xlsx, supplier-packing-csv, supplier-documents]
  - id: erp
    name: ERP
    role: erp
    mappings: [erp-po-csv]
  - id: fastclear
    name: FastClear
    role: broker
    mappings: [broker-status-csv]
    status_codes: fastclear.yaml
    outbound:
      - {job: packets, kind: packets, format: zip, schedule: "0 0 1 1 *"}
`

// workspaceDemo is a demo with the story's partners and one user per role
// (password "correct horse battery staple" for all).
func workspaceDemo(t *testing.T) *demo {
	t.Helper()
	d := newDemo(t)
	d.useShippedMappings(t, workspaceConfig)
	for _, u := range []struct{ login, role, partner string }{
		{"admin", "admin", ""}, {"ana", "compliance", ""}, {"lee", "logistics", ""}, {"vic", "viewer", ""},
		{"fc", "broker", "fastclear"}, {"sam", "supplier", "acme"}, {"bea", "supplier", "beta"},
	} {
		args := []string{"user", "add", u.login, "--role", u.role, "--password-stdin", "--by", "test"}
		if u.partner != "" {
			args = append(args, "--partner", u.partner)
		}
		if out, errOut, code := d.clearwayIn(t, storyPassword+"\n", args...); code != 0 {
			t.Fatalf("user add %s: %s%s", u.login, out, errOut)
		}
	}
	return d
}

// storyPassword is every story user's password.
const storyPassword = "correct horse battery staple"

// browserStory prepares the store the browser tests drive: ACME's
// shipment MAEU240312345 (PO, invoice, packing list, PDFs, then a corrected
// invoice whose HS change waits for review) and Beta's MAEU240399999.
func browserStory(t *testing.T, d *demo) {
	t.Helper()
	out := filepath.Join(d.dir, "out")
	write := func(name, body string) string {
		p := filepath.Join(out, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ingest := func(partner, into string, files ...string) {
		t.Helper()
		if o, e, code := d.clearway(t, append([]string{"ingest", "--partner", partner, "--into", into}, files...)...); code != 0 {
			t.Fatalf("ingest %v: %s%s", files, o, e)
		}
	}
	ingest("erp", "inbox/po", write("PO-EXPORT-1.csv", storyPO))
	inv1 := filepath.Join(out, "v1", "INV-2026-0042_BL-MAEU240312345.xlsx")
	os.MkdirAll(filepath.Dir(inv1), 0o755)
	storyInvoice(t, inv1, "8482.10.5048")
	ingest("acme", "inbox/invoices", inv1)
	ingest("acme", "inbox/packing", write("PL_INV-2026-0042.csv", storyPacking("CSQU3054383")))
	ingest("acme", "inbox/docs/MAEU240312345",
		write("CI_INV-2026-0042_BL-MAEU240312345.pdf", "%PDF-1.4 commercial invoice v1"),
		write("PL_INV-2026-0042_BL-MAEU240312345.pdf", "%PDF-1.4 packing list"),
		write("BL_MAEU240312345.pdf", "%PDF-1.4 bill of lading"))
	inv2 := filepath.Join(out, "v2", "INV-2026-0042_BL-MAEU240312345.xlsx")
	os.MkdirAll(filepath.Dir(inv2), 0o755)
	storyInvoice(t, inv2, "8483.40.5010")
	ingest("acme", "inbox/invoices", inv2)
	beta := filepath.Join(out, "beta", "INV-2026-0042_BL-MAEU240399999.xlsx")
	os.MkdirAll(filepath.Dir(beta), 0o755)
	storyInvoice(t, beta, "8483.40.5010")
	ingest("beta", "inbox/invoices", beta)
}

// useShippedMappings writes the config with extra partners, gives acme the
// shipped supplier mappings, links the repository's mappings folder and
// copies FastClear's status code table beside the config.
func (d *demo) useShippedMappings(t *testing.T, extra string) {
	t.Helper()
	repo, _ := filepath.Abs("../..")
	d.writeConfig(t, extra)
	cfg, _ := os.ReadFile(d.config)
	cfg = []byte(strings.Replace(string(cfg), "mappings: []", "mappings: [supplier-invoice-xlsx, supplier-packing-csv, supplier-documents]", 1))
	os.WriteFile(d.config, cfg, 0o644)
	os.Remove(filepath.Join(d.dir, "mappings"))
	os.Symlink(filepath.Join(repo, "mappings"), filepath.Join(d.dir, "mappings"))
	table, _ := os.ReadFile(filepath.Join(repo, "config", "codes", "fastclear.yaml"))
	os.WriteFile(filepath.Join(d.dir, "fastclear.yaml"), table, 0o644)
}
