package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// mappingNames returns the mappings available in dir, name → file: every
// *.yaml or *.yml file directly in dir (hidden files skipped) whose top level
// is a mapping with a `name:` key. Files without a top-level name (code
// tables, say) are skipped. A file that is not valid YAML and two files with
// the same name are errors; the names found are returned alongside them.
//
// The mapping engine will take this over; until then only the name is read.
func mappingNames(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string)
	var errs []error
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		file := filepath.Join(dir, e.Name())
		name, err := mappingName(file)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if name == "" {
			continue
		}
		if other, dup := names[name]; dup {
			errs = append(errs, fmt.Errorf("mapping name %q is used by both %s and %s", name, other, file))
			continue
		}
		names[name] = file
	}
	return names, errors.Join(errs...)
}

// mappingName returns the top-level `name:` of a YAML file, "" when it has
// none.
func mappingName(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", errors.New("mapping file " + yamlError(file, err).Error())
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return "", nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value == "name" && v.Kind == yaml.ScalarNode {
			return v.Value, nil
		}
	}
	return "", nil
}
