package sensitive

import (
	"testing"
)

func TestSplit(t *testing.T) {
	old := map[string]string{"hs_code": "8482105048", "unit_price": "0.62", "line_value": "31000", "description": "bearing"}
	next := map[string]string{"hs_code": "8483405010", "unit_price": "0.64", "line_value": "40000", "description": "ball bearing", "preference_program": "JO"}
	keep, held := Split(InvoiceLine, old, next, 5)
	if keep["hs_code"] != "8482105048" || keep["line_value"] != "31000" || keep["preference_program"] != "" {
		t.Errorf("kept %v, want HS, line value and claim at their stored values", keep)
	}
	if keep["description"] != "ball bearing" || keep["unit_price"] != "0.64" {
		t.Errorf("kept %v, want the description and the price within 5 %% applied", keep)
	}
	if c := held[ClassificationChange]["hs_code"]; c.From != "8482105048" || c.To != "8483405010" {
		t.Errorf("classification change %v", c)
	}
	if c := held[ValuationChange]["line_value"]; c.To != "40000" || len(held[ValuationChange]) != 1 {
		t.Errorf("valuation change %v, want line_value only", held[ValuationChange])
	}
	if c := held[PreferenceClaim]["preference_program"]; c.To != "JO" {
		t.Errorf("preference claim %v", c)
	}
	// Exactly the tolerance is not beyond it.
	if _, held := Split(InvoiceLine, map[string]string{"unit_price": "100"}, map[string]string{"unit_price": "105"}, 5); len(held) != 0 {
		t.Errorf("a 5 %% move at 5 %% tolerance was held: %v", held)
	}
	if _, held := Split("packing_line", old, next, 5); len(held) != 0 {
		t.Errorf("a packing line change was held: %v", held)
	}
	if _, held := Split(Valuation, map[string]string{"freight": "1200"}, map[string]string{"freight": "900"}, 5); len(held[ValuationChange]) != 1 {
		t.Errorf("a freight cut of 25 %% was not held: %v", held)
	}
}
