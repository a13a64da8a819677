package validate

import (
	"fmt"
	"strings"
)

// NotApplicable is the valuation field value that says a deduction does not
// apply to the shipment, such as freight=not_applicable when the seller
// carries the goods on its own vessel. It counts only together with a
// reason in the field's <field>_reason (freight_reason, …); it is matched
// ignoring case.
const NotApplicable = "not_applicable"

// DefaultValuationProofDocs returns the doc types that prove each deduction
// (VALUATION_PROOF_MISSING): CBP accepts only actual costs shown by a
// carrier, insurer or customs document, not amounts on the commercial
// invoice (DOMAIN.md §2.2).
func DefaultValuationProofDocs() map[string][]string {
	return map[string][]string{
		"freight":           {"freight_invoice", "rated_bill_of_lading"},
		"insurance":         {"insurance_certificate", "insurance_invoice"},
		"us_inland_freight": {"freight_invoice"},
		"duties_included":   {"duty_invoice", "customs_invoice"},
	}
}

// fobTerm lists, for one Incoterm on the FOB (US) basis, the deductions the
// valuation must answer and those it may claim (CPT/CIP: US inland freight
// when the named place is not a US inland point).
type fobTerm struct{ required, optional []string }

// fobDeductions is DOMAIN.md §2.4's US column: the costs a C or D term puts
// in the invoice price that are not part of the customs value. Destination
// unloading under DPU is not asked for: when billed separately it may go in
// the deductions field.
var fobDeductions = map[string]fobTerm{
	"CFR": {required: []string{"freight"}},
	"CIF": {required: []string{"freight", "insurance"}},
	"CPT": {required: []string{"freight"}, optional: []string{"us_inland_freight"}},
	"CIP": {required: []string{"freight", "insurance"}, optional: []string{"us_inland_freight"}},
	"DAP": {required: []string{"freight", "insurance", "us_inland_freight"}},
	"DPU": {required: []string{"freight", "insurance", "us_inland_freight"}},
	"DDP": {required: []string{"freight", "insurance", "us_inland_freight", "duties_included"}},
}

// cifAdditions is DOMAIN.md §2.4's CIF column: the costs to the border that
// an E, F, CFR or CPT price leaves out and the customs value must add.
var cifAdditions = map[string][]string{
	"EXW": {"freight", "insurance"}, "FCA": {"freight", "insurance"},
	"FAS": {"freight", "insurance"}, "FOB": {"freight", "insurance"},
	"CFR": {"insurance"}, "CPT": {"insurance"},
}

// costWords names each valuation field's cost in messages.
var costWords = map[string]string{
	"freight":           "the international freight",
	"insurance":         "the insurance of the international shipment",
	"us_inland_freight": "the US inland freight from the port of entry to the named place",
	"duties_included":   "the US duties, fees and taxes the seller paid",
	"assists":           "assists (moulds, tools, materials or engineering the buyer supplied free or cheaper)",
	"packing":           "packing costs the buyer pays",
	"commissions":       "selling commissions the buyer pays",
	"royalties":         "royalties or licence fees the buyer pays as a condition of the sale",
}

// additionFields are the additions of DOMAIN.md §2.4 "Always", asked for
// only when flagged.
var additionFields = []string{"assists", "packing", "commissions", "royalties"}

// checkValuation applies DOMAIN.md §2.4 for a known Incoterm 2020 rule: on
// the FOB (US) basis, VALUATION_DEDUCTION_MISSING for each deduction the
// term puts in the price that the valuation does not answer, and
// VALUATION_PROOF_MISSING for each amount claimed without a proof
// document; on the CIF basis, VALUATION_ADDITION_MISSING for each cost to
// the border the term leaves out that the valuation does not answer.
func (c *checker) checkValuation(term string) {
	switch strings.ToUpper(strings.TrimSpace(c.s.DestinationBasis)) {
	case "", "FOB":
		c.checkDeductions(term)
	case "CIF":
		for _, k := range cifAdditions[term] {
			if problem := additionProblem(c.s.Valuation, k); problem != "" {
				c.add(RuleValuationAdditionMissing, SeverityError, k, 0,
					fmt.Sprintf("Incoterm %s on the CIF valuation basis: the invoice price leaves out %s to the border, a cost the customs value must add, but %s; enter the actual amount in %s, or 0 when there is none",
						term, costWords[k], problem, k))
			}
		}
	}
}

