package chart

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"
)

// node is a parsed XML element.
type node struct {
	name     string
	attr     map[string]string
	text     string // character data directly inside the element
	children []*node
}

// mustParse parses svg strictly, walking every token, and returns the root.
func mustParse(tb testing.TB, svg string) *node {
	tb.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	dec.Strict = true
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("parse: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				stack[len(stack)-1].children = append(stack[len(stack)-1].children, n)
			} else if root != nil {
				tb.Fatalf("more than one root element")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if root == nil || root.name != "svg" {
		tb.Fatalf("no <svg> root in %s", svg)
	}
	return root
}

// all returns the descendants named name, or all of them for "", in document order.
func (n *node) all(name string) []*node {
	var out []*node
	for _, c := range n.children {
		if name == "" || c.name == name {
			out = append(out, c)
		}
		out = append(out, c.all(name)...)
	}
	return out
}

func (n *node) withClass(class string) []*node {
	var out []*node
	for _, c := range n.all("") {
		if c.attr["class"] == class {
			out = append(out, c)
		}
	}
	return out
}

// hasText reports whether n or a descendant holds exactly text.
func (n *node) hasText(text string) bool {
	if n.text == text {
		return true
	}
	for _, c := range n.children {
		if c.hasText(text) {
			return true
		}
	}
	return false
}

func (n *node) float(tb testing.TB, attr string) float64 {
	tb.Helper()
	f, err := strconv.ParseFloat(n.attr[attr], 64)
	if err != nil {
		tb.Fatalf("<%s %s=%q>: %v", n.name, attr, n.attr[attr], err)
	}
	return f
}
