package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Parse reads a configuration from r over DefaultConfig: every key the YAML
// gives replaces the default, every key it omits keeps it. filename is used
// in error messages only.
//
// Parse is strict. An unknown key anywhere in the tree, a duplicate key or a
// value of the wrong type is refused with its field path and line, all
// problems at once, as ValidationErrors:
//
//	clearway.yaml:14: partners[2].sftp.pasword_bcrypt: unknown key (did you mean "password_bcrypt"?)
//
// A key with no value (null) keeps its default, except lists and optional
// sections, which become empty. Parse does not resolve paths or secrets nor
// check values; see Resolve and Validate.
func Parse(r io.Reader, filename string) (*Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", filename, err)
	}
	c := DefaultConfig()
	c.source = filename
	c.lines = make(map[string]int)

	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) { // empty file: all defaults
			c.defaultHostKeyFile()
			return c, nil
		}
		return nil, ValidationErrors{yamlError(filename, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, ValidationErrors{yamlError(filename, err)}
		}
		return nil, ValidationErrors{{File: filename, Line: extra.Line, Msg: "only one YAML document is allowed"}}
	}

	w := &walker{file: filename, lines: c.lines, nulls: make(map[string]bool), budget: maxWalkNodes}
	w.walk(&doc, reflect.TypeFor[Config](), "")
	if len(w.errs) > 0 {
		return nil, w.errs
	}
	if err := doc.Decode(c); err != nil {
		// The walk checks every value first, so this is not expected.
		return nil, ValidationErrors{yamlError(filename, err)}
	}
	c.applyElementDefaults(w.nulls)
	c.defaultHostKeyFile()
	return c, nil
}

// applyElementDefaults fills the defaults of keys inside list elements
// (partners, watch folders), which YAML decoding cannot take from
// DefaultConfig. A key counts as omitted when it is absent or null.
func (c *Config) applyElementDefaults(nulls map[string]bool) {
	omitted := func(path string) bool {
		_, given := c.lines[path]
		return !given || nulls[path]
	}
	for i := range c.Partners {
		p := &c.Partners[i]
		pp := fmt.Sprintf("partners[%d]", i)
		if p.Ack == "" && omitted(pp+".ack") {
			p.Ack = Ack997
		}
		for j := range p.Watch {
			wc := &p.Watch[j]
			wp := fmt.Sprintf("%s.watch[%d]", pp, j)
			if wc.Ready == "" && omitted(wp+".ready") {
				wc.Ready = ReadyStable
			}
			if wc.Interval.Duration == 0 && omitted(wp+".interval") {
				wc.Interval.Duration = defaultWatchInterval
			}
		}
		if p.Remote != nil && p.Remote.Pull != nil && p.Remote.Pull.Ready == "" && omitted(pp+".remote.pull.ready") {
			p.Remote.Pull.Ready = ReadyStable
		}
	}
}

// defaultWatchInterval is WatchConfig.Interval's default.
const defaultWatchInterval = 10 * time.Second

