package config

import (
	"strconv"
	"strings"
)

// ValidationError is one problem in a configuration file: where it is (file,
// line, field path) and what is wrong. It renders as "FILE:LINE: PATH: MSG";
// parts that are unknown are left out.
type ValidationError struct {
	// File is the configuration file name as given to Parse or Load.
	File string
	// Line is the 1-based line of the field, 0 when unknown.
	Line int
	// Path is the field path, such as "partners[2].outbound[0].schedule";
	// empty for problems with the file as a whole.
	Path string
	// Msg says what is wrong.
	Msg string
}

// Error renders the error as "FILE:LINE: PATH: MSG".
func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ValidationErrors is every problem found in a configuration, in file order
// as far as possible. errors.As finds the first as a *ValidationError.
type ValidationErrors []*ValidationError

// Error renders one error a line.
func (es ValidationErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the individual errors, for errors.As and errors.Is.
func (es ValidationErrors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// errorList collects validation errors for one configuration, looking up the
// line of each field path.
type errorList struct {
	file  string
	lines map[string]int
	errs  ValidationErrors
}

// add records a problem at path; the line is that of path or, when path was
// not written in the file (a default), of its nearest written parent.
func (l *errorList) add(path, msg string) {
	l.errs = append(l.errs, &ValidationError{File: l.file, Line: lineOf(l.lines, path), Path: path, Msg: msg})
}

// err returns the collected errors, or nil when there are none.
func (l *errorList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	return l.errs
}

// lineOf returns the line of path, else of its nearest parent found in lines,
// else 0.
func lineOf(lines map[string]int, path string) int {
	for path != "" {
		if n, ok := lines[path]; ok {
			return n
		}
		path = parentPath(path)
	}
	return 0
}

// parentPath drops the last element of a field path: "a.b[2]" → "a.b",
// "a.b" → "a", "a" → "".
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}
