package mapping

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The parser's reading of YAML nodes: each helper checks a node's type and
// records a SpecError with its line instead of failing, so that one
// check reports every problem of a mapping at once.

// yamlError turns a yaml.v3 syntax error ("yaml: line 4: …") into a SpecError.
func yamlError(file string, err error) *SpecError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ":"); ok {
			if v, err := strconv.Atoi(n); err == nil {
				line, msg = v, strings.TrimSpace(after)
			}
		}
	}
	return &SpecError{File: file, Line: line, Msg: "YAML syntax: " + msg}
}

// parser compiles one mapping file, collecting its errors.
type parser struct {
	file string
	errs SpecErrors
}

func (p *parser) errf(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &SpecError{File: p.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// keys checks that n is a mapping with only allowed keys and returns its
// values by key. Unknown and duplicate keys are errors.
func (p *parser) keys(n *yaml.Node, path string, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		p.errf(n, path, "want a map of keys, got %s", nodeKind(n))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kp := join(path, k.Value)
		if !slices.Contains(allowed, k.Value) {
			p.errf(k, kp, "unknown key (allowed: %s)", strings.Join(allowed, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.errf(k, kp, "key given twice")
			continue
		}
		out[k.Value] = v
	}
	return out
}

func (p *parser) str(n *yaml.Node, path string) string {
	if n.Kind != yaml.ScalarNode {
		p.errf(n, path, "want a single value, got %s", nodeKind(n))
		return ""
	}
	return n.Value
}

func (p *parser) integer(n *yaml.Node, path string) int {
	s := p.str(n, path)
	v, err := strconv.Atoi(s)
	if err != nil && s != "" {
		p.errf(n, path, "want a whole number, got %q", s)
	}
	return v
}

func (p *parser) boolean(n *yaml.Node, path string) bool {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		p.errf(n, path, "want true or false, got %q", n.Value)
	}
	return b
}

// strs reads a single value or a list of values.
func (p *parser) strs(n *yaml.Node, path string) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		p.errf(n, path, "want a value or a list of values, got %s", nodeKind(n))
		return nil
	}
	var out []string
	for i, c := range n.Content {
		out = append(out, p.str(c, fmt.Sprintf("%s[%d]", path, i)))
	}
	return out
}

// span reads [start, end], 1-based inclusive.
func (p *parser) span(n *yaml.Node, path string) [2]int {
	if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
		p.errf(n, path, "want [start, end] (1-based, inclusive)")
		return [2]int{}
	}
	s := [2]int{p.integer(n.Content[0], path+"[0]"), p.integer(n.Content[1], path+"[1]")}
	if s[0] < 1 || s[1] < s[0] {
		p.errf(n, path, "want 1 <= start <= end, got [%d, %d]", s[0], s[1])
	}
	return s
}

// spans reads [start, end] or a list of them.
func (p *parser) spans(n *yaml.Node, path string) [][2]int {
	if n.Kind == yaml.SequenceNode && len(n.Content) > 0 && n.Content[0].Kind == yaml.SequenceNode {
		var out [][2]int
		for i, c := range n.Content {
			out = append(out, p.span(c, fmt.Sprintf("%s[%d]", path, i)))
		}
		return out
	}
	return [][2]int{p.span(n, path)}
}

func (p *parser) regex(n *yaml.Node, path string) *regexp.Regexp {
	s := p.str(n, path)
	re, err := regexp.Compile(s)
	if err != nil {
		p.errf(n, path, "bad regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		return nil
	}
	return re
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
