package codelist

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

var normalizeHSTests = []struct {
	name    string
	raw     string
	numeric bool
	want    string // "" means an error
	repair  bool
	errHas  string // part of the error message
}{
	// DOMAIN.md §1.2 formatting variants.
	{name: "7501Style", raw: "8471.30.0100", want: "8471300100"},
	{name: "USITCJSONStyle", raw: "0101.21.00.10", want: "0101210010"},
	{name: "PlainDigits", raw: "8471300100", want: "8471300100"},
	{name: "EUSpaces10", raw: "8471 30 01 00", want: "8471300100"},
	{name: "EUSpaces8", raw: "8471 30 00", want: "84713000"},
	{name: "Hyphens", raw: "8471-30-0100", want: "8471300100"},
	{name: "SixDigitsDotted", raw: "8471.30", want: "847130"},
	{name: "SurroundingBlanks", raw: " \t8471.30.01\r\n", want: "84713001"},
	{name: "NoBreakSpaces", raw: "8471\u00a030\u00a000", want: "84713000"},
	{name: "TrailingText", raw: "8471.30.0100 (laptops)", want: "8471300100"},
	{name: "TrailingTextNoBlank", raw: "8471.30.0100(laptops)", want: "8471300100"},
	{name: "TrailingTextDash", raw: "8471.30.0100 - laptops, 15 inch", want: "8471300100"},
	{name: "TrailingTextSmallNumber", raw: "847130 laptops 2 pcs", want: "847130"},
	{name: "TrailingTextLowerCase", raw: "8471.30 portable computers", want: "847130"},
	{name: "Chapter99Beside", raw: "9903.88.15 + 8471.30.0100", errHas: `another number "8471.30.0100"`},
	{name: "Chapter99After", raw: "8471.30.0100 + 9903.88.15", errHas: `another number "9903.88.15"`},
	{name: "TwoCodesComma", raw: "8471.30,8473.30", errHas: `unexpected ','`},
	{name: "TrailingYear", raw: "847130 model 2024", errHas: "another number"},

	// Lost leading zero: repaired only for numeric cells.
	{name: "LostZero6Text", raw: "101210", want: "101210"}, // looks fine; HSExists catches it
	{name: "LostZero5Numeric", raw: "10121", numeric: true, want: "010121", repair: true},
	{name: "LostZero5Text", raw: "10121", errHas: "5 digits"},
	{name: "LostZero7Numeric", raw: "1012100", numeric: true, want: "01012100", repair: true},
	{name: "LostZero9Numeric", raw: "101210010", numeric: true, want: "0101210010", repair: true},
	{name: "LostZero9Text", raw: "101210010", errHas: "only for numeric cells"},
	{name: "LostZeroNumericTrailingText", raw: "10121 (horses)", numeric: true, errHas: "5 digits"},
	{name: "NumericNotRepairedWhenComplete", raw: "847130", numeric: true, want: "847130"},
	{name: "NumericHeadingOnly", raw: "101", numeric: true, errHas: "3 digits"},
	{name: "NumericFloat", raw: "8471300100.0", numeric: true, errHas: "11 digits"},
	{name: "NumericExponent", raw: "8.4713E+09", numeric: true, errHas: `unexpected 'E'`},

	// Lengths.
	{name: "Heading", raw: "8471", errHas: "4 digits"},
	{name: "TwelveDigits", raw: "847130010012", errHas: "12 digits"},

	// Chapters.
	{name: "Chapter01", raw: "010121", want: "010121"},
	{name: "Chapter97", raw: "9706.10", want: "970610"},
	{name: "Chapter00", raw: "0012.34", errHas: "chapter 00"},
	{name: "Chapter77", raw: "7701.00", errHas: "chapter 77"},
	{name: "Chapter98", raw: "9801.00.10", errHas: "chapter 98"},
	{name: "Chapter99", raw: "9903.88.15", errHas: "chapter 99"},
	{name: "Chapter77Repaired", raw: "77010", numeric: true, want: "077010", repair: true},

	// Not a code.
	{name: "Empty", raw: "", errHas: "empty"},
	{name: "Blank", raw: "   ", errHas: "empty"},
	{name: "NA", raw: "N/A", errHas: "does not start with digits"},
	{name: "Prefix", raw: "HS 8471.30", errHas: "does not start with digits"},
	{name: "OnlySeparators", raw: "..-", errHas: "does not start with digits"},
	{name: "LetterO", raw: "8471.3O.0100", errHas: `unexpected 'O'`},
	{name: "LetterOGlued", raw: "847130O100", errHas: `unexpected 'O'`},
	{name: "Slash", raw: "8471/30", errHas: `unexpected '/'`},
}

