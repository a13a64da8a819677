package x12

import "fmt"

// isaFault is one invalid ISA element and the TA1 code that reports it.
type isaFault struct {
	element int
	code    string
	msg     string
}

// isaRule checks one fixed-length ISA element.
type isaRule struct {
	code  string
	size  int
	valid func(v []byte) bool
	what  string
}

// isaRules are the ISA01–ISA15 checks by element, with the TA1 code of each
// (ISA16 and the delimiters are checked by the Reader).
var isaRules = [15]isaRule{
	{"010", 2, oneOf("00", "03"), "authorization information qualifier"},
	{"011", 10, anyValue, "authorization information"},
	{"012", 2, oneOf("00", "01"), "security information qualifier"},
	{"013", 10, anyValue, "security information"},
	{"005", 2, isQualifier, "sender ID qualifier"},
	{"006", 15, notBlank, "sender ID"},
	{"007", 2, isQualifier, "receiver ID qualifier"},
	{"008", 15, notBlank, "receiver ID"},
	{"014", 6, isYYMMDD, "interchange date (YYMMDD)"},
	{"015", 4, isHHMM, "interchange time (HHMM)"},
	{"016", 1, anyValue, "standards identifier / repetition separator"}, // refined in checkISA
	{"017", 5, allDigits, "interchange version"},
	{"018", 9, allDigits, "interchange control number"},
	{"019", 1, oneOf("0", "1"), "acknowledgment requested flag"},
	{"020", 1, oneOf("P", "T", "I"), "usage indicator"},
}

// checkISA returns the invalid ISA elements of s, whose delimiters are d.
// Lengths are exact: the ISA is a fixed-length segment.
func checkISA(s *Segment, d Delimiters) []isaFault {
	var faults []isaFault
	for i, rule := range isaRules {
		n := i + 1
		v := s.Element(n)
		switch {
		case len(v) != rule.size:
			faults = append(faults, isaFault{n, rule.code, fmt.Sprintf("ISA%02d %s %q is %d characters, want %d", n, rule.what, v, len(v), rule.size)})
		case !rule.valid(v):
			faults = append(faults, isaFault{n, rule.code, fmt.Sprintf("ISA%02d %s %q is not valid", n, rule.what, v)})
		case n == 11 && string(v) != "U" && d.Repetition == 0:
			faults = append(faults, isaFault{n, rule.code, fmt.Sprintf("ISA11 %q is neither U nor a repetition separator valid for version %q", v, s.Element(12))})
		}
	}
	return faults
}

func anyValue([]byte) bool { return true }

func oneOf(values ...string) func([]byte) bool {
	return func(v []byte) bool {
		for _, w := range values {
			if string(v) == w {
				return true
			}
		}
		return false
	}
}

// isQualifier accepts two letters or digits: the ID qualifier code list
// grows between versions, so its shape is checked rather than its value.
func isQualifier(v []byte) bool {
	for _, c := range v {
		if !isAlnum(c) {
			return false
		}
	}
	return true
}

func notBlank(v []byte) bool {
	for _, c := range v {
		if c != ' ' {
			return true
		}
	}
	return false
}

func isYYMMDD(v []byte) bool {
	if !allDigits(v) {
		return false
	}
	yy, mm, dd := twoDigits(v[0:2]), twoDigits(v[2:4]), twoDigits(v[4:6])
	days := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if mm < 1 || mm > 12 || dd < 1 || dd > days[mm] {
		return false
	}
	return mm != 2 || dd < 29 || yy%4 == 0
}

func isHHMM(v []byte) bool {
	return allDigits(v) && twoDigits(v[0:2]) < 24 && twoDigits(v[2:4]) < 60
}

func twoDigits(v []byte) int {
	return int(v[0]-'0')*10 + int(v[1]-'0')
}
