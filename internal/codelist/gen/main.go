// Command gen derives the code lists that package codelist embeds:
//
//	hs2022.txt     HS 2022 headings and subheadings, from the datasets/harmonized-system CSV
//	iso3166-1.csv  ISO 3166-1 countries, from Debian iso-codes, plus Kosovo (XK)
//	iso4217.csv    ISO 4217 currencies, from Debian iso-codes, plus hand-kept minor units and kinds
//	uom.csv        CBP/HTS units of quantity, their UN/ECE Rec 20 codes and an alias table
//	SOURCE.md      provenance, licences and the sha256 of every file above
//
// It runs at development time only, from the package directory:
//
//	go generate ./internal/codelist
//
// which runs "go run ./gen". Nothing at run time or in tests needs it, nor
// the files it reads.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// hsCommit is the datasets/harmonized-system commit the HS file comes from.
const hsCommit = "905e5a0"

// Expected sizes of the inputs; the generator refuses to write anything else.
const (
	wantSubheadings = 5612
	wantHeadings    = 1228
	wantCountries   = 249
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

type config struct {
	hsPath     string
	isoDir     string
	isoVersion string
	outDir     string
}

func run(args []string, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.hsPath, "hs", "../../../shared/data/hs2022.csv", "HS 2022 CSV (datasets/harmonized-system data/harmonized-system.csv at commit "+hsCommit+")")
	fs.StringVar(&c.isoDir, "iso-codes", "/usr/share/iso-codes/json", "directory holding iso_3166-1.json and iso_4217.json from Debian iso-codes")
	fs.StringVar(&c.isoVersion, "iso-codes-version", "", "iso-codes package version to record (default: ask dpkg-query)")
	fs.StringVar(&c.outDir, "out", ".", "directory to write the generated files to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.isoVersion == "" {
		out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", "iso-codes").Output()
		if err != nil {
			return fmt.Errorf("ask dpkg-query for the iso-codes version (or pass -iso-codes-version): %w", err)
		}
		c.isoVersion = strings.TrimSpace(string(out))
	}

	hsIn, err := os.ReadFile(c.hsPath)
	if err != nil {
		return fmt.Errorf("read hs csv: %w", err)
	}
	countriesIn, err := os.ReadFile(filepath.Join(c.isoDir, "iso_3166-1.json"))
	if err != nil {
		return fmt.Errorf("read iso 3166-1: %w", err)
	}
	currenciesIn, err := os.ReadFile(filepath.Join(c.isoDir, "iso_4217.json"))
	if err != nil {
		return fmt.Errorf("read iso 4217: %w", err)
	}

	files := []struct {
		name  string
		build func([]byte) ([]byte, error)
		in    []byte
	}{
		{"hs2022.txt", buildHS, hsIn},
		{"iso3166-1.csv", buildCountries, countriesIn},
		{"iso4217.csv", buildCurrencies, currenciesIn},
		{"uom.csv", func([]byte) ([]byte, error) { return buildUOM() }, nil},
	}
	sums := make(map[string]string)
	for _, f := range files {
		b, err := f.build(f.in)
		if err != nil {
			return fmt.Errorf("build %s: %w", f.name, err)
		}
		if err := os.WriteFile(filepath.Join(c.outDir, f.name), b, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", f.name, err)
		}
		sums[f.name] = sha256Hex(b)
	}
	src, err := buildSource(c, sums, map[string]string{
		"hs2022.csv":      sha256Hex(hsIn),
		"iso_3166-1.json": sha256Hex(countriesIn),
		"iso_4217.json":   sha256Hex(currenciesIn),
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(c.outDir, "SOURCE.md"), src, 0o644); err != nil {
		return fmt.Errorf("write SOURCE.md: %w", err)
	}
	return nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// buildHS keeps the 4-digit headings and 6-digit subheadings, drops the
// Comtrade fillers (99, 9999, 999999, TOTAL) and writes one code a line,
// sorted, without descriptions.
func buildHS(in []byte) ([]byte, error) {
	r := csv.NewReader(bytes.NewReader(in))
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if strings.Join(header, ",") != "section,hscode,description,parent,level" {
		return nil, fmt.Errorf("unexpected header %q", header)
	}
	var codes []string
	var headings, subheadings int
	seen := make(map[string]bool)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read row: %w", err)
		}
		code, level := rec[1], rec[4]
		if code == "TOTAL" || strings.Trim(code, "9") == "" {
			continue // Comtrade fillers, not HS codes
		}
		switch level {
		case "4":
			headings++
		case "6":
			subheadings++
		default:
			continue
		}
		if len(code) != int(level[0]-'0') {
			return nil, fmt.Errorf("code %q at level %s", code, level)
		}
		if strings.Trim(code, "0123456789") != "" {
			return nil, fmt.Errorf("code %q is not all digits", code)
		}
		if seen[code] {
			return nil, fmt.Errorf("duplicate code %q", code)
		}
		seen[code] = true
		codes = append(codes, code)
	}
	if headings != wantHeadings || subheadings != wantSubheadings {
		return nil, fmt.Errorf("got %d headings and %d subheadings, want %d and %d", headings, subheadings, wantHeadings, wantSubheadings)
	}
	for _, c := range codes {
		if len(c) == 6 && !seen[c[:4]] {
			return nil, fmt.Errorf("subheading %s has no heading %s", c, c[:4])
		}
	}
	slices.Sort(codes)
	var b bytes.Buffer
	for _, c := range codes {
		b.WriteString(c)
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// buildCountries writes alpha2,alpha3,numeric,name,user_assigned for the
// 249 ISO 3166-1 entries plus the user-assigned extension list.
func buildCountries(in []byte) ([]byte, error) {
	var doc struct {
		Entries []struct {
			Alpha2  string `json:"alpha_2"`
			Alpha3  string `json:"alpha_3"`
			Numeric string `json:"numeric"`
			Name    string `json:"name"`
		} `json:"3166-1"`
	}
	if err := json.Unmarshal(in, &doc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if len(doc.Entries) != wantCountries {
		return nil, fmt.Errorf("got %d countries, want %d", len(doc.Entries), wantCountries)
	}
	rows := [][]string{}
	for _, e := range doc.Entries {
		if len(e.Alpha2) != 2 || len(e.Alpha3) != 3 || len(e.Numeric) != 3 || e.Name == "" {
			return nil, fmt.Errorf("malformed entry %+v", e)
		}
		rows = append(rows, []string{e.Alpha2, e.Alpha3, e.Numeric, e.Name, "false"})
	}
	// User-assigned codes partners send that ISO 3166-1 does not list.
	// XK/XKX is the code the European Commission, SWIFT and CBP use for
	// Kosovo; it has no ISO numeric code.
	rows = append(rows, []string{"XK", "XKX", "", "Kosovo", "true"})
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	for i := 1; i < len(rows); i++ {
		if rows[i][0] == rows[i-1][0] {
			return nil, fmt.Errorf("duplicate alpha-2 %s", rows[i][0])
		}
	}
	return writeCSV([]string{"alpha2", "alpha3", "numeric", "name", "user_assigned"}, rows)
}

// Currency kinds written to iso4217.csv.
const (
	kindCurrency = "currency" // circulating national currency: the only kind allowed on an invoice
	kindFund     = "fund"     // ISO 4217 fund codes (IsFund in the ISO list)
	kindMetal    = "metal"    // precious metals, quoted per troy ounce
	kindUnit     = "unit"     // supranational units of account (SDR, ADB, Sucre, bond-market units)
	kindTest     = "test"     // XTS (testing) and XXX (no currency)
	kindHistoric = "historic" // superseded national currencies, kept for old documents
)

// currencyInfo is the hand-kept part of iso4217.csv that iso-codes lacks.
// minor is the ISO 4217 minor unit (decimal places); -1 is "N.A." in the
// ISO list.
type currencyInfo struct {
	minor int
	kind  string
}

// currencyTable holds the minor units from ISO 4217 list one (SIX, the
// maintenance agency) and a kind for every code in iso-codes 4.15.0. The
// generator fails when iso-codes gains or loses a code, so a new version
// forces a review of this table.
var currencyTable = map[string]currencyInfo{
	// Zero decimals.
	"BIF": {0, kindCurrency}, "CLP": {0, kindCurrency}, "DJF": {0, kindCurrency},
	"GNF": {0, kindCurrency}, "ISK": {0, kindCurrency}, "JPY": {0, kindCurrency},
	"KMF": {0, kindCurrency}, "KRW": {0, kindCurrency}, "PYG": {0, kindCurrency},
	"RWF": {0, kindCurrency}, "UGX": {0, kindCurrency}, "VND": {0, kindCurrency},
	"VUV": {0, kindCurrency}, "XAF": {0, kindCurrency}, "XOF": {0, kindCurrency},
	"XPF": {0, kindCurrency},
	// Three decimals.
	"BHD": {3, kindCurrency}, "IQD": {3, kindCurrency}, "JOD": {3, kindCurrency},
	"KWD": {3, kindCurrency}, "LYD": {3, kindCurrency}, "OMR": {3, kindCurrency},
	"TND": {3, kindCurrency},
	// Funds.
	"BOV": {2, kindFund}, "CHE": {2, kindFund}, "CHW": {2, kindFund},
	"CLF": {4, kindFund}, "COU": {2, kindFund}, "MXV": {2, kindFund},
	"USN": {2, kindFund}, "UYI": {0, kindFund}, "UYW": {4, kindFund},
	// Precious metals (minor unit N.A.).
	"XAG": {-1, kindMetal}, "XAU": {-1, kindMetal}, "XPD": {-1, kindMetal}, "XPT": {-1, kindMetal},
	// Units of account (minor unit N.A.). XDR is an IMF reserve asset, not
	// an ISO fund code and not a circulating currency.
	"XBA": {-1, kindUnit}, "XBB": {-1, kindUnit}, "XBC": {-1, kindUnit}, "XBD": {-1, kindUnit},
	"XDR": {-1, kindUnit}, "XSU": {-1, kindUnit}, "XUA": {-1, kindUnit},
	// Testing and "no currency".
	"XTS": {-1, kindTest}, "XXX": {-1, kindTest},
	// Superseded: HRK by EUR (2023-01-01), SLL by SLE (2022 redenomination),
	// CUC (unification with CUP, 2021), ZWL by ZWG (2024), ANG by XCG
	// (2025-03-31), BGN by EUR (2026-01-01). The minor units are those the
	// ISO list gave while they were current.
	"ANG": {2, kindHistoric}, "BGN": {2, kindHistoric}, "CUC": {2, kindHistoric},
	"HRK": {2, kindHistoric}, "SLL": {2, kindHistoric}, "ZWL": {2, kindHistoric},
	// Everything else in the list: two decimals.
	"AED": {2, kindCurrency}, "AFN": {2, kindCurrency}, "ALL": {2, kindCurrency},
	"AMD": {2, kindCurrency}, "AOA": {2, kindCurrency}, "ARS": {2, kindCurrency},
	"AUD": {2, kindCurrency}, "AWG": {2, kindCurrency}, "AZN": {2, kindCurrency},
	"BAM": {2, kindCurrency}, "BBD": {2, kindCurrency}, "BDT": {2, kindCurrency},
	"BMD": {2, kindCurrency}, "BND": {2, kindCurrency}, "BOB": {2, kindCurrency},
	"BRL": {2, kindCurrency}, "BSD": {2, kindCurrency}, "BTN": {2, kindCurrency},
	"BWP": {2, kindCurrency}, "BYN": {2, kindCurrency}, "BZD": {2, kindCurrency},
	"CAD": {2, kindCurrency}, "CDF": {2, kindCurrency}, "CHF": {2, kindCurrency},
	"CNY": {2, kindCurrency}, "COP": {2, kindCurrency}, "CRC": {2, kindCurrency},
	"CUP": {2, kindCurrency}, "CVE": {2, kindCurrency}, "CZK": {2, kindCurrency},
	"DKK": {2, kindCurrency}, "DOP": {2, kindCurrency}, "DZD": {2, kindCurrency},
	"EGP": {2, kindCurrency}, "ERN": {2, kindCurrency}, "ETB": {2, kindCurrency},
	"EUR": {2, kindCurrency}, "FJD": {2, kindCurrency}, "FKP": {2, kindCurrency},
	"GBP": {2, kindCurrency}, "GEL": {2, kindCurrency}, "GHS": {2, kindCurrency},
	"GIP": {2, kindCurrency}, "GMD": {2, kindCurrency}, "GTQ": {2, kindCurrency},
	"GYD": {2, kindCurrency}, "HKD": {2, kindCurrency}, "HNL": {2, kindCurrency},
	"HTG": {2, kindCurrency}, "HUF": {2, kindCurrency}, "IDR": {2, kindCurrency},
	"ILS": {2, kindCurrency}, "INR": {2, kindCurrency}, "IRR": {2, kindCurrency},
	"JMD": {2, kindCurrency}, "KES": {2, kindCurrency}, "KGS": {2, kindCurrency},
	"KHR": {2, kindCurrency}, "KPW": {2, kindCurrency}, "KYD": {2, kindCurrency},
	"KZT": {2, kindCurrency}, "LAK": {2, kindCurrency}, "LBP": {2, kindCurrency},
	"LKR": {2, kindCurrency}, "LRD": {2, kindCurrency}, "LSL": {2, kindCurrency},
	"MAD": {2, kindCurrency}, "MDL": {2, kindCurrency}, "MGA": {2, kindCurrency},
	"MKD": {2, kindCurrency}, "MMK": {2, kindCurrency}, "MNT": {2, kindCurrency},
	"MOP": {2, kindCurrency}, "MRU": {2, kindCurrency}, "MUR": {2, kindCurrency},
	"MVR": {2, kindCurrency}, "MWK": {2, kindCurrency}, "MXN": {2, kindCurrency},
	"MYR": {2, kindCurrency}, "MZN": {2, kindCurrency}, "NAD": {2, kindCurrency},
	"NGN": {2, kindCurrency}, "NIO": {2, kindCurrency}, "NOK": {2, kindCurrency},
	"NPR": {2, kindCurrency}, "NZD": {2, kindCurrency}, "PAB": {2, kindCurrency},
	"PEN": {2, kindCurrency}, "PGK": {2, kindCurrency}, "PHP": {2, kindCurrency},
	"PKR": {2, kindCurrency}, "PLN": {2, kindCurrency}, "QAR": {2, kindCurrency},
	"RON": {2, kindCurrency}, "RSD": {2, kindCurrency}, "RUB": {2, kindCurrency},
	"SAR": {2, kindCurrency}, "SBD": {2, kindCurrency}, "SCR": {2, kindCurrency},
	"SDG": {2, kindCurrency}, "SEK": {2, kindCurrency}, "SGD": {2, kindCurrency},
	"SHP": {2, kindCurrency}, "SLE": {2, kindCurrency}, "SOS": {2, kindCurrency},
	"SRD": {2, kindCurrency}, "SSP": {2, kindCurrency}, "STN": {2, kindCurrency},
	"SVC": {2, kindCurrency}, "SYP": {2, kindCurrency}, "SZL": {2, kindCurrency},
	"THB": {2, kindCurrency}, "TJS": {2, kindCurrency}, "TMT": {2, kindCurrency},
	"TOP": {2, kindCurrency}, "TRY": {2, kindCurrency}, "TTD": {2, kindCurrency},
	"TWD": {2, kindCurrency}, "TZS": {2, kindCurrency}, "UAH": {2, kindCurrency},
	"USD": {2, kindCurrency}, "UYU": {2, kindCurrency}, "UZS": {2, kindCurrency},
	"VED": {2, kindCurrency}, "VES": {2, kindCurrency}, "WST": {2, kindCurrency},
	"XCD": {2, kindCurrency}, "YER": {2, kindCurrency}, "ZAR": {2, kindCurrency},
	"ZMW": {2, kindCurrency},
}

// currencyAdditions are ISO 4217 codes published after iso-codes 4.15.0
// (2023). They are added by hand with their ISO numeric code; drop an entry
// here once iso-codes carries it (the generator then reports a duplicate).
var currencyAdditions = []struct {
	code, numeric string
	info          currencyInfo
}{
	{"XCG", "532", currencyInfo{2, kindCurrency}}, // Caribbean guilder, replaces ANG from 2025-03-31 (same numeric)
	{"ZWG", "924", currencyInfo{2, kindCurrency}}, // Zimbabwe Gold, replaces ZWL from 2024
}

// buildCurrencies writes code,numeric,minor_units,kind for every ISO 4217
// code in iso-codes plus currencyAdditions. minor_units is empty where ISO
// says N.A.
func buildCurrencies(in []byte) ([]byte, error) {
	var doc struct {
		Entries []struct {
			Alpha3  string `json:"alpha_3"`
			Numeric string `json:"numeric"`
		} `json:"4217"`
	}
	if err := json.Unmarshal(in, &doc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	type row struct {
		code, numeric string
		info          currencyInfo
	}
	var rows []row
	seen := make(map[string]bool)
	for _, e := range doc.Entries {
		info, ok := currencyTable[e.Alpha3]
		if !ok {
			return nil, fmt.Errorf("iso-codes has %s (%s), which the hand table lacks: review it", e.Alpha3, e.Numeric)
		}
		if len(e.Numeric) != 3 {
			return nil, fmt.Errorf("%s: numeric %q", e.Alpha3, e.Numeric)
		}
		seen[e.Alpha3] = true
		rows = append(rows, row{e.Alpha3, e.Numeric, info})
	}
	for code := range currencyTable {
		if !seen[code] {
			return nil, fmt.Errorf("hand table has %s, which iso-codes lacks: move it to currencyAdditions or drop it", code)
		}
	}
	for _, a := range currencyAdditions {
		if seen[a.code] {
			return nil, fmt.Errorf("iso-codes now has %s: drop it from currencyAdditions", a.code)
		}
		seen[a.code] = true
		rows = append(rows, row{a.code, a.numeric, a.info})
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.code, b.code) })
	var out [][]string
	for _, r := range rows {
		minor := ""
		if r.info.minor >= 0 {
			minor = fmt.Sprint(r.info.minor)
		}
		out = append(out, []string{r.code, r.numeric, minor, r.info.kind})
	}
	return writeCSV([]string{"code", "numeric", "minor_units", "kind"}, out)
}

// uomUnits is the CBP/HTS reporting-unit table of DOMAIN.md §5.3 with its
// UN/ECE Rec 20 equivalents. It is [K] domain knowledge: check it against
// the CATAIR HTS unit appendix before enforcing it. An empty rec20 means
// Rec 20 has no equivalent and the CBP code is kept.
var uomUnits = []struct{ cbp, meaning, rec20 string }{
	{"NO", "number", "C62"},
	{"PCS", "pieces", "H87"},
	{"DOZ", "dozen", "DZN"},
	{"PRS", "pairs", "PR"},
	{"DPR", "dozen pairs", "DPR"},
	{"GR", "gross (144)", "GRO"},
	{"KG", "kilogram", "KGM"},
	{"G", "gram", "GRM"},
	{"T", "metric ton", "TNE"},
	{"L", "liter", "LTR"},
	{"PFL", "proof liter", "PFL"},
	{"M", "meter", "MTR"},
	{"M2", "square meter", "MTK"},
	{"M3", "cubic meter", "MTQ"},
	{"CKG", "content kilogram", ""},
	{"CGM", "content gram", ""},
	{"CAR", "carat", "CTM"},
	{"THS", "thousands", "MIL"},
	{"MWH", "megawatt-hour", "MWH"},
	{"X", "no quantity (legacy)", ""},
}

// uomAliases maps free-text units seen on invoices and packing lists, the
// HTSUS "units" spellings and the Rec 20 codes of uomUnits to a CBP code.
// Keys are written as they are after codelist.UOM normalises its input:
// upper case, dots removed, runs of blanks folded to one space, ² and ³ as
// 2 and 3. This is [K] domain knowledge, kept deliberately small:
//   - A CBP code is never an alias, so PCS stays PCS (pieces, H87) rather
//     than folding into NO; count words (EA, EACH, UNIT, NR) go to NO and
//     piece words (PC, PIECE) to PCS.
//   - Ambiguous spellings are left out: TON (short or metric), GRS (grams or
//     gross), CT (carat or count), MT only as metric ton.
//   - Package types (CTN, CARTON, PLT, PALLET, BOX, PKG, BAG, ...) are UN/ECE
//     Rec 21 codes, not units of quantity, and are deliberately absent, as
//     is SET/SETS, which has no CBP unit.
var uomAliases = map[string]string{
	// number
	"C62": "NO", "NAR": "NO", "NMB": "NO", "NUMBER": "NO", "NOS": "NO", "NR": "NO",
	"EA": "NO", "EACH": "NO", "U": "NO", "UNIT": "NO", "UNITS": "NO",
	// pieces
	"H87": "PCS", "PC": "PCS", "PCE": "PCS", "PIECE": "PCS", "PIECES": "PCS",
	// dozen, pairs, gross
	"DZN": "DOZ", "DZ": "DOZ", "DOZEN": "DOZ",
	"PR": "PRS", "PAIR": "PRS", "PAIRS": "PRS",
	"DOZ PR": "DPR", "DOZEN PAIRS": "DPR",
	"GRO": "GR", "GROSS": "GR",
	// mass
	"KGM": "KG", "KGS": "KG", "KILO": "KG", "KILOS": "KG", "KILOGRAM": "KG", "KILOGRAMS": "KG",
	"GRM": "G", "GM": "G", "GMS": "G", "GRAM": "G", "GRAMS": "G",
	"TNE": "T", "MT": "T", "TONNE": "T", "TONNES": "T", "METRIC TON": "T", "METRIC TONS": "T",
	// volume
	"LTR": "L", "LT": "L", "LITER": "L", "LITERS": "L", "LITRE": "L", "LITRES": "L",
	"PF LITERS": "PFL", "PROOF LITERS": "PFL",
	"MTQ": "M3", "CBM": "M3", "CUM": "M3", "CUBIC METER": "M3", "CUBIC METERS": "M3",
	// length and area
	"MTR": "M", "METER": "M", "METERS": "M", "METRE": "M", "METRES": "M",
	"MTK": "M2", "SQM": "M2", "SQ M": "M2", "SQUARE METER": "M2", "SQUARE METERS": "M2",
	// others
	"CTM": "CAR", "CARAT": "CAR", "CARATS": "CAR",
	"MIL": "THS", "THOUSAND": "THS", "THOUSANDS": "THS",
	"KG CONT": "CKG", "G CONT": "CGM",
}

// buildUOM writes code,kind,cbp,rec20,meaning: one "unit" row per CBP code
// (code = cbp) and one "alias" row per alias (rec20 and meaning empty).
func buildUOM() ([]byte, error) {
	units := make(map[string]bool)
	var rows [][]string
	for _, u := range uomUnits {
		if units[u.cbp] {
			return nil, fmt.Errorf("duplicate unit %s", u.cbp)
		}
		units[u.cbp] = true
		rows = append(rows, []string{u.cbp, "unit", u.cbp, u.rec20, u.meaning})
	}
	var aliases [][]string
	for alias, cbp := range uomAliases {
		if units[alias] {
			return nil, fmt.Errorf("alias %s shadows the CBP unit %s", alias, alias)
		}
		if !units[cbp] {
			return nil, fmt.Errorf("alias %s points at unknown unit %s", alias, cbp)
		}
		aliases = append(aliases, []string{alias, "alias", cbp, "", ""})
	}
	slices.SortFunc(aliases, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return writeCSV([]string{"code", "kind", "cbp", "rec20", "meaning"}, append(rows, aliases...))
}

func writeCSV(header []string, rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(header); err != nil {
		return nil, err
	}
	if err := w.WriteAll(rows); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
