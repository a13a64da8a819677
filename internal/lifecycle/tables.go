package lifecycle

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed tables/*.yaml
var tableFS embed.FS

// Built-in code lists loaded by DefaultTables.
const (
	CodeListCargoWise      = "cargowise"
	CodeListCBPDisposition = "cbp_disposition"
)

// PartnerCodeList returns the code-list name of a partner's own status codes.
func PartnerCodeList(partnerID string) string { return "partner:" + partnerID }

// mapping is what one external code means.
type mapping struct {
	events []Event
	agency string
}

// Tables maps external status codes to canonical events, per code list
// ("cargowise", "cbp_disposition", "partner:<id>"). The zero value is empty
// and ready to Load into; it is not safe for concurrent Load and lookup.
type Tables struct {
	lists map[string]map[string]mapping
}

// tableFile is the YAML shape of one code table.
type tableFile struct {
	Codes []struct {
		Code   string   `yaml:"code"`
		Events []string `yaml:"events"`
		Agency string   `yaml:"agency"`
		Note   string   `yaml:"note"`
	} `yaml:"codes"`
}

// DefaultTables returns the tables built from the embedded YAML files:
// tables/cargowise.yaml and tables/cbp_disposition.yaml.
func DefaultTables() (*Tables, error) {
	t := &Tables{}
	for _, list := range []string{CodeListCargoWise, CodeListCBPDisposition} {
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
// of that name. The YAML is a list under `codes:` of {code, events, agency}.
// Codes compare case-insensitively; every event must be canonical.
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
	m := make(map[string]mapping, len(f.Codes))
	for i, c := range f.Codes {
		code := normCode(c.Code)
		if code == "" {
			return fmt.Errorf("load code table %q: codes[%d]: empty code", codeList, i)
		}
		if _, dup := m[code]; dup {
			return fmt.Errorf("load code table %q: codes[%d]: duplicate code %q", codeList, i, code)
		}
		if len(c.Events) == 0 {
			return fmt.Errorf("load code table %q: codes[%d] (%s): no events", codeList, i, code)
		}
		evs := make([]Event, len(c.Events))
		for j, s := range c.Events {
			ev := Event(strings.ToUpper(strings.TrimSpace(s)))
			if !ev.Valid() {
				return fmt.Errorf("load code table %q: codes[%d] (%s): events[%d]: unknown event %q", codeList, i, code, j, s)
			}
			evs[j] = ev
		}
		m[code] = mapping{events: evs, agency: strings.TrimSpace(c.Agency)}
	}
	if t.lists == nil {
		t.lists = make(map[string]map[string]mapping)
	}
	t.lists[codeList] = m
	return nil
}

// Events returns the canonical events code stands for in codeList and the
// agency whose hold it places or lifts ("" when none); ok is false when the
// code list or the code is unknown.
func (t *Tables) Events(codeList, code string) ([]Event, string, bool) {
	m, ok := t.lists[codeList][normCode(code)]
	if !ok {
		return nil, "", false
	}
	return append([]Event(nil), m.events...), m.agency, true
}

// normCode is the form codes are compared in.
func normCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// Digest is a hash of every loaded table's meaning (codes, events, agency),
// independent of load order and YAML layout: when it changes, status
// messages already stored may mean something else and must be replayed.
func (t *Tables) Digest() string {
	h := sha256.New()
	for _, list := range slices.Sorted(maps.Keys(t.lists)) {
		fmt.Fprintf(h, "list %q\n", list)
		m := t.lists[list]
		for _, code := range slices.Sorted(maps.Keys(m)) {
			fmt.Fprintf(h, "%q %q %q\n", code, m[code].events, m[code].agency)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
