// Package mapping is Clearway's mapping engine: admins describe a partner's
// file layout in YAML (PRODUCT.md §7, docs/mappings.md) and the engine turns
// files of that layout into canonical records, or into errors that say where
// and what is wrong. Written by hand: no library maps CSV, XLSX, X12 and
// fixed-width files through one small declarative language.
package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/clearway/clearway/internal/clearway"
)

// Format is an input file format.
type Format string

// The formats a mapping may read.
const (
	FormatCSV      Format = "csv"
	FormatXLSX     Format = "xlsx"
	FormatX12      Format = "x12"
	FormatFixed    Format = "fixed"
	FormatDocument Format = "document"
)

// On-error policies.
const (
	RejectFile = "reject_file" // any bad row rejects the whole file (default)
	SkipRow    = "skip_row"    // bad rows are reported, good rows kept
)

// Mapping is a compiled mapping file.
type Mapping struct {
	Name        string
	Description string
	File        string // where it was read from
	Hash        string // sha256 of the file's bytes: the mapping's version
	Source      []byte // the file's bytes, kept for the mapping history
	Format      Format
	OnError     string
	Match       Match
	CSV         CSVOptions
	XLSX        XLSXOptions
	X12         X12Options
	Fixed       FixedOptions
	Records     []*RecordSpec
}

// Match says which files a mapping reads.
type Match struct {
	Path   string   // glob on the partner-relative path
	Sender []string // x12: accepted ISA06 sender ids (empty: any)
	glob   *regexp.Regexp
}

// CSVOptions are the csv: keys.
type CSVOptions struct {
	Delimiter    rune
	HeaderRow    int
	Encoding     string
	DecimalComma bool
}

// XLSXOptions are the xlsx: keys.
type XLSXOptions struct {
	Sheet     string
	HeaderRow int
}

// X12Options are the x12: keys.
type X12Options struct {
	Transaction string
}

// FixedOptions are the fixed: keys.
type FixedOptions struct {
	RecordLength int
	RecordID     [2]int
	Trailer      *TrailerSpec
}

// TrailerSpec is the fixed: trailer: block (counts and hash totals checked at the end).
type TrailerSpec struct {
	Record       string
	TotalRecords [2]int
	Counts       map[string][2]int
	Hash         *HashSpec
}

// HashSpec is a trailer hash total: the sum of Field over Record lines.
type HashSpec struct {
	Record string
	Field  [2]int
	Total  [2]int
}

// RecordSpec is one entry of records: a kind and how to fill its fields.
type RecordSpec struct {
	Kind     clearway.Kind
	ForEach  string // as written: "X4", "HL[I]", "S1"
	forEach  segSelector
	SkipWhen *SkipWhen
	Fields   []*FieldSpec
	names    []string // field names in Fields order, shared by emitted records
	asSent   int      // index in names of the engine's hs_code_as_sent, 0 when none
	line     int
}

// SkipWhen skips a row (or occurrence) whose source is empty or matches.
type SkipWhen struct {
	src     source
	empty   bool
	pattern *regexp.Regexp
}

type segSelector struct{ id, qual string }

// Load reads and compiles one mapping file.
func Load(file string) (*Mapping, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, SpecErrors{{File: file, Msg: err.Error()}}
	}
	return Parse(data, file)
}

// Parse compiles a mapping from its YAML bytes; file names it in errors.
// Every problem is reported at once, each with its line.
func Parse(data []byte, file string) (*Mapping, error) {
	p := &parser{file: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, SpecErrors{yamlError(file, err)}
	}
	if len(doc.Content) == 0 {
		return nil, SpecErrors{{File: file, Msg: "empty mapping file"}}
	}
	sum := sha256.Sum256(data)
	m := &Mapping{File: file, Hash: hex.EncodeToString(sum[:]), Source: data, OnError: RejectFile}
	p.mapping(doc.Content[0], m)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return m, nil
}