// yamlLinePattern splits yaml.v3's "yaml: line N: msg" errors.
var yamlLinePattern = regexp.MustCompile(`(?s)^yaml: line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into a ValidationError with its line.
func yamlError(filename string, err error) *ValidationError {
	msg := err.Error()
	if m := yamlLinePattern.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1]) // the pattern guarantees digits
		return &ValidationError{File: filename, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &ValidationError{File: filename, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// maxWalkNodes bounds the nodes visited, so that aliases that expand
// exponentially cannot stall the walk.
const maxWalkNodes = 250_000

// unmarshalerType is yaml.Unmarshaler; types implementing it (Duration) are
// checked as single values.
var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// walker checks a YAML node tree against a Go type by its yaml tags,
// recording the line of every field path and refusing unknown keys.
type walker struct {
	file   string
	lines  map[string]int  // field path → line of its key or list element
	nulls  map[string]bool // field paths given with a null value
	errs   ValidationErrors
	budget int
}

// fail records a problem at a known line.
func (w *walker) fail(line int, path, msg string) {
	w.errs = append(w.errs, &ValidationError{File: w.file, Line: line, Path: path, Msg: msg})
}

// setLine records the line of path unless already known (explicit keys are
// walked before merged ones and win).
func (w *walker) setLine(path string, line int) {
	if _, ok := w.lines[path]; !ok {
		w.lines[path] = line
	}
}

// walk checks node n, the value at path, against type t.
func (w *walker) walk(n *yaml.Node, t reflect.Type, path string) {
	if w.budget--; w.budget == 0 {
		w.fail(n.Line, path, "document too large or too many alias expansions")
	}
	if w.budget <= 0 {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return
		}
		w.walk(n.Content[0], t, path)
		return
	case yaml.AliasNode:
		if n.Alias != nil {
			w.walk(n.Alias, t, path)
		}
		return
	}
	if isNull(n) {
		if path != "" {
			w.nulls[path] = true
		}
		return
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		w.checkValue(n, t, path)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		w.walk(n, t.Elem(), path)
	case reflect.Struct:
		w.walkStruct(n, t, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.fail(n.Line, path, "expected a list, got "+nodeKind(n))
			return
		}
		for i, item := range n.Content {
			ip := fmt.Sprintf("%s[%d]", path, i)
			w.setLine(ip, item.Line)
			w.walk(item, t.Elem(), ip)
		}
	default:
		w.checkValue(n, t, path)
	}
}

// walkStruct checks a mapping node against struct type t.
func (w *walker) walkStruct(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.MappingNode {
		w.fail(n.Line, path, "expected a mapping of keys, got "+nodeKind(n))
		return
	}
	fields := yamlFields(t)
	seen := make(map[string]int) // key → line, explicit keys only
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			w.fail(k.Line, path, "keys must be plain names, got "+nodeKind(k))
			continue
		}
		kp := joinPath(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			w.fail(k.Line, kp, fmt.Sprintf("duplicate key (first given at line %d)", first))
			continue
		}
		seen[k.Value] = k.Line
		f, ok := fields[k.Value]
		if !ok {
			w.fail(k.Line, kp, unknownKeyMessage(k.Value, fields))
			continue
		}
		w.setLine(kp, k.Line)
		w.walk(v, f.Type, kp)
	}
	// YAML merge keys ("<<: *defaults") bring in keys the mapping does not
	// give itself; they are checked like the mapping's own.
	for _, m := range merges {
		if m.Kind == yaml.AliasNode && m.Alias != nil {
			m = m.Alias
		}
		if m.Kind == yaml.SequenceNode {
			for _, item := range m.Content {
				w.walk(item, t, path)
			}
			continue
		}
		w.walk(m, t, path)
	}
}

// checkValue checks a single value by decoding it into a fresh value of type
// t, reporting what was expected on failure.
func (w *walker) checkValue(n *yaml.Node, t reflect.Type, path string) {
	custom := reflect.PointerTo(t).Implements(unmarshalerType)
	if !custom && t.Kind() != reflect.Map && n.Kind != yaml.ScalarNode {
		w.fail(n.Line, path, "expected a single value, got "+nodeKind(n))
		return
	}
	v := reflect.New(t)
	if err := n.Decode(v.Interface()); err != nil {
		if custom {
			w.fail(n.Line, path, err.Error())
			return
		}
		w.fail(n.Line, path, fmt.Sprintf("expected %s, got %q", typeDescription(t), n.Value))
	}
}

// isNull reports whether n is a YAML null ("", "~", "null").
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// nodeKind describes a node's kind for error messages.
func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	default:
		return "a document"
	}
}

// typeDescription names the kind of value a Go type expects.
func typeDescription(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	default:
		return "a " + t.String()
	}
}

// joinPath appends key to a field path.
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps the YAML keys of struct type t to its fields, following
// yaml.v3's rules: the tag's name, else the lower-cased field name; "-" and
// unexported fields are skipped.
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	fields := make(map[string]reflect.StructField, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f
	}
	return fields
}

// unknownKeyMessage says a key is unknown, suggesting the closest valid key
// when one is near, else listing the valid keys.
func unknownKeyMessage(key string, fields map[string]reflect.StructField) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	best, bestDist := "", len(key)/3+2
	for _, name := range names {
		if d := editDistance(strings.ToLower(key), name); d < bestDist {
			best, bestDist = name, d
		}
	}
	if best != "" {
		return fmt.Sprintf("unknown key (did you mean %q?)", best)
	}
	return "unknown key (valid keys: " + strings.Join(names, ", ") + ")"
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
