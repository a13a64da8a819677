package validate

import (
	"slices"
	"strings"
	"testing"
)

// valuationFindings returns the VALUATION_* findings of fs as "RULE field",
// sorted, and fails on a severity other than DOMAIN.md §0's.
func valuationFindings(t *testing.T, fs []Finding) []string {
	t.Helper()
	want := map[string]string{
		RuleValuationDeductionMissing: SeverityError,
		RuleValuationAdditionMissing:  SeverityError,
		RuleValuationProofMissing:     SeverityWarning,
	}
	var got []string
	for _, f := range fs {
		sev, ok := want[f.Rule]
		if !ok {
			continue
		}
		if f.Severity != sev {
			t.Errorf("%s %s: severity %q, want %q", f.Rule, f.Field, f.Severity, sev)
		}
		if f.Line != 0 {
			t.Errorf("%s %s: line %d, want 0", f.Rule, f.Field, f.Line)
		}
		got = append(got, f.Rule+" "+f.Field)
	}
	slices.Sort(got)
	return got
}

// withTerm returns a mutation setting the Incoterm, the valuation fields kv
// and extra documents.
func withTerm(term string, kv []string, docs ...string) func(*Shipment) {
	return func(s *Shipment) {
		s.Incoterm = term
		if kv != nil {
			s.Valuation = map[string]string{}
			for i := 0; i+1 < len(kv); i += 2 {
				s.Valuation[kv[i]] = kv[i+1]
			}
		}
		s.Documents = append(s.Documents, docs...)
	}
}

