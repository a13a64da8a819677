package mapping

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clearway/clearway/internal/testutil"
	"github.com/clearway/clearway/mappings"
)

// samplesDir holds sample inputs per shipped mapping:
// testdata/mappings/<mapping>/<partner path>; bad/ holds inputs that must be
// rejected.
const samplesDir = "../../testdata/mappings"

// TestShippedMappings maps every sample with its shipped mapping and
// compares the records (or, for bad samples, the errors) with the golden file
// beside it.
func TestShippedMappings(t *testing.T) {
	files, err := fs.Glob(mappings.FS, "*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no shipped mappings: %v", err)
	}
	for _, file := range files {
		data, _ := fs.ReadFile(mappings.FS, file)
		m, err := Parse(data, "mappings/"+file)
		if err != nil {
			t.Errorf("shipped mapping does not compile: %v", err)
			continue
		}
		dir := filepath.Join(samplesDir, m.Name)
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("mapping %s has no samples in %s", m.Name, dir)
			continue
		}
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(p, ".golden.json") || strings.HasSuffix(p, ".md") {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			bad := strings.HasPrefix(rel, "bad"+string(filepath.Separator))
			partnerPath := filepath.ToSlash(strings.TrimPrefix(rel, "bad"+string(filepath.Separator)))
			t.Run(m.Name+"/"+filepath.ToSlash(rel), func(t *testing.T) {
				if !bad && !m.Matches(partnerPath) {
					t.Errorf("sample path %s does not match the mapping's glob %s", partnerPath, m.Match.Path)
				}
				got := runGolden(t, m, partnerPath, p)
				testutil.CheckGolden(t, p+".golden.json", got)
				var out goldenOutput
				json.Unmarshal(got, &out)
				if bad && !out.Rejected && len(out.Errors) == 0 {
					t.Errorf("bad sample mapped without an error")
				}
				realErrors := 0
				for _, e := range out.Errors {
					if !strings.HasPrefix(e, "warning ") {
						realErrors++
					}
				}
				if !bad && (out.Rejected || realErrors > 0) {
					t.Errorf("good sample has errors: %v", out.Errors)
				}
			})
			return nil
		})
	}
}

type goldenOutput struct {
	Records  []json.RawMessage `json:"records"`
	Rejected bool              `json:"rejected"`
	Errors   []string          `json:"errors"`
}

func runGolden(t *testing.T, m *Mapping, name, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := goldenOutput{Records: []json.RawMessage{}, Errors: []string{}}
	res, err := m.Run(Input{Name: name, R: f}, func(r *Record) error {
		b, err := json.Marshal(r.Canonical())
		out.Records = append(out.Records, b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	out.Rejected = res.Rejected
	if res.Rejected { // a rejected file gives nothing: the caller discards what was emitted
		out.Records = []json.RawMessage{}
	}
	for _, w := range res.Warnings {
		out.Errors = append(out.Errors, "warning "+w.Rule+": "+w.Error())
	}
	for _, e := range res.Errors {
		out.Errors = append(out.Errors, e.Error())
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}
