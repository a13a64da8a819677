package codelist

import (
	"strconv"
	"strings"
	"sync"
)

// Currency kinds, the values of CurrencyInfo.Kind.
const (
	// KindCurrency is a circulating national or monetary-union currency, the
	// only kind an invoice may be in.
	KindCurrency = "currency"
	// KindFund is an ISO 4217 fund code (BOV, CHE, CHW, CLF, COU, MXV, USN,
	// UYI, UYW): an indexed or settlement unit, not cash.
	KindFund = "fund"
	// KindMetal is a precious metal per troy ounce (XAU, XAG, XPD, XPT).
	KindMetal = "metal"
	// KindUnit is a supranational unit of account (XDR, XUA, XSU and the
	// bond-market units XBA–XBD). ISO does not flag these as funds.
	KindUnit = "unit"
	// KindTest is XTS (reserved for testing) or XXX (no currency involved).
	KindTest = "test"
	// KindHistoric is a superseded currency (HRK, SLL, CUC, ZWL, ANG, BGN),
	// kept so that old documents can be read.
	KindHistoric = "historic"
)

// CurrencyInfo is one ISO 4217 code, as returned by Currency. (It cannot be
// called Currency: Go allows only one package-level name Currency, and the
// lookup function has it.)
type CurrencyInfo struct {
	// Code is the alphabetic code, such as "USD".
	Code string
	// Numeric is the three-digit ISO numeric code, such as "840".
	Numeric string
	// MinorUnits is the number of decimal places ISO gives the currency
	// (JPY 0, USD 2, KWD 3, CLF 4), or -1 where ISO says N.A. (metals,
	// units of account, XTS, XXX).
	MinorUnits int
	// Kind is one of KindCurrency, KindFund, KindMetal, KindUnit, KindTest
	// or KindHistoric.
	Kind string
}

// Tradeable reports whether c may be an invoice or declared-value currency
// (rule CURRENCY_INVALID): true for KindCurrency only.
func (c CurrencyInfo) Tradeable() bool {
	return c.Kind == KindCurrency
}

// currencies indexes iso4217.csv by alphabetic code, parsed on first use.
var currencies = sync.OnceValue(func() map[string]CurrencyInfo {
	rows := mustTable("iso4217.csv", currencyFile, "code", "numeric", "minor_units", "kind")
	m := make(map[string]CurrencyInfo, len(rows))
	for _, r := range rows {
		c := CurrencyInfo{Code: r[0], Numeric: r[1], MinorUnits: -1, Kind: r[3]}
		if r[2] != "" {
			n, err := strconv.Atoi(r[2])
			if err != nil {
				panic("codelist: embedded iso4217.csv: bad minor units in " + strings.Join(r, ","))
			}
			c.MinorUnits = n
		}
		switch c.Kind {
		case KindCurrency, KindFund, KindMetal, KindUnit, KindTest, KindHistoric:
		default:
			panic("codelist: embedded iso4217.csv: bad kind in " + strings.Join(r, ","))
		}
		m[c.Code] = c
	}
	return m
})

// Currency looks up an ISO 4217 alphabetic code, in any case and with
// surrounding blanks. It knows every code, including funds, metals, test
// and historic codes; use Tradeable to decide whether an invoice may use it.
func Currency(code string) (CurrencyInfo, bool) {
	c, ok := currencies()[strings.ToUpper(strings.TrimSpace(code))]
	return c, ok
}
