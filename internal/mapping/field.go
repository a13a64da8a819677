package mapping

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/clearway/clearway/internal/codelist"
)

// FieldType is how a field's text is checked and normalised.
type FieldType string

// The field types of PRODUCT.md §7.
const (
	TypeString   FieldType = "string"
	TypeInt      FieldType = "int"
	TypeDecimal  FieldType = "decimal"
	TypeDate     FieldType = "date"
	TypeDatetime FieldType = "datetime"
	TypeHSCode   FieldType = "hs_code"
	TypeCountry  FieldType = "country"
	TypeCurrency FieldType = "currency"
)

func (t FieldType) valid() bool {
	switch t {
	case TypeString, TypeInt, TypeDecimal, TypeDate, TypeDatetime, TypeHSCode, TypeCountry, TypeCurrency:
		return true
	}
	return false
}

// FieldSpec is one field of a record: where its value comes from and how it
// is checked.
type FieldSpec struct {
	Name            string
	Type            FieldType
	Format          string
	ImpliedDecimals int
	Transforms      []string
	Map             map[string]string
	Default         string
	Required        bool
	Pattern         *regexp.Regexp

	src        source
	layout     string // Go time layout from Format
	loc        *time.Location
	hasDefault bool
	line       int
}

type sourceKind int

const (
	srcNone sourceKind = iota
	srcColumn
	srcCol
	srcElement
	srcPos
	srcValue
	srcFilename
)

// source is where a value comes from in the input.
type source struct {
	kind     sourceKind
	columns  []string
	col      int
	elements []elementRef
	pos      [][2]int
	from     string // fixed: read pos from the nearest preceding record of this id
	value    string
	re       *regexp.Regexp
	join     string
}

// elementRef is an X12 element reference: SEG.NN, SEG[QUAL].NN, SEG.NN.MM.
type elementRef struct {
	sel  segSelector
	elem int
	comp int // 0: the whole element
	text string
}

var elementRE = regexp.MustCompile(`^([A-Z][A-Z0-9]{1,2})(?:\[([A-Za-z0-9 ]+)\])?\.(\d{1,2})(?:\.(\d{1,2}))?$`)

func parseElementRef(s string) (elementRef, error) {
	m := elementRE.FindStringSubmatch(s)
	if m == nil {
		return elementRef{}, fmt.Errorf("bad element reference %q (want SEG.NN, SEG[QUAL].NN or SEG.NN.MM, e.g. X4.07, REF[BM].02)", s)
	}
	e, _ := strconv.Atoi(m[3])
	c := 0
	if m[4] != "" {
		c, _ = strconv.Atoi(m[4])
	}
	if e < 1 || (m[4] != "" && c < 1) {
		return elementRef{}, fmt.Errorf("bad element reference %q: elements and components count from 1", s)
	}
	return elementRef{sel: segSelector{id: m[1], qual: m[2]}, elem: e, comp: c, text: s}, nil
}

var selectorRE = regexp.MustCompile(`^([A-Z][A-Z0-9]{1,2})(?:\[([A-Za-z0-9 ]+)\])?$`)

func parseSelector(s string) (segSelector, error) {
	m := selectorRE.FindStringSubmatch(s)
	if m == nil {
		return segSelector{}, fmt.Errorf("bad segment %q (want an id such as X4, or qualified: HL[I], N1[ST])", s)
	}
	return segSelector{id: m[1], qual: m[2]}, nil
}

func (s segSelector) String() string {
	if s.qual == "" {
		return s.id
	}
	return s.id + "[" + s.qual + "]"
}

