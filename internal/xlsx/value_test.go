package xlsx

import (
	"testing"
	"time"
)

func TestSerialTime(t *testing.T) {
	d := func(y int, m time.Month, day, h, min, s, ms int) time.Time {
		return time.Date(y, m, day, h, min, s, ms*1e6, time.UTC)
	}
	tests := []struct {
		serial   float64
		date1904 bool
		want     time.Time
		ok       bool
	}{
		{0, false, d(1899, 12, 31, 0, 0, 0, 0), true}, // Excel's 1900-01-00
		{0.5, false, d(1899, 12, 31, 12, 0, 0, 0), true},
		{1, false, d(1900, 1, 1, 0, 0, 0, 0), true},
		{59, false, d(1900, 2, 28, 0, 0, 0, 0), true},
		{60, false, time.Time{}, false}, // 1900-02-29 never existed
		{61, false, d(1900, 3, 1, 0, 0, 0, 0), true},
		{45356, false, d(2024, 3, 5, 0, 0, 0, 0), true},
		{45356.604166666664, false, d(2024, 3, 5, 14, 30, 0, 0), true},
		{45356.9999999999, false, d(2024, 3, 6, 0, 0, 0, 0), true}, // rounds into the next day
		{45356.0000058, false, d(2024, 3, 5, 0, 0, 0, 501), true},
		{2958465, false, d(9999, 12, 31, 0, 0, 0, 0), true},
		{2958466, false, time.Time{}, false},
		{-1, false, time.Time{}, false},
		{0, true, d(1904, 1, 1, 0, 0, 0, 0), true},
		{43894, true, d(2024, 3, 5, 0, 0, 0, 0), true},
		{60, true, d(1904, 3, 1, 0, 0, 0, 0), true},
		{2957003, true, d(9999, 12, 31, 0, 0, 0, 0), true},
		{2957004, true, time.Time{}, false},
	}
	for _, tc := range tests {
		got, ok := serialTime(tc.serial, tc.date1904)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("serialTime(%v, 1904=%v): got %v %v, want %v %v", tc.serial, tc.date1904, got, ok, tc.want, tc.ok)
		}
	}
}

func TestClassifyFormat(t *testing.T) {
	tests := []struct {
		code string
		want uint8
	}{
		{"General", 0},
		{"0.00", 0},
		{"#,##0.00", 0},
		{`#,##0 "pcs"`, 0},
		{`0.00" kg"`, 0},
		{`"Days: "0`, 0},
		{"[Red]0.00;[Blue]-0.00", 0},
		{`#,##0.00_);[Red]\(#,##0.00\)`, 0},
		{"0.00E+00", 0},
		{"[$USD] #,##0.00", 0},
		{"@", 0},
		{`\h0`, 0},
		{"_m0", 0},
		{"*s0", 0},
		{"0000000000", 0},
		{"yyyy-mm-dd", fmtDate},
		{"dd/mm/yyyy", fmtDate},
		{"m/d/yy", fmtDate},
		{"MMM-YY", fmtDate},
		{`[$-409]d\-mmm\-yy;@`, fmtDate},
		{`[$-F800]dddd\,\ mmmm\ dd\,\ yyyy`, fmtDate},
		{`yyyy"年"m"月"d"日"`, fmtDate},
		{"yyyy-mm-dd hh:mm", fmtDate | fmtTime},
		{"h:mm AM/PM", fmtDate | fmtTime},
		{"[h]:mm:ss", fmtDate | fmtTime},
		{"[mm]:ss", fmtDate | fmtTime},
		{"mm:ss.0", fmtDate | fmtTime},
		{"a/p", fmtDate | fmtTime},
		{`"unterminated`, 0},
		{"[unterminated", 0},
		{"", 0},
	}
	for _, tc := range tests {
		if got := classifyFormat(tc.code); got != tc.want {
			t.Errorf("classifyFormat(%q): got %b, want %b", tc.code, got, tc.want)
		}
	}
}