func (p *parser) mapping(n *yaml.Node, m *Mapping) {
	k := p.keys(n, "", "name", "description", "match", "format", "csv", "xlsx", "x12", "fixed", "on_error", "records")
	if v := k["name"]; v == nil {
		p.errf(n, "name", "required")
	} else if m.Name = p.str(v, "name"); !nameRE.MatchString(m.Name) {
		p.errf(v, "name", "want lower-case letters, digits and '-', got %q", m.Name)
	}
	if v := k["description"]; v != nil {
		m.Description = p.str(v, "description")
	}
	if v := k["format"]; v == nil {
		p.errf(n, "format", "required (csv, xlsx, x12, fixed or document)")
	} else {
		m.Format = Format(p.str(v, "format"))
		switch m.Format {
		case FormatCSV, FormatXLSX, FormatX12, FormatFixed, FormatDocument:
		default:
			p.errf(v, "format", "unknown format %q (want csv, xlsx, x12, fixed or document)", m.Format)
		}
	}
	if v := k["match"]; v == nil {
		p.errf(n, "match", "required: {path: GLOB}")
	} else {
		p.match(v, &m.Match)
	}
	if v := k["on_error"]; v != nil {
		m.OnError = p.str(v, "on_error")
		if m.OnError != RejectFile && m.OnError != SkipRow {
			p.errf(v, "on_error", "want reject_file or skip_row, got %q", m.OnError)
		}
	}
	m.CSV = CSVOptions{Delimiter: ',', HeaderRow: 1}
	m.XLSX = XLSXOptions{HeaderRow: 1}
	m.Fixed.RecordID = [2]int{1, 2}
	for _, block := range []string{"csv", "xlsx", "x12", "fixed"} {
		v := k[block]
		if v == nil {
			continue
		}
		if string(m.Format) != block {
			p.errf(v, block, "options for %s, but format is %q", block, m.Format)
			continue
		}
		switch block {
		case "csv":
			p.csv(v, &m.CSV)
		case "xlsx":
			p.xlsx(v, &m.XLSX)
		case "x12":
			kx := p.keys(v, "x12", "transaction")
			if t := kx["transaction"]; t != nil {
				m.X12.Transaction = p.str(t, "x12.transaction")
			}
		case "fixed":
			p.fixed(v, &m.Fixed)
		}
	}
	if m.Format == FormatFixed && m.Fixed.RecordLength == 0 && k["fixed"] != nil {
		p.errf(k["fixed"], "fixed.record_length", "required")
	} else if m.Format == FormatFixed && k["fixed"] == nil {
		p.errf(n, "fixed", "required for format fixed: {record_length: N, record_id: [start, end]}")
	}
	v := k["records"]
	if v == nil || v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		p.errf(n, "records", "required: a list of records to produce")
		return
	}
	for i, rn := range v.Content {
		m.Records = append(m.Records, p.record(rn, fmt.Sprintf("records[%d]", i), m.Format))
	}
}

func (p *parser) match(n *yaml.Node, m *Match) {
	k := p.keys(n, "match", "path", "sender")
	if v := k["path"]; v == nil {
		p.errf(n, "match.path", "required: a glob such as inbox/invoices/*.xlsx")
	} else {
		m.Path = p.str(v, "match.path")
		g, err := compileGlob(m.Path)
		if err != nil {
			p.errf(v, "match.path", "%s", err)
		}
		m.glob = g
	}
	if v := k["sender"]; v != nil {
		m.Sender = p.strs(v, "match.sender")
	}
}

