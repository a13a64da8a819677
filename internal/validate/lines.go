package validate

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/clearway/clearway/internal/codelist"
)

// poIndex finds the purchase-order line an invoice line refers to.
type poIndex struct {
	byLine map[string]int // po_number + line_no → index in POLines
	bySKU  map[string]int // po_number + sku → index, -1 when ambiguous
}

func newPOIndex(lines []map[string]string) poIndex {
	ix := poIndex{byLine: map[string]int{}, bySKU: map[string]int{}}
	for i, l := range lines {
		po := field(l, "po_number")
		if po == "" {
			continue
		}
		if n := normLineRef(field(l, "line_no")); n != "" {
			if _, dup := ix.byLine[po+"\x00"+n]; !dup {
				ix.byLine[po+"\x00"+n] = i
			}
		}
		if sku := strings.ToUpper(field(l, "sku")); sku != "" {
			k := po + "\x00" + sku
			if _, dup := ix.bySKU[k]; dup {
				ix.bySKU[k] = -1
			} else {
				ix.bySKU[k] = i
			}
		}
	}
	return ix
}

// find returns the index of the PO line that invoice line l refers to: by
// po_number + po_line, else by po_number + sku when that SKU appears on
// one line of the PO only; -1 when there is none.
func (ix poIndex) find(l map[string]string) int {
	po := field(l, "po_number")
	if po == "" {
		return -1
	}
	if n := normLineRef(field(l, "po_line")); n != "" {
		if i, ok := ix.byLine[po+"\x00"+n]; ok {
			return i
		}
	}
	if sku := strings.ToUpper(field(l, "sku")); sku != "" {
		if i, ok := ix.bySKU[po+"\x00"+sku]; ok {
			return i
		}
	}
	return -1
}

// normLineRef writes a line number without leading zeros ("010" → "10")
// so that ERP and supplier spellings meet.
func normLineRef(s string) string {
	if n, err := strconv.Atoi(s); err == nil {
		return strconv.Itoa(n)
	}
	return s
}

// poRef names a PO line in messages: "PO 4500012345 line 20".
func poRef(l map[string]string) string {
	if n := field(l, "line_no"); n != "" {
		return fmt.Sprintf("PO %s line %s", field(l, "po_number"), n)
	}
	return fmt.Sprintf("PO %s SKU %s", field(l, "po_number"), field(l, "sku"))
}

// qtyAgg sums the invoiced quantity of one PO line across invoice lines.
type qtyAgg struct {
	sum   *big.Rat
	lines []int
	uom   string
	// elsewhere is what other shipments declared against the same PO
	// line (a PO shipped in parts), included in sum.
	elsewhere *big.Rat
}

