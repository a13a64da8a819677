package validate

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

// poLines are the ERP purchase-order lines of testdata/mappings
// (erp-po-csv, PO 4500012345).
func poLines() []map[string]string {
	return []map[string]string{
		{"po_number": "4500012345", "line_no": "10", "sku": "BRG-6204-2RS", "hs_code": "8482105048", "origin_country": "CN", "quantity": "50000", "uom": "NO", "unit_price": "0.62", "currency": "USD"},
		{"po_number": "4500012345", "line_no": "20", "sku": "SHF-BRG-HSG", "hs_code": "8483405010", "origin_country": "CN", "quantity": "1200", "uom": "NO", "unit_price": "14.5", "currency": "USD"},
		{"po_number": "4500012345", "line_no": "30", "sku": "BRS-HOG-63", "hs_code": "0502100000", "origin_country": "CN", "quantity": "2500", "uom": "KG", "unit_price": "24.8", "currency": "USD"},
	}
}

// invoiceLines is supplier invoice INV-2026-0042, matching the PO.
func invoiceLines() []map[string]string {
	return []map[string]string{
		{"invoice_number": "INV-2026-0042", "line_no": "1", "po_number": "4500012345", "po_line": "10", "sku": "BRG-6204-2RS", "hs_code": "8482.10.5048", "origin_country": "CN", "quantity": "50000", "uom": "NO", "unit_price": "0.62", "line_value": "31000", "currency": "USD"},
		{"invoice_number": "INV-2026-0042", "line_no": "2", "po_number": "4500012345", "po_line": "20", "sku": "SHF-BRG-HSG", "hs_code": "8483.40.5010", "origin_country": "CN", "quantity": "1200", "uom": "NO", "unit_price": "14.5", "line_value": "17400", "currency": "USD"},
		{"invoice_number": "INV-2026-0042", "line_no": "3", "po_number": "4500012345", "po_line": "30", "sku": "BRS-HOG-63", "hs_code": "0502100000", "origin_country": "CN", "quantity": "2500", "uom": "KG", "unit_price": "24.8", "line_value": "62000", "currency": "USD"},
	}
}

// cleanShipment is an ocean shipment with nothing to report.
func cleanShipment() Shipment {
	return Shipment{
		Mode:             "ocean",
		Incoterm:         "FOB",
		IncotermPlace:    "Ningbo",
		DestinationBasis: "FOB",
		Identifiers: map[string][]string{
			"bill_of_lading":   {"MAEU240312345"},
			"container_number": {"CSQU3054383"},
		},
		POLines:      poLines(),
		InvoiceLines: invoiceLines(),
		PackingLines: []map[string]string{{"invoice_number": "INV-2026-0042", "sku": "BRG-6204-2RS", "cartons": "100", "container_number": "CSQU3054383"}},
		Documents:    []string{"commercial_invoice", "packing_list", "bill_of_lading"},
		CarrierSCAC:  "MAEU",
	}
}

// has reports whether fs holds a finding of rule on line.
func has(fs []Finding, rule string, line int) (Finding, bool) {
	for _, f := range fs {
		if f.Rule == rule && f.Line == line {
			return f, true
		}
	}
	return Finding{}, false
}

func dump(fs []Finding) string {
	b, _ := json.MarshalIndent(fs, "", "  ")
	return string(b)
}

func TestCheck_Clean(t *testing.T) {
	fs := Check(cleanShipment(), DefaultConfig())
	if len(fs) != 0 {
		t.Fatalf("got %d findings, want 0:\n%s", len(fs), dump(fs))
	}
	if fs == nil {
		t.Fatalf("got nil, want an empty slice")
	}
}

// setLine returns a mutation that sets field k of invoice line i (0-based).
func setLine(i int, kv ...string) func(*Shipment) {
	return func(s *Shipment) {
		for j := 0; j+1 < len(kv); j += 2 {
			s.InvoiceLines[i][kv[j]] = kv[j+1]
		}
	}
}

