package sqlite

import (
	"encoding/json"
	"testing"

	"github.com/clearway/clearway/internal/clearway"
)

func TestAppendFieldsMatchesEncodingJSON(t *testing.T) {
	for _, fields := range []map[string]string{
		{},
		{"po_number": "4500012345", "line_no": "10", "description": `Widget "blue", <5mm> & co`},
		{"sku": "Schraube Ø5 – Müller", "note": "tab\there\nnewline", "ctl": "\x01"},
	} {
		want, _ := json.Marshal(fields)
		got, _ := appendFields(nil, fields, nil)
		if string(got) != string(want) {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	for _, p := range []clearway.Position{{Row: 4, Line: 5}, {Segment: 17, Line: 18, Offset: 900}, {Row: 2, Column: "HTS"}, {}} {
		want, _ := json.Marshal(p)
		if got := appendPosition(nil, p); string(got) != string(want) {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}