// checkLines applies the invoice-line rules: HS, origin, quantity, unit,
// currency, value, and the comparisons with the PO line.
func (c *checker) checkLines() {
	ix := newPOIndex(c.s.POLines)
	agg := map[int]*qtyAgg{}
	var aggOrder []int
	for i, l := range c.s.InvoiceLines {
		ln := lineNo(l, i)
		where := fmt.Sprintf("invoice line %d", ln)
		pi := ix.find(l)
		var po map[string]string
		if pi >= 0 {
			po = c.s.POLines[pi]
		}

		// HS code.
		invHS := ""
		if hs, err := codelist.NormalizeHS(field(l, "hs_code"), false); err != nil {
			if field(l, "hs_code") == "" {
				c.add(RuleHSSyntax, SeverityError, "hs_code", ln, where+" has no HS code")
			} else {
				c.add(RuleHSSyntax, SeverityError, "hs_code", ln, fmt.Sprintf("%s: %s", where, err.Error()))
			}
		} else if !codelist.HSExists(hs.Code) {
			c.add(RuleHSUnknown, SeverityError, "hs_code", ln,
				fmt.Sprintf("%s has HS %s, which is not a subheading of HS 2022", where, fmtHS6(hs.Code)))
		} else {
			invHS = hs.Code
		}
		if po != nil && invHS != "" {
			if poHS, err := codelist.NormalizeHS(field(po, "hs_code"), false); err == nil && poHS.Code[:6] != invHS[:6] {
				c.add(RuleHSMismatchPO, SeverityError, "hs_code", ln,
					fmt.Sprintf("%s has HS %s but %s has %s; a classifier must confirm which is right",
						where, fmtHS6(invHS), poRef(po), fmtHS6(poHS.Code)))
			}
		}

		// Country of origin.
		poOrigin := ""
		if po != nil {
			poOrigin, _ = codelist.Country(field(po, "origin_country"))
		}
		switch raw := field(l, "origin_country"); {
		case raw == "" && poOrigin != "":
			// The supplier left it out; the PO's origin stands.
		case raw == "":
			c.add(RuleOriginInvalid, SeverityError, "origin_country", ln, where+" has no country of origin")
		default:
			origin, ok := codelist.Country(raw)
			if !ok {
				c.add(RuleOriginInvalid, SeverityError, "origin_country", ln,
					fmt.Sprintf("%s has country of origin %q, which is not an ISO 3166-1 country code", where, raw))
			} else if poOrigin != "" && origin != poOrigin {
				c.add(RuleOriginMismatchPO, SeverityError, "origin_country", ln,
					fmt.Sprintf("%s has country of origin %s but %s has %s", where, origin, poRef(po), poOrigin))
			}
		}

		// Unit of quantity.
		uom, uomOK := c.uom(field(l, "uom"))
		switch raw := field(l, "uom"); {
		case raw == "":
			c.add(RuleUOMInvalid, SeverityError, "uom", ln, where+" has no unit of quantity")
		case !uomOK:
			c.add(RuleUOMInvalid, SeverityError, "uom", ln,
				fmt.Sprintf("%s has unit %q, which is not a known unit of quantity (package types such as CTN or PLT are not units)", where, raw))
		}
		// Quantities and prices compare only in the same unit (or when the
		// PO gives none).
		sameUOM := false
		if po != nil {
			poRaw := field(po, "uom")
			poUOM, poUOMOK := c.uom(poRaw)
			sameUOM = poRaw == "" || strings.EqualFold(poRaw, field(l, "uom")) || (uomOK && poUOMOK && uom == poUOM)
		}

		// Currency.
		cur := strings.ToUpper(field(l, "currency"))
		switch info, ok := codelist.Currency(cur); {
		case cur == "":
			c.add(RuleCurrencyInvalid, SeverityError, "currency", ln, where+" has no currency")
		case !ok:
			c.add(RuleCurrencyInvalid, SeverityError, "currency", ln,
				fmt.Sprintf("%s has currency %q, which is not an ISO 4217 code", where, field(l, "currency")))
		case !info.Tradeable():
			c.add(RuleCurrencyInvalid, SeverityError, "currency", ln,
				fmt.Sprintf("%s has currency %s, a %s code that an invoice cannot be in", where, info.Code, info.Kind))
		}
		poCur := ""
		if po != nil {
			poCur = strings.ToUpper(field(po, "currency"))
		}
		sameCur := cur == "" || poCur == "" || cur == poCur

		// Quantity.
		qty, qtyOK := parseDecimal(field(l, "quantity"))
		switch raw := field(l, "quantity"); {
		case raw == "":
			c.add(RuleQtyInvalid, SeverityError, "quantity", ln, where+" has no quantity")
		case !qtyOK:
			c.add(RuleQtyInvalid, SeverityError, "quantity", ln,
				fmt.Sprintf("%s has quantity %q, which is not a number", where, raw))
		case qty.Sign() <= 0:
			c.add(RuleQtyInvalid, SeverityError, "quantity", ln,
				fmt.Sprintf("%s has quantity %s; it must be more than zero", where, raw))
			qtyOK = false
		}
		if qtyOK && pi >= 0 && sameUOM {
			a := agg[pi]
			if a == nil {
				a = &qtyAgg{sum: new(big.Rat), uom: uom}
				agg[pi] = a
				aggOrder = append(aggOrder, pi)
			}
			a.sum.Add(a.sum, qty)
			a.lines = append(a.lines, ln)
		}

		// Unit price against the PO.
		price, priceOK := parseDecimal(field(l, "unit_price"))
		if priceOK && po != nil && sameUOM && sameCur {
			// A PO without a price (0) has nothing to deviate from.
			if poPrice, ok := parseDecimal(field(po, "unit_price")); ok && poPrice.Sign() > 0 {
				if beyond(poPrice, price, c.cfg.PriceTolerancePct) {
					pct := new(big.Rat).Quo(new(big.Rat).Mul(new(big.Rat).Sub(price, poPrice), big.NewRat(100, 1)), poPrice)
					f, _ := pct.Float64()
					c.add(RulePriceDeviation, SeverityWarning, "unit_price", ln,
						fmt.Sprintf("%s has unit price %s %s but %s has %s (%+.1f%%, tolerance %g%%)",
							where, fmtRat(price), cur, poRef(po), fmtRat(poPrice), f, c.cfg.PriceTolerancePct))
				}
			}
		}

		// Line value.
		rawValue := field(l, "line_value")
		if _, ok := parseDecimal(rawValue); !ok && !(priceOK && qtyOK) {
			if rawValue == "" {
				c.add(RuleValueMissing, SeverityError, "line_value", ln,
					where+" has no line value and no unit price and quantity to compute it from")
			} else {
				c.add(RuleValueMissing, SeverityError, "line_value", ln,
					fmt.Sprintf("%s has line value %q, which is not a number, and no unit price and quantity to compute it from", where, rawValue))
			}
		}
	}

	c.addElsewhere(ix, agg)
	// Quantity against the PO, summed over the invoice lines of one PO
	// line (in this shipment and the others that carry the PO): only
	// shipping more than ordered counts.
	for _, pi := range aggOrder {
		a, po := agg[pi], c.s.POLines[pi]
		poQty, ok := parseDecimal(field(po, "quantity"))
		if !ok || poQty.Sign() <= 0 || a.sum.Cmp(poQty) <= 0 || !beyond(poQty, a.sum, c.cfg.QtyTolerancePct) {
			continue
		}
		lines := make([]string, len(a.lines))
		for k, n := range a.lines {
			lines[k] = strconv.Itoa(n)
		}
		unit := ""
		if a.uom != "" {
			unit = " " + a.uom
		}
		shipped := fmtRat(a.sum) + unit
		if a.elsewhere != nil {
			shipped = fmt.Sprintf("%s, counting the %s%s other shipments declared,", shipped, fmtRat(a.elsewhere), unit)
		}
		c.add(RuleQtyOverPO, SeverityWarning, "quantity", a.lines[0],
			fmt.Sprintf("invoice %s %s ship%s %s but %s orders %s%s (tolerance %g%%)",
				plural(len(lines), "line", "lines"), strings.Join(lines, ", "), verbS(len(lines)), shipped,
				poRef(po), fmtRat(poQty), unit, c.cfg.QtyTolerancePct))
	}
}

