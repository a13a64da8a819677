package mapping

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// LoadDir compiles every mapping file (*.yaml, *.yml) in dir. It returns the
// mappings that compiled, by name, and an error listing every file that did
// not (with file:line) and every name used twice.
func LoadDir(dir string) (map[string]*Mapping, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read mappings: %w", err)
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		if ext := filepath.Ext(name); ext == ".yaml" || ext == ".yml" {
			files = append(files, filepath.Join(dir, name))
		}
	}
	sort.Strings(files)
	out := map[string]*Mapping{}
	var errs []error
	for _, f := range files {
		m, err := Load(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, dup := out[m.Name]; dup {
			errs = append(errs, &SpecError{File: f, Path: "name", Msg: fmt.Sprintf("mapping %q is also defined in %s", m.Name, prev.File)})
			continue
		}
		out[m.Name] = m
	}
	return out, errors.Join(errs...)
}
