package csvx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

const (
	// bufSize is the read buffer of each layer; encoding/csv uses the top
	// one directly rather than adding its own.
	bufSize = 64 << 10
	// sniffLen is how much of the start of the file is inspected for binary
	// signatures and line ends; NUL bytes are looked for in the first KiB.
	sniffLen = 4 << 10
	nulLen   = 1 << 10
	// limitSlack covers the bytes buffered between the limitReader and
	// encoding/csv, which InputOffset does not count.
	limitSlack = 4 * bufSize
)

// MaxRecordBytes bounds one record (a row, with any line breaks inside
// quoted fields), so that a quote that is never closed cannot make the
// reader hold a whole file in memory.
const MaxRecordBytes = 4 << 20

var errRecordTooLong = errors.New("csv record too long")

var utf8BOM = []byte("\xEF\xBB\xBF")

// legacyCharmap returns the single-byte character set named by a mapping's
// `encoding:` key, or nil for UTF-8. Names are matched without regard to
// case.
func legacyCharmap(name string) (*charmap.Charmap, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "utf-8":
		return nil, nil
	case "windows-1252":
		return charmap.Windows1252, nil
	case "iso-8859-1":
		return charmap.ISO8859_1, nil
	}
	return nil, fmt.Errorf(`unsupported csv encoding %q: use "utf-8" (the default), "windows-1252" or "iso-8859-1"`, name)
}

// signatures are the starts of binary files partners send by mistake, most
// often a workbook renamed to .csv.
var signatures = []struct {
	magic string
	what  string
}{
	{"PK\x03\x04", "looks like a ZIP archive (an .xlsx workbook?)"},
	{"PK\x05\x06", "looks like an empty ZIP archive"},
	{"%PDF-", "looks like a PDF document"},
	{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "looks like an old Excel .xls workbook (or another Office document)"},
	{"\x1F\x8B", "looks like a gzip archive"},
}

// sniff rejects input that is not text: a known binary signature, or a NUL
// byte in the first KiB. UTF-16, which Excel writes as "Unicode Text", is
// refused with a hint rather than read as garbage.
func sniff(head []byte) error {
	for _, s := range signatures {
		if bytes.HasPrefix(head, []byte(s.magic)) {
			return fmt.Errorf("%w: %s", ErrNotText, s.what)
		}
	}
	if bytes.HasPrefix(head, []byte("\xFF\xFE")) || bytes.HasPrefix(head, []byte("\xFE\xFF")) {
		return errors.New(`unsupported encoding: the file is UTF-16 (saved from Excel as "Unicode Text"?); save it as "CSV UTF-8" instead`)
	}
	if i := bytes.IndexByte(head[:min(len(head), nulLen)], 0); i >= 0 {
		line := 1 + bytes.Count(head[:i], []byte("\n"))
		col := i - bytes.LastIndexByte(head[:i], '\n')
		return fmt.Errorf("%w: NUL byte on line %d, column %d (binary data, or UTF-16 text without a byte order mark?)", ErrNotText, line, col)
	}
	return nil
}

// crOnly reports whether the start of the file ends its lines in a bare CR,
// as classic Mac Excel ("CSV (Macintosh)") does.
func crOnly(head []byte) bool {
	return bytes.IndexByte(head, '\n') < 0 && bytes.IndexByte(head, '\r') >= 0
}

// text is the decoded byte stream encoding/csv reads, with the limiter that
// bounds each record.
type text struct {
	in        *bufio.Reader
	limit     *limitReader
	checkUTF8 bool // the stream is UTF-8 as sent, so it must be validated
}

// openText inspects the start of src and stacks the layers that turn it into
// UTF-8 with LF or CRLF line ends: BOM removal, decoding from a single-byte
// character set (streaming, through transform.NewReader), bare-CR line ends
// to LF, and the record-size limiter. A UTF-8 BOM wins over a declared
// single-byte encoding: it cannot start a real windows-1252 file, and
// decoding UTF-8 as windows-1252 would silently garble every accent.
func openText(src io.Reader, legacy *charmap.Charmap) (text, error) {
	lim := &limitReader{limit: MaxRecordBytes + limitSlack}
	var first *bufio.Reader
	if legacy == nil {
		lim.r = src
		first = bufio.NewReaderSize(lim, bufSize)
	} else {
		first = bufio.NewReaderSize(src, bufSize)
	}
	head, err := first.Peek(sniffLen)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return text{}, fmt.Errorf("read start of csv: %w", err)
	}
	if err := sniff(head); err != nil {
		return text{}, err
	}
	bom := bytes.HasPrefix(head, utf8BOM)
	if bom {
		if _, err := first.Discard(len(utf8BOM)); err != nil {
			return text{}, fmt.Errorf("skip byte order mark: %w", err)
		}
		head = head[len(utf8BOM):]
	}
	t := text{in: first, limit: lim, checkUTF8: legacy == nil || bom}
	var stream io.Reader = first
	if legacy != nil && !bom {
		stream = transform.NewReader(first, legacy.NewDecoder())
	}
	if crOnly(head) {
		stream = crToLF{stream}
	}
	switch {
	case stream == io.Reader(first) && legacy == nil:
		// Plain UTF-8: encoding/csv reads the sniffing buffer itself.
	case legacy == nil:
		t.in = bufio.NewReaderSize(stream, bufSize)
	default:
		lim.r = stream
		t.in = bufio.NewReaderSize(lim, bufSize)
	}
	return t, nil
}

// limitReader fails once more than limit bytes have been read, where the
// Reader moves limit forward after every record: the bound on one record's
// size.
type limitReader struct {
	r     io.Reader
	n     int64
	limit int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n >= l.limit {
		return 0, errRecordTooLong
	}
	if rest := l.limit - l.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

// crToLF turns bare-CR line ends into LF.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}
