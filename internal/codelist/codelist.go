// Package codelist holds the reference code lists that mapping and
// validation check values against: HS 2022 headings and subheadings, ISO
// 3166-1 countries, ISO 4217 currencies and CBP units of quantity, plus the
// check-digit rules of container, air waybill and CBP entry numbers.
//
// The lists are versioned files in this directory, embedded in the binary.
// They are derived at development time by gen/main.go (see SOURCE.md for
// sources, licences and checksums); nothing is read from disk at run time.
package codelist

//go:generate go run ./gen

import (
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The embedded files. Together with the lazily parsed tables built from them
// (the sync.OnceValue variables in hs.go, country.go, currency.go and
// uom.go) they are this package's only package-level state: read-only
// reference data, fixed at build time, which is the one kind of global the
// project allows.
var (
	//go:embed hs2022.txt
	hsFile string
	//go:embed iso3166-1.csv
	countryFile string
	//go:embed iso4217.csv
	currencyFile string
	//go:embed uom.csv
	uomFile string
)

// readTable parses an embedded CSV file, checks its header and returns the
// data rows. The files are generated and covered by tests, so a failure
// here is a build defect, and the callers panic on it (like
// regexp.MustCompile on a literal).
func readTable(name, data string, header ...string) ([][]string, error) {
	r := csv.NewReader(strings.NewReader(data))
	r.FieldsPerRecord = len(header)
	got, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read %s header: %w", name, err)
	}
	if strings.Join(got, ",") != strings.Join(header, ",") {
		return nil, fmt.Errorf("read %s: header %q, want %q", name, got, header)
	}
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		rows = append(rows, rec)
	}
}

// mustTable is readTable for the lazy loaders.
func mustTable(name, data string, header ...string) [][]string {
	rows, err := readTable(name, data, header...)
	if err != nil {
		panic("codelist: embedded " + err.Error())
	}
	return rows
}