func TestCheck_Rules(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(*Shipment)
		cfg      func(*Config)
		rule     string
		severity string
		line     int
		contains string // a substring the message must hold
	}{
		// Documents.
		{"NoBillOfLading", func(s *Shipment) { s.Documents = []string{"commercial_invoice", "packing_list"} }, nil,
			RuleDocRequiredMissing, SeverityError, 0, "bill of lading"},
		{"AirNeedsAWB", func(s *Shipment) {
			s.Mode = "air"
			s.Identifiers = map[string][]string{"air_waybill": {"589-81140743"}}
		}, nil, RuleDocRequiredMissing, SeverityError, 0, "air waybill"},
		{"UnknownModeNeedsInvoice", func(s *Shipment) { s.Mode = ""; s.Documents = []string{"packing_list"} }, nil,
			RuleDocRequiredMissing, SeverityError, 0, "commercial invoice"},
		{"PackingListForSeveralLines", func(s *Shipment) { s.Documents = []string{"commercial_invoice", "bill_of_lading"} }, nil,
			RuleDocRequiredMissing, SeverityError, 0, "3 lines"},
		{"PreferenceNeedsCertificate", setLine(1, "preference_program", "USMCA"), nil,
			RuleDocRequiredMissing, SeverityError, 0, "USMCA"},
		{"ConfiguredModeDocs", func(s *Shipment) {}, func(c *Config) { c.RequiredDocs["ocean"] = append(c.RequiredDocs["ocean"], "isf") },
			RuleDocRequiredMissing, SeverityError, 0, "isf"},
		{"PGAChapter", setLine(0, "hs_code", "2811.22.1000"), nil,
			RulePGADocMissing, SeverityError, 0, "safety data sheet (sds) is missing: required for HS chapter 28 (invoice line 1)"},
		{"PGAConfigured", func(s *Shipment) {}, func(c *Config) { c.AgencyDocs = map[string][]string{"84": {"fcc_declaration"}} },
			RulePGADocMissing, SeverityError, 0, "fcc declaration"},

		// HS.
		{"HSSyntaxLetters", setLine(1, "hs_code", "84A3.40"), nil, RuleHSSyntax, SeverityError, 2, "84A3.40"},
		{"HSSyntaxLostZero", setLine(2, "hs_code", "502100000"), nil, RuleHSSyntax, SeverityError, 3, "9 digits"},
		{"HSSyntaxChapter77", setLine(0, "hs_code", "771010"), nil, RuleHSSyntax, SeverityError, 1, "77"},
		{"HSSyntaxEmpty", setLine(0, "hs_code", ""), nil, RuleHSSyntax, SeverityError, 1, "no HS code"},
		{"HSUnknown", setLine(0, "hs_code", "8482.60.0000"), nil, RuleHSUnknown, SeverityError, 1, "8482.60"},
		{"HSMismatchByPOLine", setLine(1, "hs_code", "8482.10.5048"), nil,
			RuleHSMismatchPO, SeverityError, 2, "invoice line 2 has HS 8482.10 but PO 4500012345 line 20 has 8483.40"},
		{"HSMismatchBySKU", setLine(1, "po_line", "", "hs_code", "8482.10.5048"), nil,
			RuleHSMismatchPO, SeverityError, 2, "PO 4500012345 line 20"},

		// Origin.
		{"OriginInvalid", setLine(0, "origin_country", "XX"), nil, RuleOriginInvalid, SeverityError, 1, `"XX"`},
		{"OriginMissingNoPO", setLine(0, "origin_country", "", "po_number", ""), nil, RuleOriginInvalid, SeverityError, 1, "no country of origin"},
		{"OriginMismatch", setLine(2, "origin_country", "VNM"), nil, RuleOriginMismatchPO, SeverityError, 3, "VN but PO 4500012345 line 30 has CN"},

		// Quantity and price.
		{"QtyZero", setLine(0, "quantity", "0"), nil, RuleQtyInvalid, SeverityError, 1, "more than zero"},
		{"QtyNegative", setLine(0, "quantity", "-5"), nil, RuleQtyInvalid, SeverityError, 1, "-5"},
		{"QtyNotNumber", setLine(0, "quantity", "1,000"), nil, RuleQtyInvalid, SeverityError, 1, "not a number"},
		{"QtyOverPO", setLine(1, "quantity", "1261", "line_value", ""), nil, RuleQtyOverPO, SeverityWarning, 2, "1261 NO but PO 4500012345 line 20 orders 1200 NO"},
		{"QtyOverPOSummed", func(s *Shipment) {
			extra := maps.Clone(s.InvoiceLines[1])
			extra["line_no"] = "4"
			extra["quantity"] = "100"
			s.InvoiceLines[1]["quantity"] = "1200"
			s.InvoiceLines = append(s.InvoiceLines, extra)
		}, nil, RuleQtyOverPO, SeverityWarning, 2, "lines 2, 4 ship 1300"},
		{"QtyTighterTolerance", setLine(1, "quantity", "1201"), func(c *Config) { c.QtyTolerancePct = 0 }, RuleQtyOverPO, SeverityWarning, 2, "tolerance 0%"},
		{"PriceHigh", setLine(0, "unit_price", "0.66"), nil, RulePriceDeviation, SeverityWarning, 1, "0.66 USD but PO 4500012345 line 10 has 0.62 (+6.5%"},
		{"PriceLow", setLine(2, "unit_price", "23.5"), nil, RulePriceDeviation, SeverityWarning, 3, "-5.2%"},

		// Unit, currency, value.
		{"UOMPackageType", setLine(0, "uom", "CTN"), nil, RuleUOMInvalid, SeverityError, 1, `"CTN"`},
		{"UOMEmpty", setLine(0, "uom", ""), nil, RuleUOMInvalid, SeverityError, 1, "no unit"},
		{"CurrencyUnknown", setLine(0, "currency", "USX"), nil, RuleCurrencyInvalid, SeverityError, 1, `"USX"`},
		{"CurrencyFund", setLine(0, "currency", "USN"), nil, RuleCurrencyInvalid, SeverityError, 1, "fund"},
		{"CurrencyMetal", setLine(0, "currency", "xau"), nil, RuleCurrencyInvalid, SeverityError, 1, "XAU"},
		{"ValueMissing", setLine(0, "line_value", "", "unit_price", ""), nil, RuleValueMissing, SeverityError, 1, "no line value"},
		{"ValueNotNumber", setLine(0, "line_value", "n/a", "unit_price", ""), nil, RuleValueMissing, SeverityError, 1, `"n/a"`},

		// Incoterms.
		{"IncotermMissing", func(s *Shipment) { s.Incoterm = "" }, nil, RuleIncotermMissing, SeverityError, 0, "no Incoterm"},
		{"IncotermInvalid", func(s *Shipment) { s.Incoterm = "FOX" }, nil, RuleIncotermInvalid, SeverityError, 0, `"FOX"`},
		{"IncotermLegacyDAT", func(s *Shipment) { s.Incoterm = "DAT" }, func(c *Config) {}, RuleIncotermLegacy, SeverityWarning, 0, "DPU"},
		{"IncotermLegacyCandF", func(s *Shipment) { s.Incoterm = "C&F"; s.Valuation = map[string]string{"freight": "1800"} }, nil, RuleIncotermLegacy, SeverityWarning, 0, "CFR"},
		{"IncotermLegacyCNFWithPlace", func(s *Shipment) { s.Incoterm = "CNF Los Angeles"; s.IncotermPlace = "" }, nil, RuleIncotermLegacy, SeverityWarning, 0, "CNF"},
		{"IncotermLegacyDDU", func(s *Shipment) { s.Incoterm = "ddu" }, nil, RuleIncotermLegacy, SeverityWarning, 0, "DAP"},
		{"IncotermUCC", func(s *Shipment) { s.Incoterm = "FOB Destination"; s.IncotermPlace = "" }, nil, RuleIncotermLegacy, SeverityWarning, 0, "UCC"},
		{"IncotermPlaceMissing", func(s *Shipment) { s.IncotermPlace = "" }, nil, RuleIncotermPlaceMissing, SeverityWarning, 0, "named place"},

		// HS repaired by the mapping engine.
		{"HSRepairedInvoiceLine", setLine(2, "hs_code", "0502100000", "hs_code_as_sent", "502100000"), nil,
			RuleHSLeadingZeroRepaired, SeverityWarning, 3, "invoice line 3: HS code sent as 502100000 was read as 0502100000"},
		{"HSRepairedPOLine", func(s *Shipment) { s.POLines[2]["hs_code_as_sent"] = "502100000" }, nil,
			RuleHSLeadingZeroRepaired, SeverityWarning, 0, "PO 4500012345 line 30: HS code sent as 502100000 was read as 0502100000"},

		// Identifiers.
		{"ContainerBad", func(s *Shipment) { s.Identifiers["container_number"] = []string{"CSQU3054384"} }, nil,
			RuleContainerCheckDigit, SeverityError, 0, "CSQU3054384"},
		{"ContainerBadOnPackingList", func(s *Shipment) { s.PackingLines[0]["container_number"] = "MSKU1234567" }, nil,
			RuleContainerCheckDigit, SeverityError, 0, "MSKU1234567"},
		{"AWBBad", func(s *Shipment) { s.Identifiers["air_waybill"] = []string{"589-81140744"} }, nil,
			RuleAWBCheckDigit, SeverityError, 0, "589-81140744"},
		{"EntryBad", func(s *Shipment) { s.Identifiers["entry_number"] = []string{"ABC-1234567-7"} }, nil,
			RuleEntryCheckDigit, SeverityWarning, 0, "ABC-1234567-7"},
		{"SCACDigits", func(s *Shipment) { s.CarrierSCAC = "MA3U" }, nil, RuleSCACInvalid, SeverityWarning, 0, "MA3U"},
		{"SCACTooLong", func(s *Shipment) { s.CarrierSCAC = "MAERSK" }, nil, RuleSCACInvalid, SeverityWarning, 0, "MAERSK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cleanShipment()
			tt.mutate(&s)
			cfg := DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			fs := Check(s, cfg)
			f, ok := has(fs, tt.rule, tt.line)
			if !ok {
				t.Fatalf("no %s on line %d; got:\n%s", tt.rule, tt.line, dump(fs))
			}
			if f.Severity != tt.severity {
				t.Errorf("severity: got %q, want %q", f.Severity, tt.severity)
			}
			if !strings.Contains(f.Message, tt.contains) {
				t.Errorf("message: got %q, want it to contain %q", f.Message, tt.contains)
			}
			if f.Field == "" {
				t.Errorf("field: got empty, want a field name")
			}
		})
	}
}

