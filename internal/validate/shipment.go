package validate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/clearway/clearway/internal/codelist"
)

// checkDocuments applies DOC_REQUIRED_MISSING (per mode, packing list for
// more than one invoice line, certificate of origin for a preference
// claim) and PGA_DOC_MISSING (per HS chapter of the invoice lines).
func (c *checker) checkDocuments() {
	have := c.have
	mode := strings.ToLower(strings.TrimSpace(c.s.Mode))
	required, ok := c.cfg.RequiredDocs[mode]
	if !ok {
		required = c.cfg.RequiredDocs[""]
	}
	modeName := mode
	if modeName == "" {
		modeName = "unknown"
	}
	reported := map[string]bool{}
	missing := func(doc, why string) {
		doc = normDoc(doc)
		if doc == "" || have[doc] || reported[doc] {
			return
		}
		reported[doc] = true
		c.addMissingDoc(RuleDocRequiredMissing, doc, fmt.Sprintf("%s is missing: %s", docName(doc), why))
	}
	for _, doc := range required {
		missing(doc, fmt.Sprintf("every %s-mode shipment needs one", modeName))
	}
	if n := len(c.s.InvoiceLines); n > 1 {
		missing("packing_list", fmt.Sprintf("the invoice has %d lines", n))
	}
	var prefLines []string
	var programs []string
	for i, l := range c.s.InvoiceLines {
		p := field(l, "preference_program")
		switch strings.ToUpper(p) {
		case "", "NONE", "N/A", "NA", "-", "0":
			continue
		}
		prefLines = append(prefLines, strconv.Itoa(lineNo(l, i)))
		if !slices.Contains(programs, p) {
			programs = append(programs, p)
		}
	}
	if len(prefLines) > 0 {
		missing("certificate_of_origin", fmt.Sprintf("invoice %s %s claim%s preference %s, and the importer must hold the origin certification when the claim is made",
			plural(len(prefLines), "line", "lines"), strings.Join(prefLines, ", "), verbS(len(prefLines)), strings.Join(programs, ", ")))
	}

	// PGA: one finding per missing agency document, naming the chapters
	// and invoice lines that need it.
	type need struct{ chapters, lines []string }
	needs := map[string]*need{}
	var order []string
	for i, l := range c.s.InvoiceLines {
		hs, err := codelist.NormalizeHS(field(l, "hs_code"), false)
		if err != nil {
			continue
		}
		ch := hs.Code[:2]
		for _, doc := range c.cfg.AgencyDocs[ch] {
			doc = normDoc(doc)
			if doc == "" || have[doc] {
				continue
			}
			n := needs[doc]
			if n == nil {
				n = &need{}
				needs[doc] = n
				order = append(order, doc)
			}
			if !slices.Contains(n.chapters, ch) {
				n.chapters = append(n.chapters, ch)
			}
			n.lines = append(n.lines, strconv.Itoa(lineNo(l, i)))
		}
	}
	for _, doc := range order {
		n := needs[doc]
		c.addMissingDoc(RulePGADocMissing, doc, fmt.Sprintf("%s is missing: required for HS chapter %s (invoice %s %s)",
			docName(doc), strings.Join(n.chapters, ", "), plural(len(n.lines), "line", "lines"), strings.Join(n.lines, ", ")))
	}
}

// normDoc writes a doc type in its canonical lower-case form.
func normDoc(d string) string {
	return strings.ToLower(strings.TrimSpace(d))
}

