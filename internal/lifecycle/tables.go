package lifecycle

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed tables/*.yaml
var tableFS embed.FS

// Built-in code lists loaded by DefaultTables, and the names messages use.
const (
	CodeListCargoWise      = "cargowise"
	CodeListCBPDisposition = "cbp_disposition"
	// CodeListCBPDispositionAir holds the air (ABI WSD) meanings that differ
	// from the ocean ones; Lookup consults it first for air messages.
	CodeListCBPDispositionAir = "cbp_disposition_air"
	// CodeListX12350 is the name PRODUCT.md gives the X12 350 X4-07 codes:
	// an alias of CodeListCBPDisposition.
	CodeListX12350 = "x12_350"
	// CodeListPGA is the ACE PGA status notification codes (DOMAIN.md §4.2).
	CodeListPGA = "pga"
	// CodeListACESummary is the entry summary (AE/AX, E1) outcomes (§4.3).
	CodeListACESummary = "ace_summary"
	// CodeListManual marks a manual event: its Code is the target State.
	CodeListManual = "manual"
)

// defaultLists are the embedded tables, each in tables/<name>.yaml.
var defaultLists = []string{CodeListCargoWise, CodeListCBPDisposition, CodeListCBPDispositionAir, CodeListPGA, CodeListACESummary}

// partnerPrefix starts the code-list name of a partner's own table.
const partnerPrefix = "partner:"

// PartnerCodeList returns the code-list name of a partner's own status codes.
func PartnerCodeList(partnerID string) string { return partnerPrefix + partnerID }

// mapping is what one external code means.
type mapping struct {
	events []Event
	agency string
	// lifts names the hold types (placing codes) a HOLD_REMOVED removes;
	// empty means every hold of the agency.
	lifts []string
}

// codes is one code list: normalised code → meaning.
type codes map[string]mapping

// Tables maps external status codes to canonical events, per code list
// ("cargowise", "cbp_disposition", "pga", "partner:<id>" …), with the
// per-partner overrides of other lists' codes. The zero value is empty and
// ready to Load into; it is not safe for concurrent Load and lookup.
type Tables struct {
	lists map[string]codes
	// overrides: partner code list → overridden list → its codes.
	overrides map[string]map[string]codes
}

// tableFile is the YAML shape of one code table.
type tableFile struct {
	Codes []tableCode `yaml:"codes"`
}

// tableCode is one row of a code table. List, only in partner tables,
// overrides that list's code for the partner's messages.
type tableCode struct {
	List   string   `yaml:"list"`
	Code   string   `yaml:"code"`
	Events []string `yaml:"events"`
	Agency string   `yaml:"agency"`
	Lifts  []string `yaml:"lifts"`
	Note   string   `yaml:"note"`
}

// DefaultTables returns the tables built from the embedded YAML files, one
// per built-in code list (tables/<list>.yaml).
func DefaultTables() (*Tables, error) {
	t := &Tables{}
	for _, list := range defaultLists {
		b, err := tableFS.ReadFile("tables/" + list + ".yaml")
		if err != nil {
			return nil, fmt.Errorf("read code table %q: %w", list, err)
		}
		if err := t.Load(list, b); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Load parses a YAML code table and adds it as codeList, replacing any table
// (and any overrides) of that name. The YAML is a list under `codes:` of
// {code, events, agency, lifts}; a partner table's rows may add `list:` to
// override that list's code for messages the partner sends. Codes compare
// case-insensitively; every event must be canonical.
func (t *Tables) Load(codeList string, yamlBytes []byte) error {
	if codeList == "" {
		return errors.New("load code table: empty code list name")
	}
	var f tableFile
	dec := yaml.NewDecoder(bytes.NewReader(yamlBytes))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("load code table %q: %w", codeList, err)
	}
	own := codes{}
	over := map[string]codes{}
	for i, c := range f.Codes {
		list, code, m, err := parseRow(codeList, c)
		if err != nil {
			return fmt.Errorf("load code table %q: codes[%d]: %w", codeList, i, err)
		}
		dst := own
		if list != codeList {
			if over[list] == nil {
				over[list] = codes{}
			}
			dst = over[list]
		}
		if _, dup := dst[code]; dup {
			return fmt.Errorf("load code table %q: codes[%d]: duplicate code %q", codeList, i, code)
		}
		dst[code] = m
	}
	if t.lists == nil {
		t.lists = make(map[string]codes)
		t.overrides = make(map[string]map[string]codes)
	}
	t.lists[codeList] = own
	t.overrides[codeList] = over
	return nil
}

// parseRow checks one table row and returns the list it belongs to (codeList
// itself unless a partner row names another), its code and its meaning.
func parseRow(codeList string, c tableCode) (string, string, mapping, error) {
	code := normCode(c.Code)
	if code == "" {
		return "", "", mapping{}, errors.New("empty code")
	}
	list := codeList
	if l := canonicalList(c.List); l != "" {
		if !strings.HasPrefix(codeList, partnerPrefix) {
			return "", "", mapping{}, fmt.Errorf("(%s): list %q: only partner tables override other lists", code, c.List)
		}
		list = l
	}
	if len(c.Events) == 0 {
		return "", "", mapping{}, fmt.Errorf("(%s): no events", code)
	}
	evs := make([]Event, len(c.Events))
	for j, s := range c.Events {
		ev := Event(strings.ToUpper(strings.TrimSpace(s)))
		if !ev.Valid() {
			return "", "", mapping{}, fmt.Errorf("(%s): events[%d]: unknown event %q", code, j, s)
		}
		evs[j] = ev
	}
	var lifts []string
	for _, l := range c.Lifts {
		lifts = append(lifts, normCode(l))
	}
	if len(lifts) > 0 && !slices.Contains(evs, HoldRemoved) {
		return "", "", mapping{}, fmt.Errorf("(%s): lifts without a HOLD_REMOVED event", code)
	}
	return list, code, mapping{events: evs, agency: strings.TrimSpace(c.Agency), lifts: lifts}, nil
}

// canonicalList resolves a code-list alias (x12_350 → cbp_disposition).
func canonicalList(list string) string {
	list = strings.TrimSpace(list)
	if list == CodeListX12350 {
		return CodeListCBPDisposition
	}
	return list
}

// normCode is the form codes are compared in.
func normCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// Digest is a hash of every loaded table's meaning (codes, events, agency,
// lifts, partner overrides), independent of load order and YAML layout: when
// it changes, status messages already stored may mean something else and
// must be derived again.
func (t *Tables) Digest() string {
	h := sha256.New()
	for _, list := range slices.Sorted(maps.Keys(t.lists)) {
		fmt.Fprintf(h, "list %q\n", list)
		digestCodes(h, t.lists[list])
		over := t.overrides[list]
		for _, target := range slices.Sorted(maps.Keys(over)) {
			fmt.Fprintf(h, "override %q\n", target)
			digestCodes(h, over[target])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// digestCodes writes one code list to h in code order. Lifts are written
// only when set, so tables without them keep the digest they had before.
func digestCodes(h io.Writer, m codes) {
	for _, code := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(h, "%q %q %q", code, m[code].events, m[code].agency)
		if len(m[code].lifts) > 0 {
			fmt.Fprintf(h, " lifts %q", m[code].lifts)
		}
		fmt.Fprintln(h)
	}
}