// TestCheck_NoFinding holds the edges where a rule must stay silent.
func TestCheck_NoFinding(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Shipment)
		cfg    func(*Config)
		rule   string
	}{
		{"QtyAtTolerance", setLine(1, "quantity", "1260"), nil, RuleQtyOverPO},
		{"QtyUnderPO", setLine(1, "quantity", "600"), nil, RuleQtyOverPO},
		{"QtyOtherUOM", setLine(2, "quantity", "9000", "uom", "LB"), nil, RuleQtyOverPO},
		{"PriceAtTolerance", setLine(0, "unit_price", "0.651"), nil, RulePriceDeviation},
		{"PriceOtherCurrency", setLine(0, "unit_price", "4.5", "currency", "CNY"), nil, RulePriceDeviation},
		{"PriceWiderTolerance", setLine(0, "unit_price", "0.66"), func(c *Config) { c.PriceTolerancePct = 10 }, RulePriceDeviation},
		{"HSSameHS6OtherSuffix", setLine(1, "hs_code", "8483.40.9000"), nil, RuleHSMismatchPO},
		{"HSUnknownIsNotMismatch", setLine(0, "hs_code", "8482.60"), nil, RuleHSMismatchPO},
		{"HSNoPOMatch", setLine(1, "po_number", "4500099999", "hs_code", "8482.10.5048"), nil, RuleHSMismatchPO},
		{"HSAmbiguousSKU", func(s *Shipment) {
			s.POLines[0]["sku"] = "SAME"
			s.POLines[1]["sku"] = "SAME"
			s.InvoiceLines[1]["po_line"] = ""
			s.InvoiceLines[1]["sku"] = "SAME"
			s.InvoiceLines[1]["hs_code"] = "0502.10"
		}, nil, RuleHSMismatchPO},
		{"OriginFromPO", setLine(0, "origin_country", ""), nil, RuleOriginInvalid},
		{"OriginAlpha3", setLine(0, "origin_country", "chn"), nil, RuleOriginMismatchPO},
		{"UOMAlias", setLine(0, "uom", "Stueck"), func(c *Config) { c.UOMAliases = map[string]string{"STUECK": "NO"} }, RuleUOMInvalid},
		{"UOMRec20", setLine(2, "uom", "KGM"), nil, RuleUOMInvalid},
		{"ValueFromPriceTimesQty", setLine(0, "line_value", ""), nil, RuleValueMissing},
		{"PackingListOneLine", func(s *Shipment) {
			s.InvoiceLines = s.InvoiceLines[:1]
			s.Documents = []string{"commercial_invoice", "bill_of_lading"}
		}, nil, RuleDocRequiredMissing},
		{"PreferenceNone", setLine(0, "preference_program", "NONE"), nil, RuleDocRequiredMissing},
		{"PreferenceWithCertificate", func(s *Shipment) {
			s.InvoiceLines[0]["preference_program"] = "USMCA"
			s.Documents = append(s.Documents, "Certificate_Of_Origin")
		}, nil, RuleDocRequiredMissing},
		{"PGAPresent", func(s *Shipment) {
			s.InvoiceLines[0]["hs_code"] = "2811221000"
			s.Documents = append(s.Documents, "sds")
		}, nil, RulePGADocMissing},
		{"IncotermWithPlaceInTerm", func(s *Shipment) { s.Incoterm = "fob ningbo"; s.IncotermPlace = "" }, nil, RuleIncotermPlaceMissing},
		{"IncotermCFRDot", func(s *Shipment) { s.Incoterm = "CFR."; s.Valuation = map[string]string{"freight": "1800"} }, nil, RuleIncotermLegacy},
		{"HSAsSentSameDigits", setLine(0, "hs_code_as_sent", "8482.10.5048"), nil, RuleHSLeadingZeroRepaired},
		{"HSAsSentAbsent", setLine(2, "hs_code", "502100000"), nil, RuleHSLeadingZeroRepaired},
		{"ContainerGood", func(s *Shipment) { s.Identifiers["container_number"] = []string{"csqu 305438-3"} }, nil, RuleContainerCheckDigit},
		{"AWBGood", func(s *Shipment) { s.Identifiers["air_waybill"] = []string{"589-81140743"} }, nil, RuleAWBCheckDigit},
		{"EntryGood", func(s *Shipment) { s.Identifiers["entry_number"] = []string{"ABC-1234567-6", "999-9999999-0"} }, nil, RuleEntryCheckDigit},
		{"SCACOceanCarrierEndsInU", func(s *Shipment) { s.CarrierSCAC = "MSCU" }, nil, RuleSCACInvalid},
		{"SCACEmpty", func(s *Shipment) { s.CarrierSCAC = "" }, nil, RuleSCACInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cleanShipment()
			tt.mutate(&s)
			cfg := DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			for _, f := range Check(s, cfg) {
				if f.Rule == tt.rule {
					t.Fatalf("got %s %q, want none", f.Rule, f.Message)
				}
			}
		})
	}
}

