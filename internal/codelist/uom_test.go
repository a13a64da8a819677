package codelist

import "testing"

func TestUOM(t *testing.T) {
	tests := []struct {
		code string
		want string // "" means not ok
	}{
		// CBP codes resolve to themselves.
		{"NO", "NO"}, {"PCS", "PCS"}, {"KG", "KG"}, {"M2", "M2"}, {"X", "X"}, {"CKG", "CKG"},
		// Invoice spellings.
		{"PC", "PCS"}, {"pcs", "PCS"}, {"Pieces", "PCS"},
		{"EA", "NO"}, {"each", "NO"}, {"UNIT", "NO"}, {"Units", "NO"}, {"nos", "NO"},
		{"KGS", "KG"}, {"kilo", "KG"}, {" Kgs. ", "KG"},
		{"MT", "T"}, {"CBM", "M3"}, {"sqm", "M2"}, {"prs", "PRS"}, {"pair", "PRS"}, {"dz", "DOZ"},
		// HTSUS "units" spellings.
		{"No.", "NO"}, {"kg", "KG"}, {"doz.", "DOZ"}, {"pr.", "PRS"}, {"doz. pr.", "DPR"},
		{"m²", "M2"}, {"m³", "M3"}, {"t", "T"}, {"liters", "L"}, {"pf. liters", "PFL"}, {"gross", "GR"},
		// Rec 20 codes.
		{"C62", "NO"}, {"H87", "PCS"}, {"KGM", "KG"}, {"MTK", "M2"}, {"DZN", "DOZ"},
		// Package types, ambiguous and unknown spellings.
		{"CTN", ""}, {"CARTON", ""}, {"PLT", ""}, {"BOX", ""}, {"SETS", ""},
		{"TON", ""}, {"GRS", ""}, {"CT", ""}, {"", ""}, {"bogus", ""},
	}
	for _, tt := range tests {
		got, ok := UOM(tt.code)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("UOM(%q) = %q, %v, want %q, %v", tt.code, got, ok, tt.want, tt.want != "")
		}
	}
}

func TestUOMRec20(t *testing.T) {
	tests := []struct {
		code string
		want string // "" means not ok
	}{
		{"NO", "C62"}, {"PCS", "H87"}, {"kgs", "KGM"}, {"M3", "MTQ"}, {"THS", "MIL"},
		{"CKG", ""}, {"X", ""}, {"CTN", ""},
	}
	for _, tt := range tests {
		got, ok := UOMRec20(tt.code)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("UOMRec20(%q) = %q, %v, want %q, %v", tt.code, got, ok, tt.want, tt.want != "")
		}
	}
}