func TestBuiltinFormat(t *testing.T) {
	for id := 0; id < 200; id++ {
		got := builtinFormat(id)
		date := id >= 14 && id <= 22 || id >= 27 && id <= 36 || id >= 45 && id <= 47 || id >= 50 && id <= 58
		if (got&fmtDate != 0) != date {
			t.Errorf("builtinFormat(%d): got %b, want date=%v", id, got, date)
		}
	}
	for _, id := range []int{18, 19, 20, 21, 22, 45, 46, 47} {
		if builtinFormat(id)&fmtTime == 0 {
			t.Errorf("builtinFormat(%d): got no time flag", id)
		}
	}
	for _, id := range []int{14, 15, 16, 17} {
		if builtinFormat(id)&fmtTime != 0 {
			t.Errorf("builtinFormat(%d): got a time flag", id)
		}
	}
}

func TestNumberText(t *testing.T) {
	tests := []struct {
		v, want string
		numeric bool
	}{
		{"12.5", "12.5", true},
		{"8471300100", "8471300100", true},
		{"10121", "10121", true},
		{"0", "0", true},
		{"-0.5", "-0.5", true},
		{"0.000123", "0.000123", true},
		{"123456789012345", "123456789012345", true},
		{"1234567890123456", "1234567890123460", true}, // 16 digits: Excel keeps 15
		{"8.4713001E9", "8471300100", true},
		{"8.4713001E+09", "8471300100", true},
		{"1E-3", "0.001", true},
		{"1234.5600000000002", "1234.56", true},
		{"0.30000000000000004", "0.3", true},
		{"12.50", "12.5", true},
		{"007", "7", true},
		{"-0", "0", true},
		{".5", "0.5", true},
		{"abc", "abc", false},
		{"1e400", "1e400", false},
		{"NaN", "NaN", false},
		{"", "", false},
	}
	for _, tc := range tests {
		got, numeric := numberText(tc.v)
		if got != tc.want || numeric != tc.numeric {
			t.Errorf("numberText(%q): got %q %v, want %q %v", tc.v, got, numeric, tc.want, tc.numeric)
		}
	}
}

func TestColumns(t *testing.T) {
	for _, tc := range []struct {
		ref  string
		col  int
		name string
	}{{"A1", 1, "A"}, {"C12", 3, "C"}, {"Z", 26, "Z"}, {"AA3", 27, "AA"}, {"az3", 52, "AZ"}, {"XFD1048576", 16384, "XFD"}} {
		col, ok := columnOf(tc.ref)
		if !ok || col != tc.col || columnName(col) != tc.name {
			t.Errorf("columnOf(%q): got %d %v name %q, want %d %q", tc.ref, col, ok, columnName(col), tc.col, tc.name)
		}
	}
	for _, ref := range []string{"", "1A", "XFE1", "AAAA1", "A1B", "A-1", "Ä1"} {
		if col, ok := columnOf(ref); ok {
			t.Errorf("columnOf(%q): got %d, want not ok", ref, col)
		}
	}
}

func TestDecodeEscapes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a_x000D_b", "a\rb"},
		{"_x0041__x0042_", "AB"},
		{"_x005F_x0041_", "_x0041_"},
		{"_x00e9_t_x00C9_", "étÉ"},
		{"_x12_", "_x12_"},
		{"_xZZZZ_", "_xZZZZ_"},
		{"end_x", "end_x"},
	}
	for _, tc := range tests {
		if got := decodeEscapes(tc.in); got != tc.want {
			t.Errorf("decodeEscapes(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDateText(t *testing.T) {
	tm := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	if got := dateText(tm, false); got != "2024-03-05" {
		t.Errorf("date: got %q", got)
	}
	if got := dateText(tm, true); got != "2024-03-05T00:00:00Z" {
		t.Errorf("date with time format: got %q", got)
	}
	if got := dateText(tm.Add(1500*time.Millisecond), false); got != "2024-03-05T00:00:01.5Z" {
		t.Errorf("date with time: got %q", got)
	}
}
