package codelist

import (
	"strings"
	"sync"
)

// uomTable is uom.csv: every accepted spelling mapped to its CBP unit, and
// each CBP unit's UN/ECE Rec 20 code ("" where Rec 20 has none).
type uomTable struct {
	cbp   map[string]string
	rec20 map[string]string
}

// uoms is uom.csv, parsed on first use.
var uoms = sync.OnceValue(func() uomTable {
	rows := mustTable("uom.csv", uomFile, "code", "kind", "cbp", "rec20", "meaning")
	t := uomTable{cbp: make(map[string]string, len(rows)), rec20: make(map[string]string)}
	for _, r := range rows {
		switch r[1] {
		case "unit":
			t.rec20[r[2]] = r[3]
		case "alias":
		default:
			panic("codelist: embedded uom.csv: bad kind in " + strings.Join(r, ","))
		}
		t.cbp[r[0]] = r[2]
	}
	return t
})

// UOM resolves a unit of quantity as written on an invoice, a packing list
// or in the HTSUS "units" column to its CBP/HTS reporting code (rule
// UOM_INVALID): "KGS", "kilo" and "kg" give "KG"; "EA", "each" and "No."
// give "NO"; "pcs" gives "PCS"; "m²" and "SQM" give "M2"; the Rec 20 codes
// "KGM" and "C62" give "KG" and "NO". Case, dots and repeated blanks are
// ignored.
//
// The unit table is DOMAIN.md §5.3 and the aliases are the list in
// gen/main.go; both are [K] domain knowledge, not yet checked against the
// CATAIR. Package types such as CTN, CARTON or PLT (UN/ECE Rec 21) are not
// units of quantity and are rejected, as is SETS; so are ambiguous
// spellings (TON, GRS, CT).
func UOM(code string) (canonical string, ok bool) {
	cbp, ok := uoms().cbp[normalizeUOM(code)]
	return cbp, ok
}

// UOMRec20 returns the UN/ECE Rec 20 code for a unit UOM accepts ("KG" and
// "kgs" give "KGM"). ok is false for an unknown unit and for the CBP units
// Rec 20 has no equivalent for (CKG, CGM, X), which must be sent as CBP
// codes.
func UOMRec20(code string) (rec20 string, ok bool) {
	t := uoms()
	cbp, ok := t.cbp[normalizeUOM(code)]
	if !ok {
		return "", false
	}
	rec20 = t.rec20[cbp]
	return rec20, rec20 != ""
}

// normalizeUOM upper-cases s, drops dots, writes ² and ³ as 2 and 3 and
// folds blanks, so that "doz. pr." becomes "DOZ PR".
func normalizeUOM(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '.':
			return -1
		case '²':
			return '2'
		case '³':
			return '3'
		}
		return r
	}, strings.ToUpper(s))
	return strings.Join(strings.Fields(s), " ")
}
