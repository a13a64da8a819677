package codelist

import "testing"

func TestCurrency(t *testing.T) {
	tests := []struct {
		code      string
		want      CurrencyInfo
		tradeable bool
	}{
		{"USD", CurrencyInfo{"USD", "840", 2, KindCurrency}, true},
		{" usd ", CurrencyInfo{"USD", "840", 2, KindCurrency}, true},
		{"EUR", CurrencyInfo{"EUR", "978", 2, KindCurrency}, true},
		{"JPY", CurrencyInfo{"JPY", "392", 0, KindCurrency}, true},
		{"KRW", CurrencyInfo{"KRW", "410", 0, KindCurrency}, true},
		{"KWD", CurrencyInfo{"KWD", "414", 3, KindCurrency}, true},
		{"BHD", CurrencyInfo{"BHD", "048", 3, KindCurrency}, true},
		{"OMR", CurrencyInfo{"OMR", "512", 3, KindCurrency}, true},
		{"CLP", CurrencyInfo{"CLP", "152", 0, KindCurrency}, true},
		{"ZWG", CurrencyInfo{"ZWG", "924", 2, KindCurrency}, true},
		{"XCG", CurrencyInfo{"XCG", "532", 2, KindCurrency}, true},
		{"CLF", CurrencyInfo{"CLF", "990", 4, KindFund}, false},
		{"UYW", CurrencyInfo{"UYW", "927", 4, KindFund}, false},
		{"USN", CurrencyInfo{"USN", "997", 2, KindFund}, false},
		{"XAU", CurrencyInfo{"XAU", "959", -1, KindMetal}, false},
		{"XDR", CurrencyInfo{"XDR", "960", -1, KindUnit}, false},
		{"XTS", CurrencyInfo{"XTS", "963", -1, KindTest}, false},
		{"XXX", CurrencyInfo{"XXX", "999", -1, KindTest}, false},
		{"HRK", CurrencyInfo{"HRK", "191", 2, KindHistoric}, false},
		{"SLL", CurrencyInfo{"SLL", "694", 2, KindHistoric}, false},
		{"ZWL", CurrencyInfo{"ZWL", "932", 2, KindHistoric}, false},
	}
	for _, tt := range tests {
		got, ok := Currency(tt.code)
		if !ok || got != tt.want {
			t.Errorf("Currency(%q) = %+v, %v, want %+v, true", tt.code, got, ok, tt.want)
		}
		if got.Tradeable() != tt.tradeable {
			t.Errorf("Currency(%q).Tradeable() = %v, want %v", tt.code, got.Tradeable(), tt.tradeable)
		}
	}
	for _, code := range []string{"", "US", "USDX", "ABC", "RMB"} {
		if got, ok := Currency(code); ok {
			t.Errorf("Currency(%q) = %+v, true, want false", code, got)
		}
	}
}

func TestCurrencyTable(t *testing.T) {
	all := currencies()
	if got, want := len(all), 181+2; got != want {
		t.Errorf("got %d currencies, want %d (iso-codes plus XCG, ZWG)", got, want)
	}
	for code, c := range all {
		if (c.MinorUnits < 0) != (c.Kind == KindMetal || c.Kind == KindUnit || c.Kind == KindTest) {
			t.Errorf("%s: minor units %d with kind %s", code, c.MinorUnits, c.Kind)
		}
		if len(c.Numeric) != 3 {
			t.Errorf("%s: numeric %q", code, c.Numeric)
		}
	}
}
