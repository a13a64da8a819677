package dashboard

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
)

// MarshalJSON writes the section with each row as an object keyed by the
// column keys, in column order: {"state": "ON_HOLD", "count": 3, …}.
func (s Section) MarshalJSON() ([]byte, error) {
	rows := make([]json.RawMessage, len(s.Rows))
	for i, r := range s.Rows {
		var b bytes.Buffer
		b.WriteByte('{')
		for j, c := range s.Columns {
			if j > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(c.Key)
			v, err := json.Marshal(r.Cells[j])
			if err != nil {
				return nil, err
			}
			b.Write(k)
			b.WriteByte(':')
			b.Write(v)
		}
		b.WriteByte('}')
		rows[i] = b.Bytes()
	}
	type plain Section // without this method
	return json.Marshal(struct {
		plain
		Rows []json.RawMessage `json:"rows"`
	}{plain(s), rows})
}

// WriteCSV writes the section's table: a header of column keys, then a
// record per row, numbers as in the JSON and an empty field for no data.
func (s Section) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		header[i] = c.Key
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range s.Rows {
		rec := make([]string, len(r.Cells))
		for i, c := range r.Cells {
			rec[i] = Text(c)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Text writes a cell as plain text: numbers in their shortest form, nil
// (no data) as "".
func Text(c any) string {
	switch v := c.(type) {
	case nil:
		return ""
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	b, _ := json.Marshal(c)
	return string(b)
}
