package validate

import "testing"

func TestBeyondTolerance(t *testing.T) {
	tests := []struct {
		from, to string
		pct      float64
		want     bool
	}{
		{"100", "105", 5, false},    // exactly the tolerance: within
		{"100", "105.01", 5, true},  // just over
		{"100", "95", 5, false},     // down by exactly the tolerance
		{"100", "94.99", 5, true},   // down, just over
		{"0.62", "0.651", 5, false}, // 0.62 × 1.05 = 0.651 exactly
		{"0.62", "0.6511", 5, true},
		{"1200", "1260", 5, false},
		{"1200", "1260.0001", 5, true},
		{"1000", "1001", 0.1, false}, // 0.1 % as written, not the binary float below it
		{"1000", "1001.0001", 0.1, true},
		{"100", "103", 3, false},   // float64(3)/100 lies below 0.03: exact arithmetic keeps this within
		{"200", "209", 4.5, false}, // likewise 4.5/100
		{"200", "209.0000001", 4.5, true},
		{"-100", "-105", 5, false}, // the limit is of |from|
		{"-100", "-105.5", 5, true},
		{"100", "100", 0, false},
		{"100", "100.0000001", 0, true},
		{"100", "100.00", 0, false}, // same value, other spelling
		{"0", "0.01", 5, true},      // a move from 0 is beyond
		{"0", "0", 5, false},
		{"0", "0.0", 5, false},
		{"", "5", 5, false},       // absent: not a move
		{"5", "", 5, false},       // removed: not a move
		{"n/a", "5", 5, false},    // not a number: not a move
		{"5", "1,000", 5, false},  // not a plain decimal
		{"1/2", "1", 5, false},    // fractions are not decimals
		{"100", "200", -5, true},  // a negative tolerance is 0
		{"100", "100", -5, false}, // …and no move is still no move
	}
	for _, tt := range tests {
		if got := BeyondTolerance(tt.from, tt.to, tt.pct); got != tt.want {
			t.Errorf("BeyondTolerance(%q, %q, %g) = %v, want %v", tt.from, tt.to, tt.pct, got, tt.want)
		}
	}
}

// TestCheck_ToleranceBoundary holds PRICE_DEVIATION and QTY_OVER_PO to
// BeyondTolerance's convention: exactly the tolerance is within.
func TestCheck_ToleranceBoundary(t *testing.T) {
	tests := []struct {
		name  string
		field string // invoice line 1 (PO line 20: 1200 NO at 14.5 USD)
		value string
		pct   float64
		rule  string
		want  bool
	}{
		{"PriceAtTolerance", "unit_price", "15.225", 5, RulePriceDeviation, false},
		{"PriceJustOver", "unit_price", "15.2251", 5, RulePriceDeviation, true},
		{"PriceDownAtTolerance", "unit_price", "13.775", 5, RulePriceDeviation, false},
		{"PriceDownJustOver", "unit_price", "13.7749", 5, RulePriceDeviation, true},
		{"PriceTenthOfPercent", "unit_price", "14.5145", 0.1, RulePriceDeviation, false},
		{"PriceTenthOfPercentOver", "unit_price", "14.51451", 0.1, RulePriceDeviation, true},
		{"QtyAtTolerance", "quantity", "1260", 5, RuleQtyOverPO, false},
		{"QtyJustOver", "quantity", "1260.01", 5, RuleQtyOverPO, true},
		{"QtyZeroTolerance", "quantity", "1200", 0, RuleQtyOverPO, false},
		{"QtyZeroToleranceOver", "quantity", "1200.5", 0, RuleQtyOverPO, true},
		{"QtyUnderIsNotOver", "quantity", "1100", 5, RuleQtyOverPO, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cleanShipment()
			s.InvoiceLines[1][tt.field] = tt.value
			s.InvoiceLines[1]["line_value"] = ""
			cfg := DefaultConfig()
			cfg.PriceTolerancePct, cfg.QtyTolerancePct = tt.pct, tt.pct
			_, got := has(Check(s, cfg), tt.rule, 2)
			if got != tt.want {
				t.Fatalf("%s with %s %s at %g%%: got %v, want %v", tt.rule, tt.field, tt.value, tt.pct, got, tt.want)
			}
		})
	}
}
