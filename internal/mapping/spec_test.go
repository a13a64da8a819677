package mapping

import (
	"errors"
	"strings"
	"testing"
)

func TestSpecErrors(t *testing.T) {
	const head = "name: t\nformat: csv\nmatch: {path: 'inbox/*.csv'}\n"
	for _, tc := range []struct {
		name, yaml string
		line       int
		want       string
	}{
		{"YAMLSyntax", "name: t\nformat: [csv\n", 0, "YAML syntax"},
		{"UnknownTopKey", head + "colour: blue\nrecords:\n  - kind: invoice_line\n    fields: {sku: {col: 1}}\n", 4, "colour: unknown key"},
		{"UnknownFieldKey", head + "records:\n  - kind: invoice_line\n    fields:\n      sku: {col: 1, typ: int}\n", 7, "records[0].fields.sku.typ: unknown key"},
		{"UnknownKind", head + "records:\n  - kind: invoice\n    fields: {sku: {col: 1}}\n", 5, "unknown kind \"invoice\""},
		{"UnknownField", head + "records:\n  - kind: invoice_line\n    fields:\n      hts: {col: 1}\n", 7, "records[0].fields.hts: unknown field for kind invoice_line"},
		{"BadRegex", head + "records:\n  - kind: invoice_line\n    fields:\n      sku: {col: 1, pattern: \"([a-z\"}\n", 7, "bad regular expression"},
		{"BadDatePattern", head + "records:\n  - kind: invoice_line\n    fields:\n      invoice_date: {col: 1, type: date, format: DD.MM.JJJJ}\n", 7, "bad date pattern"},
		{"TwoSources", head + "records:\n  - kind: invoice_line\n    fields:\n      sku: {col: 1, column: SKU}\n", 7, "two sources"},
		{"NoSource", head + "records:\n  - kind: invoice_line\n    fields:\n      sku: {type: string}\n", 7, "no source"},
		{"ElementOnCSV", head + "records:\n  - kind: invoice_line\n    fields:\n      sku: {element: LIN.03}\n", 7, "element does not apply to csv"},
		{"BadElementRef", "name: t\nformat: x12\nmatch: {path: '*'}\nrecords:\n  - kind: status_event\n    for_each: X4\n    fields:\n      code: {element: X4-07}\n", 8, "bad element reference"},
		{"X12NeedsForEach", "name: t\nformat: x12\nmatch: {path: '*'}\nrecords:\n  - kind: status_event\n    fields:\n      code: {element: X4.07}\n", 5, "for_each"},
		{"BadType", head + "records:\n  - kind: invoice_line\n    fields:\n      quantity: {col: 1, type: float}\n", 7, "unknown type \"float\""},
		{"NoFilenameGroup", head + "records:\n  - kind: invoice_line\n    fields:\n      bill_of_lading: {from_filename: \"BL-[A-Z0-9]+\"}\n", 7, "capture group"},
		{"OptionsForOtherFormat", head + "xlsx: {sheet: Invoice}\nrecords:\n  - kind: invoice_line\n    fields: {sku: {col: 1}}\n", 4, "options for xlsx"},
		{"BadName", "name: Supplier Invoice\nformat: csv\nmatch: {path: '*'}\nrecords:\n  - kind: invoice_line\n    fields: {sku: {col: 1}}\n", 1, "lower-case"},
		{"FieldTwice", head + "records:\n  - kind: invoice_line\n    fields:\n      sku: {col: 1}\n      sku: {col: 2}\n", 8, "field given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "maps/t.yaml")
			var se SpecErrors
			if !errors.As(err, &se) || len(se) == 0 {
				t.Fatalf("got %v, want spec errors", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %q, want it to mention %q", err, tc.want)
			}
			if tc.line > 0 && se[0].Line != tc.line {
				t.Fatalf("got line %d (%v), want line %d", se[0].Line, se[0], tc.line)
			}
			if !strings.HasPrefix(se[0].Error(), "maps/t.yaml") {
				t.Fatalf("error %q does not name the file", se[0])
			}
		})
	}
}

func TestSpecAllErrorsAtOnce(t *testing.T) {
	_, err := Parse([]byte("name: t\nformat: csv\nmatch: {path: '*'}\nrecords:\n  - kind: invoice_line\n    fields:\n      hts: {col: 1}\n      sku: {col: 1, typ: x}\n"), "t.yaml")
	var se SpecErrors
	if !errors.As(err, &se) || len(se) != 2 {
		t.Fatalf("got %v, want 2 errors", err)
	}
}