func TestCheck_Valuation(t *testing.T) {
	const (
		deduct = RuleValuationDeductionMissing + " "
		add    = RuleValuationAdditionMissing + " "
		proof  = RuleValuationProofMissing + " "
	)
	tests := []struct {
		name     string
		mutate   func(*Shipment)
		cfg      func(*Config)
		want     []string // "RULE field", sorted
		contains []string // each in some VALUATION_* message
	}{
		// FOB (US) basis: deductions.
		{"FOBTermNothingToDeduct", withTerm("FOB", nil), nil, nil, nil},
		{"CFRNothingGiven", withTerm("CFR", nil), nil, []string{deduct + "freight"},
			[]string{"Incoterm CFR on the FOB (US) valuation basis", "freight is not given",
				"from the freight invoice or the rated bill of lading in freight", "freight=not_applicable with the reason in freight_reason"}},
		{"CFRZeroDoesNotCount", withTerm("CFR", []string{"freight", "0"}), nil, []string{deduct + "freight"},
			[]string{"freight is 0, and a deduction needs the actual amount (more than 0)"}},
		{"CFRNegative", withTerm("CFR", []string{"freight", "-5"}), nil, []string{deduct + "freight"}, []string{"freight is -5"}},
		{"CFRNotANumber", withTerm("CFR", []string{"freight", "1,800"}), nil, []string{deduct + "freight"}, []string{`freight "1,800" is not an amount`}},
		{"CFRNotApplicableWithoutReason", withTerm("CFR", []string{"freight", "not_applicable", "freight_reason", "  "}), nil,
			[]string{deduct + "freight"}, []string{"freight is not_applicable without a reason in freight_reason"}},
		{"CFRNotApplicableWithReason", withTerm("CFR", []string{"freight", "Not_Applicable", "freight_reason", "seller ships free on own vessel"}), nil, nil, nil},
		{"CFRAmountWithoutProof", withTerm("CFR", []string{"freight", "1800.00"}), nil, []string{proof + "freight"},
			[]string{"freight 1800 is deducted", "neither the freight invoice nor the rated bill of lading is among the shipment's documents",
				"doc type freight_invoice or rated_bill_of_lading"}},
		{"CFRFreightInvoice", withTerm("CFR", []string{"freight", "1800"}, "freight_invoice"), nil, nil, nil},
		{"CFRRatedBL", withTerm("CFR", []string{"freight", "1800"}, " Rated_Bill_Of_Lading "), nil, nil, nil},
		{"CIFInsuranceMissing", withTerm("CIF", []string{"freight", "1800"}, "freight_invoice"), nil, []string{deduct + "insurance"},
			[]string{"Incoterm CIF", "the insurance certificate or the insurance invoice"}},
		{"CIFBothWithoutProof", withTerm("CIF", []string{"freight", "1800", "insurance", "45.10"}), nil,
			[]string{proof + "freight", proof + "insurance"}, []string{"insurance 45.1 is deducted"}},
		{"CPTPortNoInland", withTerm("CPT", []string{"freight", "1800"}, "freight_invoice"), nil, nil, nil},
		{"CPTInlandPlace", func(s *Shipment) {
			withTerm("CPT", []string{"freight", "1800"}, "freight_invoice")(s)
			s.PlaceInland = true
		}, nil, []string{deduct + "us_inland_freight"}, []string{"the US inland freight from the port of entry to the named place"}},
		{"CIPInlandClaimedWithoutProof", withTerm("CIP", []string{"freight", "1800", "insurance", "45.1", "us_inland_freight", "300"},
			"rated_bill_of_lading", "insurance_certificate"), nil, []string{proof + "us_inland_freight"}, []string{"the freight invoice is not among"}},
		{"CIPInlandNotApplicable", func(s *Shipment) {
			withTerm("CIP", []string{"freight", "1800", "insurance", "45.1", "us_inland_freight", "not_applicable",
				"us_inland_freight_reason", "delivered at the port of entry"}, "freight_invoice", "insurance_invoice")(s)
			s.PlaceInland = true
		}, nil, nil, nil},
		{"DAPNothingGiven", withTerm("DAP", nil), nil,
			[]string{deduct + "freight", deduct + "insurance", deduct + "us_inland_freight"}, []string{"Incoterm DAP"}},
		{"DPUAnswered", withTerm("DPU", []string{"freight", "1800", "insurance", "NOT_APPLICABLE", "insurance_reason", "seller did not insure",
			"us_inland_freight", "not_applicable", "us_inland_freight_reason", "named place is the port"}, "freight_invoice"), nil, nil, nil},
		{"DPUUnloadingOptional", withTerm("DPU", []string{"freight", "1800", "insurance", "20"}, "freight_invoice", "insurance_invoice"), nil,
			[]string{deduct + "us_inland_freight"}, []string{"unloading at the named place, when billed separately, may go in deductions"}},
		{"DDPNothingGiven", withTerm("DDP", nil), nil,
			[]string{deduct + "duties_included", deduct + "freight", deduct + "insurance", deduct + "us_inland_freight"},
			[]string{"the US duties, fees and taxes the seller paid", "duties_included=not_applicable with the reason in duties_included_reason"}},
		{"DDPDutiesWithoutProof", withTerm("DDP", []string{"freight", "1800", "insurance", "20", "us_inland_freight", "350", "duties_included", "1200"},
			"freight_invoice", "insurance_invoice"), nil, []string{proof + "duties_included"}, []string{"neither the duty invoice nor the customs invoice"}},
		{"DDPCustomsInvoice", withTerm("DDP", []string{"freight", "1800", "insurance", "20", "us_inland_freight", "350", "duties_included", "1200"},
			"freight_invoice", "insurance_invoice", "customs_invoice"), nil, nil, nil},
		{"ProofDocsConfigured", withTerm("CFR", []string{"freight", "1800"}, "freight_invoice"),
			func(c *Config) { c.ValuationProofDocs = map[string][]string{"freight": {"carrier_statement"}} },
			[]string{proof + "freight"}, []string{"the carrier statement is not among", "doc type carrier_statement"}},
		{"ProofDocsOff", withTerm("CFR", []string{"freight", "1800"}), func(c *Config) { c.ValuationProofDocs = nil }, nil, nil},
		{"DefaultBasisIsFOB", func(s *Shipment) { s.Incoterm = "CPT"; s.DestinationBasis = "" }, nil, []string{deduct + "freight"}, []string{"FOB (US)"}},
		{"LegacyCandF", withTerm("C&F", []string{"freight", "1800"}, "freight_invoice"), nil, nil, nil},
		{"UnknownBasis", func(s *Shipment) { s.Incoterm = "DDP"; s.DestinationBasis = "XYZ" }, nil, nil, nil},

		// CIF basis: additions to the border.
		{"CIFBasisEXW", func(s *Shipment) { s.Incoterm = "EXW"; s.DestinationBasis = "CIF" }, nil,
			[]string{add + "freight", add + "insurance"}, []string{"Incoterm EXW on the CIF valuation basis", "freight is not given"}},
		{"CIFBasisCFRInsurance", func(s *Shipment) {
			withTerm("CFR", []string{"freight", "1800"})(s)
			s.DestinationBasis = "cif"
		}, nil, []string{add + "insurance"}, []string{"enter the actual amount in insurance, or 0 when there is none"}},
		{"CIFBasisZeroIsAnAnswer", func(s *Shipment) {
			withTerm("FOB", []string{"freight", "1800", "insurance", "0"})(s)
			s.DestinationBasis = "CIF"
		}, nil, nil, nil},
		{"CIFBasisYesWithoutAmount", func(s *Shipment) {
			withTerm("FCA", []string{"freight", "1800", "insurance", "yes"})(s)
			s.DestinationBasis = "CIF"
		}, nil, []string{add + "insurance"}, []string{"insurance says yes without an amount"}},
		{"CIFBasisCIFTerm", func(s *Shipment) { s.Incoterm = "CIF"; s.DestinationBasis = "CIF" }, nil, nil, nil},

		// Additions in both regimes, asked for only when flagged.
		{"AdditionsNotFlagged", withTerm("FOB", nil), nil, nil, nil},
		{"POFlagsAssists", func(s *Shipment) { s.POLines[0]["assists"] = "yes" }, nil, []string{add + "assists"},
			[]string{"PO 4500012345 line 10 (assists: yes) flags assists", "enter the amount in assists of the valuation, or 0 when none applies"}},
		{"POLinesFlagRoyalties", func(s *Shipment) { s.POLines[0]["royalties"] = "Y"; s.POLines[1]["royalties"] = "2500" }, nil,
			[]string{add + "royalties"}, []string{"PO 4500012345 line 10 (royalties: Y), PO 4500012345 line 20 (royalties: 2500) flag royalties"}},
		{"POFlagAnsweredZero", func(s *Shipment) {
			s.POLines[0]["assists"] = "yes"
			s.Valuation = map[string]string{"assists": "0"}
		}, nil, nil, nil},
		{"POFlagAnsweredNo", func(s *Shipment) {
			s.POLines[0]["packing"] = "yes"
			s.Valuation = map[string]string{"packing": "None"}
		}, nil, nil, nil},
		{"POFlagAnsweredAmount", func(s *Shipment) {
			s.POLines[0]["commissions"] = "true"
			s.Valuation = map[string]string{"commissions": "1500"}
		}, nil, nil, nil},
		{"POSaysNo", func(s *Shipment) { s.POLines[0]["assists"] = "no"; s.POLines[1]["packing"] = "0" }, nil, nil, nil},
		{"ValuationYesWithoutAmount", func(s *Shipment) { s.Valuation = map[string]string{"assists": "YES"} }, nil,
			[]string{add + "assists"}, []string{"assists says YES without an amount"}},
		{"ValuationNotAnAnswer", func(s *Shipment) { s.Valuation = map[string]string{"packing": "lots"} }, nil,
			[]string{add + "packing"}, []string{`packing "lots" is not an amount, yes or no`}},
		{"CIFBasisAdditionFlagged", func(s *Shipment) {
			s.Incoterm, s.DestinationBasis = "CIF", "CIF"
			s.POLines[2]["commissions"] = "x"
		}, nil, []string{add + "commissions"}, []string{"PO 4500012345 line 30 (commissions: x)"}},
		{"UCCTermStillAsksAdditions", func(s *Shipment) {
			s.Incoterm, s.IncotermPlace = "FOB Destination", ""
			s.POLines[0]["assists"] = "yes"
		}, nil, []string{add + "assists"}, nil},
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
			if got := valuationFindings(t, fs); !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q; findings:\n%s", got, tt.want, dump(fs))
			}
			for _, want := range tt.contains {
				if !slices.ContainsFunc(fs, func(f Finding) bool {
					return strings.HasPrefix(f.Rule, "VALUATION_") && strings.Contains(f.Message, want)
				}) {
					t.Errorf("no VALUATION_* message contains %q; findings:\n%s", want, dump(fs))
				}
			}
		})
	}
}
