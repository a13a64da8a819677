package codelist

import (
	"fmt"
	"testing"
)

func TestContainerCheckDigitValid(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"CSQU3054383", true},
		{"csqu3054383", true},
		{"CSQU 305438 3", true},
		{"CSQU-305438-3", true},
		{"CSQU3054384", false}, // check digit changed
		{"CSQU3054483", false}, // serial changed
		{"CSQX3054383", false}, // category not U, J or Z
		{"CSQU305438", false},
		{"CSQU30543833", false},
		{"C5QU3054383", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ContainerCheckDigitValid(tt.s); got != tt.want {
			t.Errorf("ContainerCheckDigitValid(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestContainerCheckDigitTenIsZero(t *testing.T) {
	// Find serials whose remainder is 10 and check that 0 is accepted and
	// no other digit is.
	found := 0
	for serial := 0; serial < 1000 && found < 3; serial++ {
		base := fmt.Sprintf("CSQU%06d", serial)
		sum := 0
		for i := range 10 {
			v := int(base[i] - '0')
			if isUpper(base[i]) {
				v = iso6346Value(base[i])
			}
			sum += v << i
		}
		if sum%11 != 10 {
			continue
		}
		found++
		if !ContainerCheckDigitValid(base + "0") {
			t.Errorf("ContainerCheckDigitValid(%q) = false, want true (10 becomes 0)", base+"0")
		}
		for d := '1'; d <= '9'; d++ {
			if ContainerCheckDigitValid(base + string(d)) {
				t.Errorf("ContainerCheckDigitValid(%q) = true, want false", base+string(d))
			}
		}
	}
	if found == 0 {
		t.Fatal("found no serial with remainder 10")
	}
}

func TestISO6346Values(t *testing.T) {
	want := map[byte]int{'A': 10, 'B': 12, 'K': 21, 'L': 23, 'U': 32, 'V': 34, 'Z': 38}
	for c, v := range want {
		if got := iso6346Value(c); got != v {
			t.Errorf("iso6346Value(%c) = %d, want %d", c, got, v)
		}
	}
}

func TestAWBCheckDigitValid(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"589-81140743", true},
		{"58981140743", true},
		{"589 8114 0743", true},
		{"589-81140744", false},
		{"589-81140753", false},
		{"589-8114074", false},
		{"58A-81140743", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := AWBCheckDigitValid(tt.s); got != tt.want {
			t.Errorf("AWBCheckDigitValid(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestEntryNumberCheckDigitValid(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"ABC-1234567-6", true},
		{"999-9999999-0", true},
		{"ABC12345676", true},
		{"abc-1234567-6", true},
		{"ABC 1234567 6", true},
		{"ABC-1234567-5", false},
		{"ABD-1234567-6", false},
		{"ABC-1234576-6", false}, // transposed digits
		{"ABC-123456A-6", false}, // letters only in the filer code
		{"ABC-1234567-X", false},
		{"ABC-123456-6", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := EntryNumberCheckDigitValid(tt.s); got != tt.want {
			t.Errorf("EntryNumberCheckDigitValid(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestSCACValid(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"MAEU", true},
		{"maeu", true},
		{" UPSN ", true},
		{"EV", true},
		{"ABC", true},
		{"M", false},
		{"MAEUS", false},
		{"MA3U", false},
		{"MA-EU", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := SCACValid(tt.s); got != tt.want {
			t.Errorf("SCACValid(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
