package xlsx

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits on the shared string table, which is held in memory because cells
// refer to it by index in any order.
const (
	maxSharedStringBytes = 512 << 20 // inflated part size
	maxSharedStrings     = 1 << 26   // entries
)

// sharedStrings is the workbook's shared string table: every string
// concatenated in one string, with each entry's end offset, so a cell's
// text is a substring and costs no allocation.
type sharedStrings struct {
	data string
	ends []uint32
}

// len returns the number of entries.
func (s *sharedStrings) len() int { return len(s.ends) }

// get returns entry i, which must be in range.
func (s *sharedStrings) get(i int) string {
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.data[start:s.ends[i]]
}

// readSharedStrings reads the shared string table. An entry's text is the
// concatenation of its <t> elements (plain, or one per rich-text run),
// leaving out phonetic guides (<rPh>), with _xHHHH_ escapes decoded.
func (wb *workbook) readSharedStrings() (*sharedStrings, error) {
	rc, err := wb.open(wb.sstPath, maxSharedStringBytes)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var (
		b        strings.Builder
		ends     []uint32
		inSI     bool
		inT      bool
		phonetic int // depth inside <rPh>
		entry    []byte
	)
	d := newDecoder(rc)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", wb.sstPath, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inSI, entry = true, entry[:0]
			case "rPh":
				phonetic++
			case "t":
				inT = inSI && phonetic == 0
			}
		case xml.CharData:
			if inT {
				entry = append(entry, t...)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				if !inSI {
					continue
				}
				inSI = false
				if len(ends) >= maxSharedStrings {
					return nil, fmt.Errorf("%s: more than %d shared strings", wb.sstPath, maxSharedStrings)
				}
				b.WriteString(decodeEscapes(string(entry)))
				ends = append(ends, uint32(b.Len()))
			case "rPh":
				phonetic--
			case "t":
				inT = false
			}
		}
	}
	return &sharedStrings{data: b.String(), ends: ends}, nil
}

// decodeEscapes decodes the _xHHHH_ escapes that OOXML uses for characters
// XML cannot carry (Excel writes a carriage return as _x000D_, and a
// literal "_x" as _x005F_x).
func decodeEscapes(s string) string {
	i := strings.Index(s, "_x")
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		if r, ok := escapedRune(s[i:]); ok {
			b.WriteRune(r)
			s = s[i+7:]
		} else {
			b.WriteString("_x")
			s = s[i+2:]
		}
		i = strings.Index(s, "_x")
	}
	b.WriteString(s)
	return b.String()
}

// escapedRune decodes an escape "_xHHHH_" at the start of s.
func escapedRune(s string) (rune, bool) {
	if len(s) < 7 || s[6] != '_' {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[2:6]) {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
