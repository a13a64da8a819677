package codelist

import "testing"

func TestCountry(t *testing.T) {
	tests := []struct {
		code string
		want string // "" means not ok
	}{
		{"CN", "CN"},
		{"cn", "CN"},
		{"chn", "CN"},
		{" CHN ", "CN"},
		{"US", "US"},
		{"usa", "US"},
		{"XK", "XK"},
		{"xkx", "XK"},
		{"DE", "DE"},
		{"TW", "TW"},
		{"UK", ""}, // exceptionally reserved, not ISO 3166-1
		{"EL", ""},
		{"EU", ""},
		{"ZZ", ""},
		{"bogus", ""},
		{"C", ""},
		{"", ""},
		{"840", ""},
		{"China", ""},
	}
	for _, tt := range tests {
		got, ok := Country(tt.code)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Country(%q) = %q, %v, want %q, %v", tt.code, got, ok, tt.want, tt.want != "")
		}
	}
}

func TestCountryName(t *testing.T) {
	tests := []struct{ code, want string }{
		{"CN", "China"},
		{"de", "Germany"},
		{"XK", "Kosovo"},
		{"CHN", ""}, // alpha-2 only
		{"ZZ", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := CountryName(tt.code); got != tt.want {
			t.Errorf("CountryName(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestCountryUserAssigned(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"XK", true},
		{"xk", true},
		{"CN", false},
		{"ZZ", false},
	}
	for _, tt := range tests {
		if got := CountryUserAssigned(tt.code); got != tt.want {
			t.Errorf("CountryUserAssigned(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestCountryCount(t *testing.T) {
	alpha2 := make(map[string]bool)
	for _, c := range countries() {
		alpha2[c.alpha2] = true
	}
	if got, want := len(alpha2), 249+1; got != want {
		t.Errorf("got %d countries, want %d (ISO 3166-1 plus XK)", got, want)
	}
}
