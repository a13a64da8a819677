package codelist

import (
	"strconv"
	"strings"
	"sync"
)

// country is one row of iso3166-1.csv.
type country struct {
	alpha2, alpha3, numeric, name string
	userAssigned                  bool
}

// countries indexes iso3166-1.csv by alpha-2 and alpha-3 code, parsed on
// first use.
var countries = sync.OnceValue(func() map[string]*country {
	rows := mustTable("iso3166-1.csv", countryFile, "alpha2", "alpha3", "numeric", "name", "user_assigned")
	m := make(map[string]*country, 2*len(rows))
	for _, r := range rows {
		ua, err := strconv.ParseBool(r[4])
		if err != nil || len(r[0]) != 2 || len(r[1]) != 3 {
			panic("codelist: embedded iso3166-1.csv: bad row " + strings.Join(r, ","))
		}
		c := &country{alpha2: r[0], alpha3: r[1], numeric: r[2], name: r[3], userAssigned: ua}
		m[c.alpha2] = c
		m[c.alpha3] = c
	}
	return m
})

// Country resolves an ISO 3166-1 alpha-2 or alpha-3 code, in any case and
// with surrounding blanks, to its canonical alpha-2 code (rule
// ORIGIN_INVALID): "cn", "CHN" and " Chn " all give "CN". The user-assigned
// XK/XKX (Kosovo) is accepted; see CountryUserAssigned. Exceptionally
// reserved codes such as UK and EL are not ISO 3166-1 codes and are
// rejected: mapping them to GB and GR is a partner mapping decision.
func Country(code string) (alpha2 string, ok bool) {
	s := strings.ToUpper(strings.TrimSpace(code))
	if len(s) != 2 && len(s) != 3 {
		return "", false
	}
	c, ok := countries()[s]
	if !ok {
		return "", false
	}
	return c.alpha2, true
}

// CountryName returns the ISO 3166-1 short name of a country given by its
// alpha-2 code ("CN" gives "China"), or "" for anything else.
func CountryName(alpha2 string) string {
	c, ok := countryByAlpha2(alpha2)
	if !ok {
		return ""
	}
	return c.name
}

// CountryUserAssigned reports whether alpha2 is a user-assigned code that
// the project accepts although ISO 3166-1 does not list it (XK, Kosovo), so
// that a validator can warn about it or a partner mapping can refuse it.
func CountryUserAssigned(alpha2 string) bool {
	c, ok := countryByAlpha2(alpha2)
	return ok && c.userAssigned
}

func countryByAlpha2(alpha2 string) (*country, bool) {
	s := strings.ToUpper(strings.TrimSpace(alpha2))
	if len(s) != 2 {
		return nil, false
	}
	c, ok := countries()[s]
	return c, ok
}