func (p *parser) csv(n *yaml.Node, o *CSVOptions) {
	k := p.keys(n, "csv", "delimiter", "header_row", "encoding", "decimal_comma")
	if v := k["delimiter"]; v != nil {
		d := p.str(v, "csv.delimiter")
		if d == `\t` || d == "tab" {
			d = "\t"
		}
		if r := []rune(d); len(r) != 1 || r[0] == '"' || r[0] == '\n' || r[0] == '\r' {
			p.errf(v, "csv.delimiter", "want one character such as , ; | or tab, got %q", d)
		} else {
			o.Delimiter = r[0]
		}
	}
	if v := k["header_row"]; v != nil {
		if o.HeaderRow = p.integer(v, "csv.header_row"); o.HeaderRow < 0 {
			p.errf(v, "csv.header_row", "want 0 (no header) or a row number")
		}
	}
	if v := k["encoding"]; v != nil {
		o.Encoding = strings.ToLower(p.str(v, "csv.encoding"))
		switch o.Encoding {
		case "utf-8", "utf8", "windows-1252", "cp1252", "iso-8859-1", "latin1":
		default:
			p.errf(v, "csv.encoding", "unknown encoding %q (want utf-8, windows-1252 or iso-8859-1)", o.Encoding)
		}
	}
	if v := k["decimal_comma"]; v != nil {
		o.DecimalComma = p.boolean(v, "csv.decimal_comma")
	}
}

func (p *parser) xlsx(n *yaml.Node, o *XLSXOptions) {
	k := p.keys(n, "xlsx", "sheet", "header_row")
	if v := k["sheet"]; v != nil {
		o.Sheet = p.str(v, "xlsx.sheet")
	}
	if v := k["header_row"]; v != nil {
		if o.HeaderRow = p.integer(v, "xlsx.header_row"); o.HeaderRow < 0 {
			p.errf(v, "xlsx.header_row", "want 0 (no header) or a row number")
		}
	}
}

func (p *parser) fixed(n *yaml.Node, o *FixedOptions) {
	k := p.keys(n, "fixed", "record_length", "record_id", "trailer")
	if v := k["record_length"]; v != nil {
		if o.RecordLength = p.integer(v, "fixed.record_length"); o.RecordLength < 1 {
			p.errf(v, "fixed.record_length", "want a positive length")
		}
	}
	if v := k["record_id"]; v != nil {
		o.RecordID = p.span(v, "fixed.record_id")
	}
	if o.RecordLength > 0 && o.RecordID[1] > o.RecordLength {
		p.errf(k["record_id"], "fixed.record_id", "ends after the record length %d", o.RecordLength)
	}
	if v := k["trailer"]; v != nil {
		t := &TrailerSpec{Counts: map[string][2]int{}}
		kt := p.keys(v, "fixed.trailer", "record", "total_records", "counts", "hash")
		if r := kt["record"]; r == nil {
			p.errf(v, "fixed.trailer.record", "required: the trailer record id")
		} else {
			t.Record = p.str(r, "fixed.trailer.record")
		}
		if r := kt["total_records"]; r != nil {
			t.TotalRecords = p.span(r, "fixed.trailer.total_records")
		}
		if r := kt["counts"]; r != nil {
			if r.Kind != yaml.MappingNode {
				p.errf(r, "fixed.trailer.counts", "want {RECORD_ID: [start, end]}")
			} else {
				for i := 0; i+1 < len(r.Content); i += 2 {
					id := r.Content[i].Value
					t.Counts[id] = p.span(r.Content[i+1], "fixed.trailer.counts."+id)
				}
			}
		}
		if r := kt["hash"]; r != nil {
			h := &HashSpec{}
			kh := p.keys(r, "fixed.trailer.hash", "record", "field", "total")
			for _, key := range []string{"record", "field", "total"} {
				if kh[key] == nil {
					p.errf(r, "fixed.trailer.hash."+key, "required")
				}
			}
			if kh["record"] != nil {
				h.Record = p.str(kh["record"], "fixed.trailer.hash.record")
			}
			if kh["field"] != nil {
				h.Field = p.span(kh["field"], "fixed.trailer.hash.field")
			}
			if kh["total"] != nil {
				h.Total = p.span(kh["total"], "fixed.trailer.hash.total")
			}
			t.Hash = h
		}
		o.Trailer = t
	}
}