// docName turns a doc type into words: "bill_of_lading" → "bill of lading".
func docName(doc string) string {
	if doc == "sds" {
		return "the safety data sheet (sds)"
	}
	return "the " + strings.ReplaceAll(doc, "_", " ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func verbS(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

// incoterms2020 are the eleven Incoterms 2020 rules (DOMAIN.md §2.1).
var incoterms2020 = map[string]bool{
	"EXW": true, "FCA": true, "FAS": true, "FOB": true, "CFR": true, "CIF": true,
	"CPT": true, "CIP": true, "DAP": true, "DPU": true, "DDP": true,
}

// legacyTerms maps pre-2020 and informal terms to the Incoterms 2020 rule
// used for the valuation check, with the advice given in the warning.
var legacyTerms = map[string]struct{ term, advice string }{
	"DAT":             {"DPU", "DAT was replaced by DPU in Incoterms 2020"},
	"DDU":             {"DAP", "DDU is an Incoterms 2000 term; the nearest 2020 rule is DAP, confirm with the seller"},
	"DAF":             {"DAP", "DAF is an Incoterms 2000 term; the nearest 2020 rule is DAP, confirm with the seller"},
	"DES":             {"DAP", "DES is an Incoterms 2000 term; the nearest 2020 rule is DAP, confirm with the seller"},
	"DEQ":             {"DPU", "DEQ is an Incoterms 2000 term; the nearest 2020 rule is DPU, confirm with the seller"},
	"C&F":             {"CFR", "C&F is an old spelling of CFR"},
	"CNF":             {"CFR", "CNF is an old spelling of CFR"},
	"FOB DESTINATION": {"", "FOB Destination is a US UCC shipping term, not an Incoterm; ask the seller which Incoterm applies"},
	"FOB ORIGIN":      {"", "FOB Origin is a US UCC shipping term, not an Incoterm; ask the seller which Incoterm applies"},
}

// checkIncoterm applies the INCOTERM_* rules and, for a known term, the
// valuation rules of DOMAIN.md §2.4.
func (c *checker) checkIncoterm() {
	raw := strings.TrimSpace(c.s.Incoterm)
	place := strings.TrimSpace(c.s.IncotermPlace)
	if raw == "" {
		c.add(RuleIncotermMissing, SeverityError, "incoterm", 0,
			"no Incoterm is given; the delivery term (such as FOB Ningbo) decides which freight and insurance costs count in the customs value")
		return
	}
	up := strings.Join(strings.Fields(strings.ToUpper(raw)), " ")
	up = strings.TrimSuffix(up, ".")
	term := ""
	if lt, ok := legacyTerms[up]; ok {
		c.add(RuleIncotermLegacy, SeverityWarning, "incoterm", 0,
			fmt.Sprintf("Incoterm %q is not an Incoterms 2020 rule: %s", raw, lt.advice))
		term = lt.term
		if term == "" {
			return // a UCC term: no Incoterm to value against, no place to ask for
		}
	} else {
		// "FOB Ningbo" in the term field: the rest is the named place.
		code, rest, _ := strings.Cut(up, " ")
		code = strings.TrimSuffix(code, ".")
		if lt, ok := legacyTerms[code]; ok {
			c.add(RuleIncotermLegacy, SeverityWarning, "incoterm", 0,
				fmt.Sprintf("Incoterm %q is not an Incoterms 2020 rule: %s", raw, lt.advice))
			code = lt.term
		} else if !incoterms2020[code] {
			c.add(RuleIncotermInvalid, SeverityError, "incoterm", 0,
				fmt.Sprintf("Incoterm %q is not one of the 11 Incoterms 2020 rules (EXW, FCA, FAS, FOB, CFR, CIF, CPT, CIP, DAP, DPU, DDP)", raw))
			return
		}
		term = code
		if place == "" && rest != "" {
			place = rest
		}
	}
	if place == "" {
		c.add(RuleIncotermPlaceMissing, SeverityWarning, "incoterm_place", 0,
			fmt.Sprintf("Incoterm %s has no named place (such as %s Shanghai); the place decides which transport costs are in the price", term, term))
	}
	c.checkValuation(term)
}

// checkIdentifiers applies the check-digit and syntax rules of DOMAIN.md
// §6 to the shipment identifiers, the packing-list container numbers and
// the carrier SCAC.
func (c *checker) checkIdentifiers() {
	containers := append([]string(nil), c.s.Identifiers["container_number"]...)
	for _, p := range c.s.PackingLines {
		if v := field(p, "container_number"); v != "" {
			containers = append(containers, v)
		}
	}
	seen := map[string]bool{}
	for _, v := range containers {
		v = strings.TrimSpace(v)
		if v == "" || seen[strings.ToUpper(v)] {
			continue
		}
		seen[strings.ToUpper(v)] = true
		if !codelist.ContainerCheckDigitValid(v) {
			c.add(RuleContainerCheckDigit, SeverityError, "container_number", 0,
				fmt.Sprintf("container number %q is not a valid ISO 6346 number (3-letter owner code, U/J/Z, 6 digits and a matching check digit); check it against the bill of lading", v))
		}
	}
	for _, v := range nonBlank(c.s.Identifiers["air_waybill"]) {
		if !codelist.AWBCheckDigitValid(v) {
			c.add(RuleAWBCheckDigit, SeverityError, "air_waybill", 0,
				fmt.Sprintf("air waybill %q is not a valid 11-digit AWB number (the last digit must be the first 7 serial digits mod 7)", v))
		}
	}
	for _, v := range nonBlank(c.s.Identifiers["entry_number"]) {
		if !codelist.EntryNumberCheckDigitValid(v) {
			c.add(RuleEntryCheckDigit, SeverityWarning, "entry_number", 0,
				fmt.Sprintf("entry number %q does not pass the CBP check digit (format XXX-NNNNNNN-C); confirm it with the broker", v))
		}
	}
	// Codes ending in U are not flagged: ocean carriers' SCACs (MAEU, MSCU,
	// CMDU) are also their container owner codes.
	if v := strings.TrimSpace(c.s.CarrierSCAC); v != "" && !codelist.SCACValid(v) {
		c.add(RuleSCACInvalid, SeverityWarning, "carrier_scac", 0,
			fmt.Sprintf("carrier SCAC %q is not 2 to 4 letters", v))
	}
}

// nonBlank returns the trimmed, non-blank values of vs without duplicates.
func nonBlank(vs []string) []string {
	var out []string
	for _, v := range vs {
		v = strings.TrimSpace(v)
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
