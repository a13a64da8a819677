package sqlite

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/clearway/clearway/internal/clearway"
)

// appendFields encodes a record's fields as a JSON object, byte for byte as
// encoding/json would (sorted keys, HTML-safe escaping), without its
// reflection: it runs once per stored line, and a resent line is compared
// with its stored text.
func appendFields(buf []byte, fields map[string]string, keys []string) ([]byte, []string) {
	keys = keys[:0]
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, k)
		buf = append(buf, ':')
		buf = appendString(buf, fields[k])
	}
	return append(buf, '}'), keys
}

// appendFieldSlices is appendFields for parallel slices, in the given
// (sorted) order, leaving out absent ("") values as the map form would.
func appendFieldSlices(buf []byte, names, values []string, order []int) []byte {
	buf = append(buf, '{')
	first := true
	for _, i := range order {
		if values[i] == "" {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = appendString(buf, names[i])
		buf = append(buf, ':')
		buf = appendString(buf, values[i])
	}
	return append(buf, '}')
}

// appendString writes s as a JSON string; anything beyond plain printable
// ASCII goes through encoding/json so the escaping stays identical.
func appendString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// appendPosition encodes a source position like encoding/json would with
// its omitempty tags, taking the short road for the common numeric ones.
func appendPosition(buf []byte, p clearway.Position) []byte {
	if p.Column != "" || p.Loop != "" || p.Element != "" {
		b, _ := json.Marshal(p)
		return append(buf, b...)
	}
	buf = append(buf, '{')
	first := true
	num := func(name string, v int64) {
		if v == 0 {
			return
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = append(buf, '"')
		buf = append(buf, name...)
		buf = append(buf, '"', ':')
		buf = strconv.AppendInt(buf, v, 10)
	}
	num("row", int64(p.Row))
	num("line", int64(p.Line))
	num("segment", int64(p.Segment))
	num("offset", p.Offset)
	return append(buf, '}')
}