func TestCheck_Order(t *testing.T) {
	s := cleanShipment()
	s.Documents = nil
	s.Incoterm = "CIF"
	s.Identifiers["container_number"] = []string{"CSQU3054384", "ABCU1234560"}
	s.InvoiceLines[2]["hs_code"] = "8482.10"
	s.InvoiceLines[0]["hs_code"] = "8483.40"
	s.InvoiceLines[1]["currency"] = "XXX"
	first := Check(s, DefaultConfig())
	for range 20 {
		again := Check(s, DefaultConfig())
		if dump(again) != dump(first) {
			t.Fatalf("order changed between runs:\n%s\n%s", dump(first), dump(again))
		}
	}
	for i := 1; i < len(first); i++ {
		a, b := first[i-1], first[i]
		if a.Rule > b.Rule || (a.Rule == b.Rule && a.Line > b.Line) {
			t.Fatalf("finding %d (%s line %d) after %s line %d", i, b.Rule, b.Line, a.Rule, a.Line)
		}
	}
	if f, ok := has(first, RuleHSMismatchPO, 1); !ok || first[indexOf(first, f)+1].Line != 3 {
		t.Fatalf("want HS_MISMATCH_PO on lines 1 then 3, got:\n%s", dump(first))
	}
}

func indexOf(fs []Finding, f Finding) int {
	for i := range fs {
		if fs[i] == f {
			return i
		}
	}
	return -1
}

