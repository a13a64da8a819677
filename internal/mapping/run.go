package mapping

import (
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/x12"
)

// Input is one file to map.
type Input struct {
	// Name is the partner-relative path ("inbox/invoices/INV-1.xlsx"): its
	// base name feeds from_filename and it names the file in errors.
	Name string
	R    io.Reader
}

// Record is one canonical record as the engine emits it. It is reused for
// the next record: copy what you keep (Canonical does).
type Record struct {
	Kind   clearway.Kind
	Names  []string // field names, shared across records; do not modify
	Values []string // parallel to Names; "" means absent
	Source clearway.Position
}

// Get returns the value of a field ("" when absent).
func (r *Record) Get(name string) string {
	for i, n := range r.Names {
		if n == name {
			return r.Values[i]
		}
	}
	return ""
}

// Canonical copies the record into the domain form, dropping absent fields.
func (r *Record) Canonical() clearway.Record {
	fields := make(map[string]string, len(r.Names))
	for i, n := range r.Names {
		if r.Values[i] != "" {
			fields[n] = r.Values[i]
		}
	}
	return clearway.Record{Kind: r.Kind, Fields: fields, Source: r.Source}
}

// Result is what mapping a file produced besides its records.
type Result struct {
	Records int // records emitted
	Skipped int // rows or occurrences skipped by skip_when
	// Rejected means the file as a whole is refused: the caller must discard
	// every record emit received. Set by any error under on_error:
	// reject_file, and by file-level errors (wrong type, envelope, trailer).
	Rejected bool
	// Errors are the problems found, each positioned (at most 100).
	Errors []*InputError
	// Warnings are values the engine repaired and kept, with their rule id
	// (HS_LEADING_ZERO_REPAIRED); they do not reject anything.
	Warnings  []*InputError
	Truncated bool // more errors than were kept
	// Interchanges is the X12 envelope structure (x12 only), for acks.
	Interchanges []*x12.Interchange
}

func (r *Result) warn(e *InputError) {
	if len(r.Warnings) < maxErrors {
		r.Warnings = append(r.Warnings, e)
	}
}

func (r *Result) add(e *InputError) {
	if len(r.Errors) >= maxErrors {
		r.Truncated = true
		return
	}
	r.Errors = append(r.Errors, e)
}

