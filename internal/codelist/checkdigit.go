package codelist

import (
	"strings"
	"unicode"
)

// compactID upper-cases s and removes blanks and hyphens, the separators
// identifiers are printed with ("CSQU 305438 3", "589-81140743").
func compactID(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }

// iso6346Value is the ISO 6346 value of a letter: A=10 upwards, skipping
// multiples of 11 (A10 B12 … K21 L23 … U32 V34 … Z38).
func iso6346Value(b byte) int {
	v := 10
	for c := byte('A'); c < b; c++ {
		v++
		if v%11 == 0 {
			v++
		}
	}
	return v
}

// ContainerCheckDigitValid reports whether s is an ISO 6346 container
// number with a correct check digit (rule CONTAINER_CHECK_DIGIT): owner code
// of three letters, category U, J or Z, six-digit serial, check digit, as in
// "CSQU3054383". Case, blanks and hyphens are ignored. When the computed
// remainder is 10 the check digit is 0, which is accepted (DOMAIN.md §6).
func ContainerCheckDigitValid(s string) bool {
	s = compactID(s)
	if len(s) != 11 {
		return false
	}
	for i := range 3 {
		if !isUpper(s[i]) {
			return false
		}
	}
	if s[3] != 'U' && s[3] != 'J' && s[3] != 'Z' {
		return false
	}
	for i := 4; i < 11; i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	sum := 0
	for i := range 10 {
		v := int(s[i] - '0')
		if isUpper(s[i]) {
			v = iso6346Value(s[i])
		}
		sum += v << i
	}
	return sum%11%10 == int(s[10]-'0')
}

// AWBCheckDigitValid reports whether s is an IATA air waybill number with a
// correct check digit (rule AWB_CHECK_DIGIT): a three-digit airline prefix
// and an eight-digit serial whose last digit is the first seven modulo 7,
// as in "589-81140743". Blanks and hyphens are ignored. The prefix is not
// checked against the (IATA-owned) airline list.
func AWBCheckDigitValid(s string) bool {
	s = compactID(s)
	if len(s) != 11 {
		return false
	}
	serial := 0
	for i := range 11 {
		if !isDigit(s[i]) {
			return false
		}
		if i >= 3 && i < 10 {
			serial = serial*10 + int(s[i]-'0')
		}
	}
	return serial%7 == int(s[10]-'0')
}

// EntryNumberCheckDigitValid reports whether s is a CBP entry number with a
// correct check digit (rule ENTRY_CHECK_DIGIT, a warning until confirmed on
// real entries): a three-character filer code, a seven-digit transaction
// number and a check digit, printed "XXX-NNNNNNN-C", as in "ABC-1234567-6".
// Case, blanks and hyphens are ignored.
//
// The check digit is the mod-10 scheme of DOMAIN.md §6: letters become
// digits (A–I 1–9, J–R 1–9, S–Z 2–9), positions 2, 4, 6, 8 and 10 are
// doubled with the digits of the product summed, and the check digit is
// (10 − sum mod 10) mod 10.
func EntryNumberCheckDigitValid(s string) bool {
	s = compactID(s)
	if len(s) != 11 {
		return false
	}
	sum := 0
	for i := range 10 {
		var v int
		switch c := s[i]; {
		case isDigit(c):
			v = int(c - '0')
		case i < 3 && c >= 'A' && c <= 'I':
			v = int(c-'A') + 1
		case i < 3 && c >= 'J' && c <= 'R':
			v = int(c-'J') + 1
		case i < 3 && c >= 'S' && c <= 'Z':
			v = int(c-'S') + 2
		default:
			return false
		}
		if i%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	if !isDigit(s[10]) {
		return false
	}
	return (10-sum%10)%10 == int(s[10]-'0')
}

// SCACValid reports whether s has the syntax of a Standard Carrier Alpha
// Code: two to four letters, in any case, with surrounding blanks ignored
// (rule SCAC_INVALID). It does not check that the code is assigned, nor
// that it names a carrier: four-letter codes ending in U, X or Z belong to
// container, railcar and chassis owners, which a validator should flag in
// a B/L carrier field.
func SCACValid(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 2 || len(s) > 4 {
		return false
	}
	for i := range len(s) {
		if !isUpper(s[i]) && !(s[i] >= 'a' && s[i] <= 'z') {
			return false
		}
	}
	return true
}
