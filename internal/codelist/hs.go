package codelist

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// ErrHSSyntax is wrapped by every error NormalizeHS returns: the value is not
// a usable HS code (rule HS_SYNTAX).
var ErrHSSyntax = errors.New("invalid HS code")

// HSResult is a normalised HS code.
type HSResult struct {
	// Code is 6, 8 or 10 digits with no separators, such as "8471300100".
	Code string
	// Repaired reports that a lost leading zero was restored: the value had
	// 5, 7 or 9 digits and came from a numeric cell (rule
	// HS_LEADING_ZERO_REPAIRED, a warning).
	Repaired bool
}

// NormalizeHS turns an HS/HTS code as partners write it into its canonical
// digits, applying DOMAIN.md §1.3 steps 1–3. numericSource reports that the
// value came from a numeric cell (Excel number, number-typed CSV/JSON
// column), the only case in which a lost leading zero is repaired.
//
// Accepted: "8471.30.0100", "0101.21.00.10", "8471300100", "8471 30 01 00",
// "8471-30-0100", surrounding blanks, and a code followed by descriptive
// text such as "8471.30.0100 (laptops)". Trailing text must be set off by a
// blank or start with "(" or "[", and must not hold another number of four
// or more digits: "9903.88.15 + 8471.30.0100" is an error rather than a
// silent choice between two codes, and "847130O100" (letter O) is an error
// rather than "847130".
//
// Rejected with an error wrapping ErrHSSyntax: anything that is not digits
// after removing blanks, dots and hyphens; a length other than 6, 8 or 10
// (5, 7 or 9 only for numericSource, without trailing text); chapter 00, 77
// (reserved) and the national-use chapters 98 and 99, which may accompany
// but never replace a chapter 01–97 number. Whether the code exists is
// HSExists's job.
func NormalizeHS(raw string, numericSource bool) (HSResult, error) {
	s := strings.ToUpper(strings.TrimSpace(raw))
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\u00a0', '\u202f', '\u2007': // no-break spaces from spreadsheets
			return ' '
		}
		return r
	}, s)
	if s == "" {
		return HSResult{}, hsError(raw, "empty")
	}

	// Step 1: the leading run of digits and separators is the code; what
	// follows is descriptive text, checked below.
	end := 0
	for end < len(s) && isHSCodeByte(s[end]) {
		end++
	}
	code, rest := s[:end], s[end:]
	digits := strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' || r == '-' {
			return -1
		}
		return r
	}, code)
	if digits == "" {
		return HSResult{}, hsError(raw, "does not start with digits")
	}
	if rest != "" {
		next, _ := utf8.DecodeRuneInString(rest)
		if !strings.HasSuffix(code, " ") && !unicode.IsSpace(next) && next != '(' && next != '[' {
			return HSResult{}, hsError(raw, fmt.Sprintf("unexpected %q after the digits", next))
		}
		if n := numberIn(rest); n != "" {
			return HSResult{}, hsError(raw, fmt.Sprintf("text after the code holds another number %q; give one code per field", n))
		}
	}

	// Step 2: length.
	repaired := false
	switch n := len(digits); n {
	case 6, 8, 10:
	case 5, 7, 9:
		if !numericSource || rest != "" {
			return HSResult{}, hsError(raw, fmt.Sprintf("%d digits, want 6, 8 or 10 (a lost leading zero is repaired only for numeric cells)", n))
		}
		digits, repaired = "0"+digits, true
	default:
		return HSResult{}, hsError(raw, fmt.Sprintf("%d digits, want 6, 8 or 10", n))
	}

	// Step 3: chapter.
	switch ch := digits[:2]; {
	case ch == "00":
		return HSResult{}, hsError(raw, "chapter 00 does not exist (want 01–97)")
	case ch == "77":
		return HSResult{}, hsError(raw, "chapter 77 is reserved and unused")
	case ch == "98" || ch == "99":
		return HSResult{}, hsError(raw, fmt.Sprintf("chapter %s is a national-use chapter; the primary code must be in chapters 01–97", ch))
	}
	return HSResult{Code: digits, Repaired: repaired}, nil
}

// isHSCodeByte reports whether b may appear in the code part of a value:
// a digit or one of the separators of DOMAIN.md §1.3 step 1.
func isHSCodeByte(b byte) bool {
	return b >= '0' && b <= '9' || b == ' ' || b == '.' || b == '-'
}

// numberIn returns the first run of four or more digits, possibly
// split by dots or hyphens, in s ("9903.88.15"), or "".
func numberIn(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			continue
		}
		j, n := i, 0
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == '-') {
			if s[j] != '.' && s[j] != '-' {
				n++
			}
			j++
		}
		if n >= 4 {
			return strings.TrimRight(s[i:j], ".-")
		}
		i = j
	}
	return ""
}

// hsError formats a one-line error naming the value as given, shortened if
// it is long.
func hsError(raw, why string) error {
	return fmt.Errorf("%w %q: %s", ErrHSSyntax, shorten(raw, 60), why)
}

// shorten cuts s to at most n bytes on a rune boundary, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// hsCodes is the set of HS 2022 headings (4 digits) and subheadings (6
// digits) from hs2022.txt, parsed on first use.
var hsCodes = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 7000)
	for line := range strings.Lines(hsFile) {
		code := strings.TrimSuffix(line, "\n")
		if (len(code) != 4 && len(code) != 6) || strings.Trim(code, "0123456789") != "" {
			panic(fmt.Sprintf("codelist: embedded hs2022.txt: bad line %q", code))
		}
		m[code] = struct{}{}
	}
	return m
})

// HSExists reports whether the first six digits of code, a canonical code
// from NormalizeHS, are a subheading of HS 2022 (rule HS_UNKNOWN). The
// national 8- and 10-digit extensions are not checked.
func HSExists(code string) bool {
	if len(code) < 6 {
		return false
	}
	_, ok := hsCodes()[code[:6]]
	return ok
}

// HeadingExists reports whether the first four digits of code, a canonical
// code from NormalizeHS, are a heading of HS 2022.
func HeadingExists(code string) bool {
	if len(code) < 4 {
		return false
	}
	_, ok := hsCodes()[code[:4]]
	return ok
}