func (p *parser) record(n *yaml.Node, path string, format Format) *RecordSpec {
	r := &RecordSpec{line: n.Line}
	k := p.keys(n, path, "kind", "for_each", "skip_when", "fields")
	if v := k["kind"]; v == nil {
		p.errf(n, path+".kind", "required")
	} else {
		r.Kind = clearway.Kind(p.str(v, path+".kind"))
		if !clearway.ValidKind(r.Kind) {
			p.errf(v, path+".kind", "unknown kind %q (want one of %s)", r.Kind, kindList())
		}
	}
	if v := k["for_each"]; v != nil {
		r.ForEach = p.str(v, path+".for_each")
		switch format {
		case FormatX12:
			sel, err := parseSelector(r.ForEach)
			if err != nil {
				p.errf(v, path+".for_each", "%s", err)
			}
			r.forEach = sel
		case FormatFixed:
			r.forEach = segSelector{id: r.ForEach}
		default:
			p.errf(v, path+".for_each", "for_each applies to x12 and fixed files only")
		}
	} else if format == FormatX12 || format == FormatFixed {
		p.errf(n, path+".for_each", "required for %s: the segment or record id that starts each record", format)
	}
	if v := k["skip_when"]; v != nil {
		r.SkipWhen = p.skipWhen(v, path+".skip_when", format)
	}
	v := k["fields"]
	if v == nil || v.Kind != yaml.MappingNode || len(v.Content) == 0 {
		p.errf(n, path+".fields", "required: a map of canonical field to its source")
		return r
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		name := v.Content[i].Value
		fp := path + ".fields." + name
		if r.Kind != "" && clearway.ValidKind(r.Kind) && !clearway.ValidField(r.Kind, name) {
			p.errf(v.Content[i], fp, "unknown field for kind %s (fields: %s)", r.Kind, strings.Join(clearway.Fields(r.Kind), ", "))
			continue
		}
		for _, f := range r.Fields {
			if f.Name == name {
				p.errf(v.Content[i], fp, "field given twice")
			}
		}
		f := p.field(v.Content[i+1], fp, format)
		f.Name = name
		r.Fields = append(r.Fields, f)
		r.names = append(r.names, name)
	}
	r.addAsSent()
	return r
}

func (p *parser) skipWhen(n *yaml.Node, path string, format Format) *SkipWhen {
	k := p.keys(n, path, "column", "col", "element", "pos", "empty", "pattern")
	s := &SkipWhen{}
	p.source(n, k, path, format, &s.src)
	if v := k["empty"]; v != nil {
		s.empty = p.boolean(v, path+".empty")
	}
	if v := k["pattern"]; v != nil {
		s.pattern = p.regex(v, path+".pattern")
	}
	if !s.empty && s.pattern == nil && k["pattern"] == nil {
		p.errf(n, path, "say when to skip: empty: true or pattern: REGEX")
	}
	return s
}

var fieldKeys = []string{"column", "col", "element", "pos", "from", "value", "from_filename", "join",
	"type", "format", "implied_decimals", "transform", "map", "default", "required", "pattern", "timezone"}

