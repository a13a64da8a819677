package xlsx

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Flags a number format is classified by.
const (
	fmtDate uint8 = 1 << iota // shows a date or a time: the number is a date serial
	fmtTime                   // shows a time of day
)

// maxCellStyles bounds the cell style table kept from styles.xml (Excel's
// own limit is 64,000); styles past it read as General.
const maxCellStyles = 1 << 20

// readStyles returns the date flags of each cell style (<cellXfs><xf>), by
// the style index that a cell's s attribute holds.
func (wb *workbook) readStyles() ([]uint8, error) {
	rc, err := wb.open(wb.stylesPath, maxPartSize)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	custom := map[int]string{}
	var xfs []int // numFmtId of each cell style
	inCellXfs := false
	d := newDecoder(rc)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", wb.stylesPath, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				id, code, code16 := -1, "", ""
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "numFmtId":
						if n, err := strconv.Atoi(a.Value); err == nil {
							id = n
						}
					case "formatCode":
						code = a.Value
					case "formatCode16":
						code16 = a.Value
					}
				}
				if code == "" {
					code = code16
				}
				if id >= 0 {
					custom[id] = code
				}
			case "cellXfs":
				inCellXfs = true
			case "xf":
				if !inCellXfs || len(xfs) >= maxCellStyles {
					continue
				}
				id := 0
				for _, a := range t.Attr {
					if a.Name.Local == "numFmtId" {
						if n, err := strconv.Atoi(a.Value); err == nil {
							id = n
						}
					}
				}
				xfs = append(xfs, id)
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inCellXfs = false
			}
		}
	}
	flags := make([]uint8, len(xfs))
	for i, id := range xfs {
		if code, ok := custom[id]; ok {
			flags[i] = classifyFormat(code)
		} else {
			flags[i] = builtinFormat(id)
		}
	}
	return flags, nil
}

// builtinFormat classifies a built-in number format id that the styles
// part does not define: 14–22 and 45–47 in every locale, and 27–36 and
// 50–58, which are date and time formats in the Chinese, Japanese and
// Korean locales (ECMA-376 Part 1, 18.8.30).
func builtinFormat(id int) uint8 {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id == 36, id >= 50 && id <= 54, id == 57, id == 58:
		return fmtDate
	case id >= 18 && id <= 22, id >= 45 && id <= 47, id >= 32 && id <= 35, id == 55, id == 56:
		return fmtDate | fmtTime
	}
	return 0
}

// classifyFormat reports whether a number format code shows a date or a
// time: a d, m, y, h or s token (or AM/PM) outside quoted text, escaped and
// skipped characters and bracketed sections, or an elapsed-time [h], [m],
// [s]. "General", "0.00", "#,##0 \"pcs\"" and "[Red]0.00" are not dates.
func classifyFormat(code string) uint8 {
	var flags uint8
	for i := 0; i < len(code); {
		c := code[i]
		switch c {
		case '"': // literal text
			end := strings.IndexByte(code[i+1:], '"')
			if end < 0 {
				return flags
			}
			i += end + 2
			continue
		case '\\', '_', '*': // escaped, space-of-width and fill characters
			i++
			if i < len(code) {
				_, size := utf8.DecodeRuneInString(code[i:])
				i += size
			}
			continue
		case '[':
			end := strings.IndexByte(code[i+1:], ']')
			if end < 0 {
				return flags
			}
			switch strings.ToLower(code[i+1 : i+1+end]) {
			case "h", "hh", "m", "mm", "s", "ss":
				flags |= fmtDate | fmtTime
			}
			i += end + 2
			continue
		}
		switch lower := c | 0x20; lower {
		case 'd', 'm', 'y':
			flags |= fmtDate
		case 'h', 's':
			flags |= fmtDate | fmtTime
		case 'g':
			if len(code) >= i+7 && strings.EqualFold(code[i:i+7], "general") {
				i += 7
				continue
			}
		case 'a':
			switch {
			case len(code) >= i+5 && strings.EqualFold(code[i:i+5], "am/pm"):
				flags |= fmtDate | fmtTime
				i += 5
				continue
			case len(code) >= i+3 && strings.EqualFold(code[i:i+3], "a/p"):
				flags |= fmtDate | fmtTime
				i += 3
				continue
			}
		}
		i++
	}
	return flags
}
