package dashboard

import (
	"cmp"
	"strconv"
	"strings"
)

// Profile is what the dashboards group a shipment by: its lane, route and
// product family, and its value. The store keeps one per shipment, derived
// from its facts in the transaction that changes them (Describe).
type Profile struct {
	Mode         string  `json:"mode"`
	Origin       string  `json:"origin"` // country of origin of its principal line
	PortOfLading string  `json:"port_of_lading"`
	PortOfEntry  string  `json:"port_of_entry"`
	Destination  string  `json:"destination"` // destination country
	HSChapter    string  `json:"hs_chapter"`  // of its principal line: 2 digits
	HSHeading    string  `json:"hs_heading"`  // 4 digits
	Value        float64 `json:"value"`       // Σ invoice line values, as invoiced
	Currency     string  `json:"currency"`    // the invoices' currency; "mixed" when they differ
}

// Describe derives a shipment's profile from its transport fields (the
// shipment kind's: mode, port_of_lading, port_of_entry,
// destination_country), its invoice lines and, before any invoice, the lines
// of its purchase orders. The principal line is the one of highest value
// (first of equals): its origin and HS code stand for the shipment.
func Describe(mode string, fields map[string]string, invoice, po []map[string]string) Profile {
	p := Profile{Mode: mode, PortOfLading: upper(fields["port_of_lading"]), PortOfEntry: upper(fields["port_of_entry"]),
		Destination: upper(fields["destination_country"])}
	lines := invoice
	if len(lines) == 0 {
		lines = po
	}
	best := -1.0
	for _, l := range lines {
		v := lineValue(l)
		if len(invoice) > 0 {
			p.Value += v
			p.Currency = mergeCurrency(p.Currency, upper(l["currency"]))
		}
		if v > best {
			best = v
			p.Origin = upper(l["origin_country"])
			p.HSChapter, p.HSHeading = hsFamily(l["hs_code"])
		}
	}
	return p
}

// Lane is origin country → port (or country) of entry, by mode:
// "CN → USLAX (ocean)". Unknown parts read "?".
func (p Profile) Lane() string {
	return orUnknown(p.Origin) + " → " + orUnknown(cmp.Or(p.PortOfEntry, p.Destination)) + " (" + orUnknown(p.Mode) + ")"
}

// Route is port of lading → port of entry, or origin → destination when
// either port is unknown.
func (p Profile) Route() string {
	if p.PortOfLading != "" && p.PortOfEntry != "" {
		return p.PortOfLading + " → " + p.PortOfEntry
	}
	return orUnknown(p.Origin) + " → " + orUnknown(cmp.Or(p.Destination, p.PortOfEntry))
}

// lineValue is a line's line_value, else quantity × unit_price, else 0.
func lineValue(l map[string]string) float64 {
	if v, ok := number(l["line_value"]); ok {
		return v
	}
	q, okq := number(l["quantity"])
	u, oku := number(l["unit_price"])
	if okq && oku {
		return q * u
	}
	return 0
}

// number reads a plain decimal, tolerating thousands separators.
func number(s string) (float64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// hsFamily returns the chapter and heading of an HS code ("8471.30.0100"
// → "84", "8471"); a code of 9 digits lost its leading zero ("0901" coffee
// written 901) and gets it back, as the pre-file checks repair it.
func hsFamily(code string) (chapter, heading string) {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, code)
	if len(digits)%2 == 1 {
		digits = "0" + digits
	}
	if len(digits) < 4 {
		return "", ""
	}
	return digits[:2], digits[:4]
}

func mergeCurrency(have, c string) string {
	switch {
	case c == "" || have == c:
		return have
	case have == "":
		return c
	}
	return "mixed"
}

func upper(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func orUnknown(s string) string { return cmp.Or(s, "?") }