func (p *parser) field(n *yaml.Node, path string, format Format) *FieldSpec {
	f := &FieldSpec{line: n.Line, Type: TypeString}
	if n.Kind == yaml.ScalarNode { // shorthand: `currency: USD` is a constant
		p.errf(n, path, "want a map such as {column: \"Header\"} or {value: %q}", n.Value)
		return f
	}
	k := p.keys(n, path, fieldKeys...)
	p.source(n, k, path, format, &f.src)
	if v := k["join"]; v != nil {
		f.src.join = p.str(v, path+".join")
	}
	if v := k["type"]; v != nil {
		f.Type = FieldType(p.str(v, path+".type"))
		if !f.Type.valid() {
			p.errf(v, path+".type", "unknown type %q (want string, int, decimal, date, datetime, hs_code, country or currency)", f.Type)
		}
	}
	if v := k["format"]; v != nil {
		f.Format = p.str(v, path+".format")
		if f.Type != TypeDate && f.Type != TypeDatetime {
			p.errf(v, path+".format", "format applies to type date or datetime")
		} else if lay, err := dateLayout(f.Format); err != nil {
			p.errf(v, path+".format", "%s", err)
		} else {
			f.layout = lay
		}
	}
	if v := k["implied_decimals"]; v != nil {
		f.ImpliedDecimals = p.integer(v, path+".implied_decimals")
		if f.Type != TypeDecimal || f.ImpliedDecimals < 0 || f.ImpliedDecimals > 9 {
			p.errf(v, path+".implied_decimals", "want 0-9 on a decimal field")
		}
	}
	if v := k["transform"]; v != nil {
		for i, t := range p.strs(v, path+".transform") {
			if !slices.Contains([]string{"trim", "upper", "lower", "digits"}, t) {
				p.errf(v, fmt.Sprintf("%s.transform[%d]", path, i), "unknown transform %q (want trim, upper, lower or digits)", t)
			}
			f.Transforms = append(f.Transforms, t)
		}
	}
	if v := k["map"]; v != nil {
		if v.Kind != yaml.MappingNode {
			p.errf(v, path+".map", "want {from: to, …}")
		} else {
			f.Map = map[string]string{}
			for i := 0; i+1 < len(v.Content); i += 2 {
				f.Map[v.Content[i].Value] = p.str(v.Content[i+1], path+".map."+v.Content[i].Value)
			}
		}
	}
	if v := k["default"]; v != nil {
		f.Default, f.hasDefault = p.str(v, path+".default"), true
	}
	if v := k["required"]; v != nil {
		f.Required = p.boolean(v, path+".required")
	}
	if v := k["pattern"]; v != nil {
		f.Pattern = p.regex(v, path+".pattern")
	}
	if v := k["timezone"]; v != nil {
		tz := p.str(v, path+".timezone")
		loc, err := time.LoadLocation(tz)
		if err != nil {
			p.errf(v, path+".timezone", "unknown time zone %q", tz)
		}
		f.loc = loc
	}
	return f
}

// source reads the one source key of a field or skip_when.
func (p *parser) source(n *yaml.Node, k map[string]*yaml.Node, path string, format Format, s *source) {
	var given []string
	for _, key := range []string{"column", "col", "element", "pos", "value", "from_filename"} {
		if k[key] != nil {
			given = append(given, key)
		}
	}
	if k["from"] != nil && k["pos"] == nil {
		p.errf(k["from"], path+".from", "from: RECORD needs pos: [start, end]")
	}
	switch {
	case len(given) == 0:
		p.errf(n, path, "no source: give one of column, col, element, pos, value or from_filename")
		return
	case len(given) > 1:
		p.errf(k[given[1]], path, "two sources (%s): give exactly one", strings.Join(given, " and "))
		return
	}
	key, v := given[0], k[given[0]]
	wrong := func(formats ...Format) bool {
		if slices.Contains(formats, format) {
			return false
		}
		p.errf(v, path+"."+key, "%s does not apply to %s files", key, format)
		return true
	}
	switch key {
	case "column":
		if !wrong(FormatCSV, FormatXLSX) {
			s.kind, s.columns = srcColumn, p.strs(v, path+".column")
		}
	case "col":
		if !wrong(FormatCSV, FormatXLSX) {
			s.kind, s.col = srcCol, p.integer(v, path+".col")
			if s.col < 1 {
				p.errf(v, path+".col", "columns count from 1")
			}
		}
	case "element":
		if !wrong(FormatX12) {
			s.kind = srcElement
			for i, e := range p.strs(v, path+".element") {
				ref, err := parseElementRef(e)
				if err != nil {
					p.errf(v, fmt.Sprintf("%s.element[%d]", path, i), "%s", err)
				}
				s.elements = append(s.elements, ref)
			}
		}
	case "pos":
		if !wrong(FormatFixed) {
			s.kind, s.pos = srcPos, p.spans(v, path+".pos")
			if f := k["from"]; f != nil {
				s.from = p.str(f, path+".from")
			}
		}
	case "value":
		s.kind, s.value = srcValue, p.str(v, path+".value")
	case "from_filename":
		s.kind, s.re = srcFilename, p.regex(v, path+".from_filename")
		if s.re != nil && s.re.NumSubexp() < 1 {
			p.errf(v, path+".from_filename", "the pattern needs a capture group (…) for the value")
		}
	}
}

func kindList() string {
	var s []string
	for _, k := range clearway.Kinds() {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}