// dateLayout turns a pattern of YYYY YY MM DD HH mm ss into a Go layout.
func dateLayout(pattern string) (string, error) {
	replacer := []struct{ tok, layout string }{
		{"YYYY", "2006"}, {"YY", "06"}, {"MM", "01"}, {"DD", "02"}, {"HH", "15"}, {"mm", "04"}, {"ss", "05"},
	}
	var b strings.Builder
	seen := map[string]bool{}
	for i := 0; i < len(pattern); {
		matched := false
		for _, r := range replacer {
			if strings.HasPrefix(pattern[i:], r.tok) {
				b.WriteString(r.layout)
				seen[r.tok] = true
				i += len(r.tok)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		c := rune(pattern[i])
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			return "", fmt.Errorf("bad date pattern %q at %q: use the tokens YYYY YY MM DD HH mm ss", pattern, pattern[i:])
		}
		b.WriteByte(pattern[i])
		i++
	}
	if !(seen["YYYY"] || seen["YY"]) || !seen["MM"] || !seen["DD"] {
		return "", fmt.Errorf("bad date pattern %q: it needs a year, month and day (YYYY or YY, MM, DD)", pattern)
	}
	return b.String(), nil
}

// cellValue is a raw value from the input with what the reader knows of it.
type cellValue struct {
	text    string
	numeric bool      // a spreadsheet number cell (or, for hs_code, a CSV value of bare digits)
	date    time.Time // a real spreadsheet date cell
	isDate  bool
}

// errFieldEmpty marks a required field without a value.
var errFieldEmpty = errors.New("required value is missing")

// convert runs the value pipeline for one field. It returns the canonical
// text ("" for absent) and a plain-language problem with a hint.
func (f *FieldSpec) convert(v cellValue, decimalComma bool) (string, string, error) {
	s := strings.TrimSpace(v.text)
	for _, t := range f.Transforms {
		switch t {
		case "upper":
			s = strings.ToUpper(s)
		case "lower":
			s = strings.ToLower(s)
		case "digits":
			s = keepDigits(s)
		case "trim":
			s = strings.TrimSpace(s)
		}
	}
	if f.Map != nil {
		if to, ok := f.Map[s]; ok {
			s = to
		}
	}
	if s == "" && !v.isDate {
		if f.hasDefault {
			s = f.Default
		} else if f.Required {
			return "", "fill in this value", errFieldEmpty
		} else {
			return "", "", nil
		}
	}
	out, hint, err := f.typed(s, v, decimalComma)
	if err != nil {
		return "", hint, err
	}
	if f.Pattern != nil && !f.Pattern.MatchString(out) {
		return "", "check the value's format", fmt.Errorf("does not match the expected pattern %s", f.Pattern)
	}
	return out, "", nil
}

func (f *FieldSpec) typed(s string, v cellValue, decimalComma bool) (string, string, error) {
	switch f.Type {
	case TypeString, "":
		return s, "", nil
	case TypeInt:
		n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
		if err != nil {
			// A spreadsheet number like "3.0" is still a whole number.
			if d, ok := normalizeDecimal(s, false); ok && !strings.Contains(d, ".") {
				return d, "", nil
			}
			return "", "write digits only, e.g. 3", errors.New("not a whole number")
		}
		return strconv.FormatInt(n, 10), "", nil
	case TypeDecimal:
		d, ok := normalizeDecimal(s, decimalComma)
		if !ok {
			hint := "write a number such as 1234.56"
			if decimalComma {
				hint = "write a number such as 1.234,56"
			}
			return "", hint, errors.New("not a number")
		}
		if f.ImpliedDecimals > 0 {
			d = shiftDecimal(d, f.ImpliedDecimals)
		}
		return d, "", nil
	case TypeDate, TypeDatetime:
		return f.parseTime(s, v)
	case TypeHSCode:
		res, err := codelist.NormalizeHS(s, v.numeric)
		if err != nil {
			return "", "give the HS/HTS number as 6, 8 or 10 digits, e.g. 8471.30.0100", errors.New(strings.TrimPrefix(err.Error(), "codelist: "))
		}
		return res.Code, "", nil
	case TypeCountry:
		c, ok := codelist.Country(s)
		if !ok {
			return "", "use the two-letter code, e.g. CN, DE, US", errors.New("not an ISO 3166-1 country code")
		}
		return c, "", nil
	case TypeCurrency:
		c, ok := codelist.Currency(strings.ToUpper(s))
		if !ok {
			return "", "use the three-letter code, e.g. USD, EUR, CNY", errors.New("not an ISO 4217 currency code")
		}
		return c.Code, "", nil
	}
	return s, "", nil
}

func (f *FieldSpec) parseTime(s string, v cellValue) (string, string, error) {
	loc := f.loc
	if loc == nil {
		loc = time.UTC
	}
	var t time.Time
	switch {
	case v.isDate:
		t = time.Date(v.date.Year(), v.date.Month(), v.date.Day(), v.date.Hour(), v.date.Minute(), v.date.Second(), 0, loc)
	case f.layout != "":
		var err error
		if t, err = time.ParseInLocation(f.layout, s, loc); err != nil {
			return "", "write the date as " + f.Format, fmt.Errorf("not a date in the format %s", f.Format)
		}
	default:
		var err error
		if t, err = parseISOTime(s, loc); err != nil {
			return "", "write the date as YYYY-MM-DD (or set format: in the mapping)", errors.New("not a date")
		}
	}
	if f.Type == TypeDate {
		return t.Format("2006-01-02"), "", nil
	}
	return t.UTC().Format(time.RFC3339), "", nil
}

func parseISOTime(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not a date")
}

// normalizeDecimal writes a number in plain decimal notation: no thousands
// separators, no exponent, no trailing zeros ("1,234.50" → "1234.5").
func normalizeDecimal(s string, decimalComma bool) (string, bool) {
	s = strings.TrimSpace(s)
	if plainDecimal(s) {
		return s, true // the common case, without allocating
	}
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	case strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")"): // accounting negative
		neg, s = true, s[1:len(s)-1]
	}
	point, group := byte('.'), byte(',')
	if decimalComma {
		point, group = ',', '.'
	}
	var intPart, frac []byte
	seenPoint, digits := false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			if seenPoint {
				frac = append(frac, c)
			} else {
				intPart = append(intPart, c)
			}
		case c == point && !seenPoint:
			seenPoint = true
		case (c == group || c == ' ' || c == '\'') && !seenPoint:
		case (c == 'e' || c == 'E') && !decimalComma:
			// Spreadsheet exponent form ("1.2E+05"): let strconv do it exactly.
			return normalizeExponent(s, neg)
		default:
			return "", false
		}
	}
	if digits == 0 {
		return "", false
	}
	return formatDecimal(string(intPart), string(frac), neg), true
}

