// Package validate runs the pre-file checks of one shipment: documents per
// mode, HS codes, invoice lines against their purchase-order lines,
// Incoterms and valuation elements, and identifier check digits
// (DOMAIN.md §0–§6). It is pure: no database, no I/O, no clock.
package validate

import (
	"cmp"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// Severities of a Finding.
const (
	// SeverityError blocks filing until fixed or reviewed.
	SeverityError = "error"
	// SeverityWarning is shown to the user but does not block filing.
	SeverityWarning = "warning"
)

// Rule ids, exactly as DOMAIN.md §0 names them.
const (
	RuleDocRequiredMissing        = "DOC_REQUIRED_MISSING"
	RulePGADocMissing             = "PGA_DOC_MISSING"
	RuleHSSyntax                  = "HS_SYNTAX"
	RuleHSLeadingZeroRepaired     = "HS_LEADING_ZERO_REPAIRED"
	RuleHSUnknown                 = "HS_UNKNOWN"
	RuleHSMismatchPO              = "HS_MISMATCH_PO"
	RuleOriginInvalid             = "ORIGIN_INVALID"
	RuleOriginMismatchPO          = "ORIGIN_MISMATCH_PO"
	RuleQtyInvalid                = "QTY_INVALID"
	RuleQtyOverPO                 = "QTY_OVER_PO"
	RulePriceDeviation            = "PRICE_DEVIATION"
	RuleUOMInvalid                = "UOM_INVALID"
	RuleCurrencyInvalid           = "CURRENCY_INVALID"
	RuleValueMissing              = "VALUE_MISSING"
	RuleIncotermMissing           = "INCOTERM_MISSING"
	RuleIncotermInvalid           = "INCOTERM_INVALID"
	RuleIncotermLegacy            = "INCOTERM_LEGACY"
	RuleIncotermPlaceMissing      = "INCOTERM_PLACE_MISSING"
	RuleValuationDeductionMissing = "VALUATION_DEDUCTION_MISSING"
	RuleValuationAdditionMissing  = "VALUATION_ADDITION_MISSING"
	RuleValuationProofMissing     = "VALUATION_PROOF_MISSING"
	RuleContainerCheckDigit       = "CONTAINER_CHECK_DIGIT"
	RuleAWBCheckDigit             = "AWB_CHECK_DIGIT"
	RuleEntryCheckDigit           = "ENTRY_CHECK_DIGIT"
	RuleSCACInvalid               = "SCAC_INVALID"
)

// Finding is one problem Check found in a shipment.
type Finding struct {
	// Rule is a DOMAIN.md §0 rule id such as "HS_MISMATCH_PO".
	Rule string `json:"rule"`
	// Severity is SeverityError or SeverityWarning.
	Severity string `json:"severity"`
	// Field is the canonical field concerned, such as "hs_code",
	// "container_number" or "documents".
	Field string `json:"field"`
	// Line is the invoice line_no the finding is about, 0 when it is not
	// about one invoice line.
	Line int `json:"line"`
	// Message says in plain English what is wrong, naming the values.
	Message string `json:"message"`
	// Document is the document type a missing-document finding asks for
	// (DOC_REQUIRED_MISSING, PGA_DOC_MISSING), "" otherwise.
	Document string `json:"document,omitempty"`
}

// Shipment is everything Check looks at for one shipment. Field maps hold
// canonical fields (docs/mappings.md) as strings; decimals are plain
// decimal strings such as "0.62".
type Shipment struct {
	// Mode is ocean, air, truck or rail; "" when unknown.
	Mode string
	// Incoterm is the delivery term as received, such as "FOB" or "C&F";
	// IncotermPlace is its named place, such as "Ningbo".
	Incoterm, IncotermPlace string
	// DestinationBasis is the importing country's valuation basis: "FOB"
	// (US, the default when empty) or "CIF" (EU and others).
	DestinationBasis string
	// PlaceInland reports that the Incoterm's named place is a US inland
	// point beyond the port of entry (such as CPT Chicago for goods entered
	// at Los Angeles). Under CPT and CIP the US inland freight is then a
	// deduction the valuation must answer; otherwise it is only checked for
	// proof when claimed. The D terms always ask for it (answer
	// us_inland_freight=not_applicable with a reason when the place is the
	// port). The caller decides: Check does not guess from place names.
	PlaceInland bool
	// Identifiers maps identifier fields (bill_of_lading,
	// container_number, air_waybill, entry_number, …) to their values.
	Identifiers map[string][]string
	// POLines are the purchase_order_line records the invoice refers to.
	// Their assists, packing, commissions and royalties fields ("yes" or an
	// amount) flag valuation additions to ask about.
	POLines []map[string]string
	// InvoiceLines are the invoice_line records of the shipment.
	InvoiceLines []map[string]string
	// OtherInvoiceLines are invoice lines other shipments declared against
	// the same purchase orders: QTY_OVER_PO counts them too.
	OtherInvoiceLines []map[string]string
	// PackingLines are the packing_line records of the shipment.
	PackingLines []map[string]string
	// Valuation holds the valuation fields (freight, insurance,
	// us_inland_freight, duties_included, their <field>_reason, assists,
	// packing, commissions, royalties, …); it may be nil. A deduction is
	// answered by an amount above 0 or by NotApplicable with a reason; an
	// addition by an amount (0 included) or "no"/"none".
	Valuation map[string]string
	// Documents lists the doc types present in their current version, such
	// as "commercial_invoice" or "bill_of_lading".
	Documents []string
	// CarrierSCAC is the carrier's Standard Carrier Alpha Code.
	CarrierSCAC string
}

// Config holds the tolerances and triggers of the checks.
type Config struct {
	// QtyTolerancePct is how far, in percent, the invoiced quantity may
	// exceed the PO quantity before QTY_OVER_PO.
	QtyTolerancePct float64
	// PriceTolerancePct is how far, in percent, an invoice unit price may
	// differ from the PO unit price before PRICE_DEVIATION.
	PriceTolerancePct float64
	// AgencyDocs maps a two-digit HS chapter to the doc types an invoice
	// line of that chapter requires (PGA_DOC_MISSING), such as
	// {"28": {"sds", "tsca_certification"}}.
	AgencyDocs map[string][]string
	// RequiredDocs maps a mode to the doc types it always requires
	// (DOC_REQUIRED_MISSING). The "" key applies when the mode is empty or
	// not listed. The packing list (more than one invoice line) and the
	// certificate of origin (a preference claimed) are added by trigger.
	RequiredDocs map[string][]string
	// UOMAliases maps extra unit spellings to a unit codelist.UOM accepts,
	// such as {"STUECK": "PCS"}; keys are matched case-insensitively.
	UOMAliases map[string]string
	// ValuationProofDocs maps a deduction field (freight, insurance,
	// us_inland_freight, duties_included) to the doc types, any one of
	// which proves an amount claimed for it (VALUATION_PROOF_MISSING). A
	// field without doc types is not checked for proof.
	ValuationProofDocs map[string][]string
}

// DefaultConfig returns the defaults of DOMAIN.md: 5 % quantity and price
// tolerance, the documents of §3 per mode, a safety data sheet for
// chapters 28, 29, 32, 34 and 38, and DefaultValuationProofDocs.
func DefaultConfig() Config {
	return Config{
		QtyTolerancePct:   5,
		PriceTolerancePct: 5,
		AgencyDocs: map[string][]string{
			"28": {"sds"}, "29": {"sds"}, "32": {"sds"}, "34": {"sds"}, "38": {"sds"},
		},
		RequiredDocs: map[string][]string{
			"":      {"commercial_invoice"},
			"ocean": {"commercial_invoice", "bill_of_lading"},
			"air":   {"commercial_invoice", "air_waybill"},
			"truck": {"commercial_invoice", "bill_of_lading"},
			"rail":  {"commercial_invoice", "bill_of_lading"},
		},
		ValuationProofDocs: DefaultValuationProofDocs(),
	}
}

// Check runs every rule on s and returns the findings ordered by rule,
// then line (then field and message, so the order is deterministic). It
// returns an empty, non-nil slice when there is nothing to report.
func Check(s Shipment, cfg Config) []Finding {
	c := &checker{s: s, cfg: cfg, findings: []Finding{}, have: map[string]bool{}}
	for _, d := range s.Documents {
		c.have[normDoc(d)] = true
	}
	c.checkDocuments()
	c.checkLines()
	c.checkHSRepairs()
	c.checkIncoterm()
	c.checkAdditions()
	c.checkIdentifiers()
	slices.SortFunc(c.findings, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Field, b.Field),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return c.findings
}

// checker collects the findings of one Check call.
type checker struct {
	s        Shipment
	cfg      Config
	findings []Finding
	have     map[string]bool // the shipment's current doc types, normalised
}

func (c *checker) add(rule, severity, field string, line int, msg string) {
	c.findings = append(c.findings, Finding{Rule: rule, Severity: severity, Field: field, Line: line, Message: msg})
}

// addMissingDoc adds an error finding asking for document type doc.
func (c *checker) addMissingDoc(rule, doc, msg string) {
	c.findings = append(c.findings, Finding{Rule: rule, Severity: SeverityError, Field: "documents", Message: msg, Document: doc})
}

// field returns m[name] trimmed.
func field(m map[string]string, name string) string {
	return strings.TrimSpace(m[name])
}

// parseDecimal parses a plain decimal string such as "12.5" or "-3" into
// an exact rational. Fractions ("1/2"), exponents and blanks inside are
// rejected.
func parseDecimal(s string) (*big.Rat, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "/eE_ ") {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// fmtRat formats r as a short decimal for messages.
func fmtRat(r *big.Rat) string {
	s := r.FloatString(6)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// lineNo returns the invoice line number of line i: its line_no when that
// is a whole number, else its position (1-based).
func lineNo(m map[string]string, i int) int {
	if n, err := strconv.Atoi(field(m, "line_no")); err == nil {
		return n
	}
	return i + 1
}

// fmtHS6 writes the first six digits of a canonical HS code as "8483.40".
func fmtHS6(code string) string {
	if len(code) < 6 {
		return code
	}
	return code[:4] + "." + code[4:6]
}