// Err summarises the result's errors as one error, or nil.
func (r *Result) Err() error {
	if len(r.Errors) == 0 {
		return nil
	}
	errs := make([]error, len(r.Errors))
	for i, e := range r.Errors {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// errStopped ends a run early when emit refuses a record.
type emitError struct{ err error }

func (e *emitError) Error() string { return e.err.Error() }
func (e *emitError) Unwrap() error { return e.err }

// Run maps one file, calling emit for each record. The returned error is for
// I/O and emit failures only; problems in the file are in Result.Errors.
// Under reject_file, nothing more is emitted after the first error.
func (m *Mapping) Run(in Input, emit func(*Record) error) (*Result, error) {
	res := &Result{}
	r := &run{m: m, in: in, emit: emit, res: res, base: path.Base(in.Name)}
	var err error
	switch m.Format {
	case FormatCSV, FormatXLSX:
		err = r.table()
	case FormatFixed:
		err = r.fixedWidth()
	case FormatX12:
		err = r.x12()
	case FormatDocument:
		err = r.document()
	default:
		err = fmt.Errorf("mapping %s: unknown format %q", m.Name, m.Format)
	}
	var ee *emitError
	if errors.As(err, &ee) {
		return res, ee.err
	}
	if err != nil {
		return res, err
	}
	return res, nil
}

// run is the state of mapping one file.
type run struct {
	m    *Mapping
	in   Input
	emit func(*Record) error
	res  *Result
	base string
}

// fileError records a problem with the file as a whole: it is rejected.
func (r *run) fileError(pos clearway.Position, msg, hint string) {
	r.res.Rejected = true
	r.res.add(&InputError{Pos: pos, Msg: msg, Hint: hint})
}

// rowErrors records a bad row's problems and says whether to go on emitting.
func (r *run) rowErrors(errs []*InputError) {
	for _, e := range errs {
		r.res.add(e)
	}
	if r.m.OnError == RejectFile {
		r.res.Rejected = true
	}
}

// send emits a record unless the file is already rejected.
func (r *run) send(rec *Record) error {
	if r.res.Rejected {
		return nil
	}
	r.res.Records++
	if err := r.emit(rec); err != nil {
		return &emitError{err}
	}
	return nil
}

// recordPlan is a record spec prepared for one file.
type recordPlan struct {
	spec   *RecordSpec
	fields []fieldPlan
	rec    Record
}

type fieldPlan struct {
	spec     *FieldSpec
	cols     []int  // csv/xlsx: resolved column indexes
	colName  string // csv/xlsx: the first column's header, for errors
	constant bool   // value or from_filename: same for every record of the file
	text     string
}

// plan prepares every record spec for this file: constants and file-name
// values are worked out once.
func (r *run) plan() []*recordPlan {
	plans := make([]*recordPlan, len(r.m.Records))
	for i, spec := range r.m.Records {
		p := &recordPlan{spec: spec, rec: Record{Kind: spec.Kind, Names: spec.names, Values: make([]string, len(spec.names))}}
		for _, f := range spec.Fields {
			fp := fieldPlan{spec: f}
			switch f.src.kind {
			case srcValue:
				fp.constant, fp.text = true, f.src.value
			case srcFilename:
				fp.constant = true
				if m := f.src.re.FindStringSubmatch(r.base); m != nil {
					fp.text = m[1]
				}
			}
			p.fields = append(p.fields, fp)
		}
		plans[i] = p
	}
	return plans
}

// skip reports whether skip_when says to skip, given the source's text.
func (s *SkipWhen) skip(text string) bool {
	text = strings.TrimSpace(text)
	if s.empty && text == "" {
		return true
	}
	return s.pattern != nil && s.pattern.MatchString(text)
}

// fill converts one field into the record, collecting a positioned error.
func (r *run) fill(p *recordPlan, i int, v cellValue, pos clearway.Position, errs []*InputError) []*InputError {
	return r.fillAt(p, i, v, func() clearway.Position { return pos }, errs)
}

// fillAt is fill with the position worked out only when there is an error:
// the hot path of big tables never builds one.
func (r *run) fillAt(p *recordPlan, i int, v cellValue, at func() clearway.Position, errs []*InputError) []*InputError {
	f := p.fields[i].spec
	csvDigits := false
	if f.Type == TypeHSCode && r.m.Format == FormatCSV && !p.fields[i].constant && !v.numeric {
		// CSV has no cell types: a code of bare digits is what a number
		// cell or number type leaves, so it gets the number cell's repair.
		csvDigits = isDigits(strings.TrimSpace(v.text))
		v.numeric = csvDigits
	}
	out, hint, err := f.convert(v, r.m.CSV.DecimalComma && r.m.Format == FormatCSV)
	repaired := err == nil && f.Type == TypeHSCode && v.numeric && out != "" && len(keepDigits(v.text)) < len(out)
	if repaired {
		msg, fix := fmt.Sprintf("HS code lost its leading zero in a number cell; read as %s", out), "format the column as text"
		if csvDigits {
			msg = fmt.Sprintf("HS code of %d digits lost its leading zero (the file went through a number cell or number type); read as %s", len(keepDigits(v.text)), out)
			fix = "send HS codes with their leading zeros, e.g. 0502.10.0000"
		}
		r.res.warn(&InputError{Rule: "HS_LEADING_ZERO_REPAIRED", Pos: at(), Field: f.Name, Value: strings.TrimSpace(v.text), Msg: msg, Hint: fix})
	}
	if f.Name == "hs_code" && p.spec.asSent > 0 {
		sent := ""
		if repaired {
			sent = strings.TrimSpace(v.text)
		}
		p.rec.Values[p.spec.asSent] = sent
	}
	if err != nil {
		pos := at()
		value := strings.TrimSpace(v.text)
		if errors.Is(err, errFieldEmpty) {
			value = ""
		}
		errs = append(errs, &InputError{Pos: pos, Field: f.Name, Value: value, Msg: err.Error(), Hint: hint})
	}
	p.rec.Values[i] = out
	return errs
}

// asSentField is the canonical field that keeps an HS code as the partner
// sent it when the engine repaired a lost leading zero.
const asSentField = "hs_code_as_sent"

// addAsSent gives a record whose hs_code field has type hs_code one more
// field after its own, hs_code_as_sent, which fillAt sets only when it
// repairs the code: validation reports the repair (HS_LEADING_ZERO_REPAIRED)
// and shows what was sent. A mapping that fills hs_code_as_sent itself
// keeps its own.
func (r *RecordSpec) addAsSent() {
	if !clearway.ValidField(r.Kind, asSentField) || slices.Contains(r.names, asSentField) {
		return
	}
	for _, f := range r.Fields {
		if f.Name == "hs_code" && f.Type == TypeHSCode {
			r.names = append(r.names, asSentField)
			r.asSent = len(r.names) - 1
			return
		}
	}
}