// addElsewhere adds to each PO line's sum what other shipments declared
// against it in the same unit (DOMAIN.md §4.8: QTY_OVER_PO counts every
// shipment of the PO).
func (c *checker) addElsewhere(ix poIndex, agg map[int]*qtyAgg) {
	for _, l := range c.s.OtherInvoiceLines {
		a := agg[ix.find(l)]
		qty, ok := parseDecimal(field(l, "quantity"))
		if a == nil || !ok || qty.Sign() <= 0 {
			continue
		}
		if u, _ := c.uom(field(l, "uom")); u != a.uom {
			continue
		}
		if a.elsewhere == nil {
			a.elsewhere = new(big.Rat)
		}
		a.elsewhere.Add(a.elsewhere, qty)
		a.sum.Add(a.sum, qty)
	}
}

// uom resolves a unit through the configured aliases, then codelist.UOM.
func (c *checker) uom(raw string) (string, bool) {
	if raw == "" {
		return "", false
	}
	key := strings.ToUpper(strings.TrimSpace(raw))
	for k, v := range c.cfg.UOMAliases {
		if strings.ToUpper(strings.TrimSpace(k)) == key {
			raw = v
			break
		}
	}
	return codelist.UOM(raw)
}

// checkHSRepairs applies HS_LEADING_ZERO_REPAIRED: the mapping engine
// restored a lost leading zero (DOMAIN.md §1.3 step 2) and kept what was
// sent in hs_code_as_sent. A line whose hs_code_as_sent holds other digits
// than its hs_code is reported, so that a person confirms the code.
func (c *checker) checkHSRepairs() {
	repaired := func(l map[string]string) (sent, code string, ok bool) {
		sent, code = field(l, "hs_code_as_sent"), field(l, "hs_code")
		return sent, code, sent != "" && digitsOf(sent) != digitsOf(code)
	}
	const advice = "a number cell or number type dropped the leading zero; confirm the code and ask the sender to keep HS codes as text"
	for i, l := range c.s.InvoiceLines {
		if sent, code, ok := repaired(l); ok {
			ln := lineNo(l, i)
			c.add(RuleHSLeadingZeroRepaired, SeverityWarning, "hs_code", ln,
				fmt.Sprintf("invoice line %d: HS code sent as %s was read as %s; %s", ln, sent, code, advice))
		}
	}
	for _, l := range c.s.POLines {
		if sent, code, ok := repaired(l); ok {
			c.add(RuleHSLeadingZeroRepaired, SeverityWarning, "hs_code", 0,
				fmt.Sprintf("%s: HS code sent as %s was read as %s; %s", poRef(l), sent, code, advice))
		}
	}
}

// digitsOf returns the ASCII digits of s.
func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
