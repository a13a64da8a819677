package sqlite

import (
	"encoding/json"
	"strconv"

	"github.com/clearway/clearway/internal/clearway"
)

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