// plainDecimal reports whether s is already in canonical form: digits, at
// most one '.', no superfluous zeros, no sign.
func plainDecimal(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	dot := -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.' && dot < 0:
			dot = i
		case c < '0' || c > '9':
			return false
		}
	}
	if s[0] == '0' && len(s) > 1 && dot != 1 { // "007", but "0.5" is fine
		return false
	}
	return dot < 0 || s[len(s)-1] != '0'
}

func normalizeExponent(s string, neg bool) (string, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return "", false
	}
	text := strconv.FormatFloat(f, 'f', -1, 64)
	ip, fp, _ := strings.Cut(text, ".")
	return formatDecimal(ip, fp, neg), true
}

func formatDecimal(ip, fp string, neg bool) string {
	ip = strings.TrimLeft(ip, "0")
	fp = strings.TrimRight(fp, "0")
	if ip == "" {
		ip = "0"
	}
	out := ip
	if fp != "" {
		out += "." + fp
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}

// shiftDecimal moves the decimal point n places left: implied decimals.
func shiftDecimal(d string, n int) string {
	neg := strings.HasPrefix(d, "-")
	d = strings.TrimPrefix(d, "-")
	ip, fp, _ := strings.Cut(d, ".")
	for len(ip) <= n {
		ip = "0" + ip
	}
	return formatDecimal(ip[:len(ip)-n], ip[len(ip)-n:]+fp, neg)
}

// isDigits reports whether s is one or more ASCII digits and nothing else.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func keepDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// compileGlob turns a path glob into a regexp: * within one folder level,
// ** across levels, ?, [abc]. Matching is case-insensitive: partners send
// .CSV as often as .csv.
func compileGlob(glob string) (*regexp.Regexp, error) {
	if glob == "" {
		return nil, errors.New("empty glob")
	}
	var b strings.Builder
	b.WriteString("(?i)^")
	for i := 0; i < len(glob); i++ {
		c := glob[i]
		switch c {
		case '*':
			if i+1 < len(glob) && glob[i+1] == '*' {
				i++
				if i+1 < len(glob) && glob[i+1] == '/' { // "**/" also matches no folder
					i++
					b.WriteString("(?:.*/)?")
				} else {
					b.WriteString(".*")
				}
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			j := strings.IndexByte(glob[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("bad glob %q: unclosed [", glob)
			}
			class := glob[i+1 : i+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + class + "]")
			i += j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// Matches reports whether the mapping reads the file at the partner-relative
// path (e.g. "inbox/invoices/INV-1.xlsx").
func (m *Mapping) Matches(path string) bool {
	return m.Match.glob != nil && m.Match.glob.MatchString(strings.TrimPrefix(path, "/"))
}