func TestNormalizeHS(t *testing.T) {
	for _, tt := range normalizeHSTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeHS(tt.raw, tt.numeric)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("NormalizeHS(%q, %v) = %+v, want an error", tt.raw, tt.numeric, got)
				}
				if !errors.Is(err, ErrHSSyntax) {
					t.Errorf("got %v, want it to wrap ErrHSSyntax", err)
				}
				msg := err.Error()
				if !strings.Contains(msg, strconv.Quote(tt.raw)) {
					t.Errorf("got %q, want it to name the value %q", msg, tt.raw)
				}
				if !strings.Contains(msg, tt.errHas) {
					t.Errorf("got %q, want it to contain %q", msg, tt.errHas)
				}
				if strings.Contains(msg, "\n") {
					t.Errorf("got %q, want one line", msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("NormalizeHS(%q, %v): %v", tt.raw, tt.numeric, err)
			}
			want := HSResult{Code: tt.want, Repaired: tt.repair}
			if got != want {
				t.Errorf("NormalizeHS(%q, %v) = %+v, want %+v", tt.raw, tt.numeric, got, want)
			}
		})
	}
}

func TestNormalizeHSLongValueShortened(t *testing.T) {
	raw := "X" + strings.Repeat("é", 200)
	_, err := NormalizeHS(raw, false)
	if err == nil {
		t.Fatal("got nil error, want one")
	}
	if n := len(err.Error()); n > 150 {
		t.Errorf("got a %d-byte message, want it shortened: %q", n, err)
	}
}

func TestHSExists(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"010121", true},
		{"847130", true},
		{"8471300100", true},
		{"97061000", true},
		{"999999", false},
		{"990388", false},
		{"101210", false}, // 010121 with its leading zero lost and a zero appended
		{"847100", false},
		{"8471", false},
		{"", false},
		{"8471.30", false}, // not canonical
	}
	for _, tt := range tests {
		if got := HSExists(tt.code); got != tt.want {
			t.Errorf("HSExists(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestHeadingExists(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"0101", true},
		{"8471", true},
		{"847130", true},
		{"9999", false},
		{"7701", false},
		{"0847", false},
		{"847", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := HeadingExists(tt.code); got != tt.want {
			t.Errorf("HeadingExists(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

// TestHSCounts pins the size of the embedded HS 2022 list (DOMAIN.md §1.1).
func TestHSCounts(t *testing.T) {
	var headings, subheadings int
	for code := range hsCodes() {
		switch len(code) {
		case 4:
			headings++
		case 6:
			subheadings++
		default:
			t.Errorf("unexpected code %q", code)
		}
	}
	if subheadings != 5612 {
		t.Errorf("got %d subheadings, want 5612", subheadings)
	}
	if headings != 1228 {
		t.Errorf("got %d headings, want 1228", headings)
	}
	if n := strings.Count(hsFile, "\n"); n != 5612+1228 {
		t.Errorf("got %d lines in hs2022.txt, want %d", n, 5612+1228)
	}
	for code := range hsCodes() {
		if len(code) == 6 && !HeadingExists(code) {
			t.Errorf("subheading %s has no heading", code)
		}
	}
}

func FuzzNormalizeHS(f *testing.F) {
	for _, tt := range normalizeHSTests {
		f.Add(tt.raw, tt.numeric)
	}
	f.Fuzz(func(t *testing.T, raw string, numeric bool) {
		got, err := NormalizeHS(raw, numeric)
		if err != nil {
			if !errors.Is(err, ErrHSSyntax) {
				t.Fatalf("NormalizeHS(%q): error %v does not wrap ErrHSSyntax", raw, err)
			}
			return
		}
		switch len(got.Code) {
		case 6, 8, 10:
		default:
			t.Fatalf("NormalizeHS(%q) = %q: bad length", raw, got.Code)
		}
		if strings.Trim(got.Code, "0123456789") != "" {
			t.Fatalf("NormalizeHS(%q) = %q: not digits", raw, got.Code)
		}
		if ch := got.Code[:2]; ch == "00" || ch == "77" || ch >= "98" {
			t.Fatalf("NormalizeHS(%q) = %q: bad chapter", raw, got.Code)
		}
		if got.Repaired && !numeric {
			t.Fatalf("NormalizeHS(%q, false) repaired", raw)
		}
		// The canonical form is a fixed point.
		again, err := NormalizeHS(got.Code, false)
		if err != nil || again != (HSResult{Code: got.Code}) {
			t.Fatalf("NormalizeHS(%q) = %+v, %v; want it unchanged", got.Code, again, err)
		}
	})
}

func BenchmarkNormalizeHS(b *testing.B) {
	const raw = "8471.30.0100 (laptops)"
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := NormalizeHS(raw, false); err != nil {
			b.Fatal(err)
		}
	}
}