func TestFinding_JSON(t *testing.T) {
	b, err := json.Marshal(Finding{Rule: "R", Severity: SeverityWarning, Field: "f", Line: 2, Message: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"rule":"R","severity":"warning","field":"f","line":2,"message":"m"}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// TestCheck_Story is the story: the ERP's PO lines, a supplier
// invoice whose line 2 has another HS6 than PO line 20, one container with
// a bad check digit and no documents yet. Fixing the three leaves no error.
func TestCheck_Story(t *testing.T) {
	s := cleanShipment()
	s.InvoiceLines[1]["hs_code"] = "8482.10.5048" // PO line 20 says 8483.40
	s.Identifiers["container_number"] = []string{"CSQU3054384"}
	s.PackingLines = nil
	s.Documents = nil

	fs := Check(s, DefaultConfig())
	for _, want := range []struct {
		rule string
		line int
		msg  string
	}{
		{RuleHSMismatchPO, 2, "invoice line 2 has HS 8482.10 but PO 4500012345 line 20 has 8483.40"},
		{RuleContainerCheckDigit, 0, "CSQU3054384"},
		{RuleDocRequiredMissing, 0, "commercial invoice"},
		{RuleDocRequiredMissing, 0, "bill of lading"},
		{RuleDocRequiredMissing, 0, "packing list"},
	} {
		found := false
		for _, f := range fs {
			if f.Rule == want.rule && f.Line == want.line && strings.Contains(f.Message, want.msg) && f.Severity == SeverityError {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s error on line %d mentioning %q; got:\n%s", want.rule, want.line, want.msg, dump(fs))
		}
	}

	// The fixes: the supplier corrects the HS code, the container number is
	// re-keyed from the B/L, and the documents arrive.
	s.InvoiceLines[1]["hs_code"] = "8483.40.5010"
	s.Identifiers["container_number"] = []string{"CSQU3054383"}
	s.Documents = []string{"commercial_invoice", "packing_list", "bill_of_lading"}
	for _, f := range Check(s, DefaultConfig()) {
		if f.Severity == SeverityError {
			t.Errorf("after the fixes: got error %s %q, want none", f.Rule, f.Message)
		}
	}
}