// checkDeductions is checkValuation on the FOB (US) basis.
func (c *checker) checkDeductions(term string) {
	t, ok := fobDeductions[term]
	if !ok {
		return
	}
	required, optional := t.required, t.optional
	if c.s.PlaceInland {
		required, optional = append(append([]string(nil), required...), optional...), nil
	}
	proofs := c.cfg.ValuationProofDocs
	for _, k := range required {
		problem := deductionProblem(c.s.Valuation, k)
		if problem == "" {
			continue
		}
		msg := fmt.Sprintf("Incoterm %s on the FOB (US) valuation basis: the invoice price includes %s, a cost that is not part of the customs value and is deducted only as an actual, documented amount, but %s; enter the actual amount from %s in %s, or %s=%s with the reason in %s_reason",
			term, costWords[k], problem, docsPhrase(proofs[k]), k, k, NotApplicable, k)
		if term == "DPU" && k == "us_inland_freight" {
			msg += " (unloading at the named place, when billed separately, may go in deductions)"
		}
		c.add(RuleValuationDeductionMissing, SeverityError, k, 0, msg)
	}

	for _, k := range append(append([]string(nil), required...), optional...) {
		amount, ok := parseDecimal(field(c.s.Valuation, k))
		docs := proofs[k]
		if !ok || amount.Sign() <= 0 || len(docs) == 0 {
			continue
		}
		proven := false
		for _, d := range docs {
			proven = proven || c.have[normDoc(d)]
		}
		if !proven {
			c.add(RuleValuationProofMissing, SeverityWarning, k, 0,
				fmt.Sprintf("Incoterm %s on the FOB (US) valuation basis: %s %s is deducted from the invoice price, but %s among the shipment's documents; CBP accepts the deduction only with proof of the actual cost, so add %s (doc type %s)",
					term, k, fmtRat(amount), noneOf(docs), docsPhrase(docs), strings.Join(docs, " or ")))
		}
	}
}

// deductionProblem says why the valuation does not answer deduction k, or
// "" when it does: an amount above 0, or not_applicable with a reason.
func deductionProblem(v map[string]string, k string) string {
	raw := field(v, k)
	switch {
	case raw == "":
		return k + " is not given"
	case strings.EqualFold(raw, NotApplicable):
		if field(v, k+"_reason") == "" {
			return fmt.Sprintf("%s is %s without a reason in %s_reason", k, NotApplicable, k)
		}
		return ""
	}
	amount, ok := parseDecimal(raw)
	switch {
	case !ok:
		return fmt.Sprintf("%s %q is not an amount", k, raw)
	case amount.Sign() <= 0:
		return fmt.Sprintf("%s is %s, and a deduction needs the actual amount (more than 0)", k, raw)
	}
	return ""
}

// additionProblem says why the valuation does not answer addition k, or ""
// when it does: an amount of 0 or more, or an explicit no ("no", "none",
// not_applicable).
func additionProblem(v map[string]string, k string) string {
	raw := field(v, k)
	switch strings.ToLower(raw) {
	case "":
		return k + " is not given"
	case "no", "none", "n", "false", NotApplicable:
		return ""
	case "yes", "y", "true":
		return fmt.Sprintf("%s says %s without an amount", k, raw)
	}
	if amount, ok := parseDecimal(raw); !ok || amount.Sign() < 0 {
		return fmt.Sprintf("%s %q is not an amount, yes or no", k, raw)
	}
	return ""
}

// checkAdditions applies DOMAIN.md §2.4 "Always" in both regimes: assists,
// packing, selling commissions and royalties are added to the customs
// value. The valuation is asked about one (VALUATION_ADDITION_MISSING) only
// when something flags it: the valuation itself says "yes" without an
// amount or holds a value that is not an answer, or a PO line flags it
// ("yes" or an amount) and the valuation gives no answer. Nothing flagged,
// nothing asked: most shipments have none of these.
func (c *checker) checkAdditions() {
	for _, k := range additionFields {
		raw := field(c.s.Valuation, k)
		if raw != "" {
			if problem := additionProblem(c.s.Valuation, k); problem != "" {
				c.add(RuleValuationAdditionMissing, SeverityError, k, 0,
					fmt.Sprintf("the valuation flags %s, but %s; they are added to the customs value, so enter the amount in %s, or 0 when there is none", costWords[k], problem, k))
			}
			continue
		}
		var flagged []string
		for _, po := range c.s.POLines {
			if v := field(po, k); poFlags(v) {
				flagged = append(flagged, fmt.Sprintf("%s (%s: %s)", poRef(po), k, v))
			}
		}
		if len(flagged) > 0 {
			c.add(RuleValuationAdditionMissing, SeverityError, k, 0,
				fmt.Sprintf("%s flag%s %s, but the valuation does not give %s; they are added to the customs value, so enter the amount in %s of the valuation, or 0 when none applies to this shipment",
					strings.Join(flagged, ", "), verbS(len(flagged)), costWords[k], k, k))
		}
	}
}

// poFlags reports whether a PO line's addition field flags the addition:
// "yes" (y, true, x) or an amount above 0.
func poFlags(v string) bool {
	switch strings.ToLower(v) {
	case "yes", "y", "true", "x":
		return true
	}
	amount, ok := parseDecimal(v)
	return ok && amount.Sign() > 0
}

// docsPhrase names doc types for a message: "the freight invoice or the
// rated bill of lading"; "a carrier or insurer document" when there are none.
func docsPhrase(docs []string) string {
	if len(docs) == 0 {
		return "a carrier or insurer document"
	}
	return strings.Join(docNames(docs), " or ")
}

// docNames names doc types as people say them ("the freight invoice").
func docNames(docs []string) []string {
	names := make([]string, len(docs))
	for i, d := range docs {
		names[i] = docName(normDoc(d))
	}
	return names
}

// noneOf says that none of docs is present: "the freight invoice is not",
// "neither the freight invoice nor the rated bill of lading is".
func noneOf(docs []string) string {
	if len(docs) == 1 {
		return docName(normDoc(docs[0])) + " is not"
	}
	return "neither " + strings.Join(docNames(docs), " nor ") + " is"
}
