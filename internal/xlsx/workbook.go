package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// maxPartSize bounds the inflated size of the workbook, relationship and
// style parts, which are small in real files; a larger one is refused as a
// ZIP bomb rather than tokenized.
const maxPartSize = 64 << 20

// oleSignature starts an OLE compound document: an Excel 97–2003 .xls, or
// an .xlsx encrypted with a password (Office wraps those in OLE).
var oleSignature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// Relationship types end with these names in both the transitional
// (schemas.openxmlformats.org) and strict (purl.oclc.org) namespaces.
const (
	relOfficeDocument = "/officeDocument"
	relWorksheet      = "/worksheet"
	relChartsheet     = "/chartsheet"
	relStyles         = "/styles"
	relSharedStrings  = "/sharedStrings"
)

// workbook is what the Reader needs from an open package: its parts and the
// workbook part's sheet list and date system.
type workbook struct {
	files        map[string]*zip.File // by lower-cased part name
	workbookPath string
	sheets       []sheetInfo
	date1904     bool
	stylesPath   string
	sstPath      string
}

// sheetInfo is one <sheet> of the workbook part, resolved to its part.
type sheetInfo struct {
	name   string
	path   string // part name in the archive, "" when unresolved
	kind   string // relationship type suffix: relWorksheet, relChartsheet, …
	hidden bool
}

// notXLSX returns an error wrapping ErrNotXLSX with the reason.
func notXLSX(reason string) error {
	return fmt.Errorf("%w: %s", ErrNotXLSX, reason)
}

// openWorkbook opens the ZIP archive and reads the workbook part and its
// relationships.
func openWorkbook(ra io.ReaderAt, size int64) (*workbook, error) {
	if size == 0 {
		return nil, notXLSX("the file is empty")
	}
	head := make([]byte, len(oleSignature))
	if n, _ := ra.ReadAt(head, 0); n == len(head) && bytes.Equal(head, oleSignature) {
		return nil, notXLSX("the file is an OLE compound document (an old .xls, or a password-protected workbook)")
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, notXLSX("the file is not a ZIP archive (is it a CSV or an old .xls?)")
	}
	wb := &workbook{files: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		wb.files[partKey(f.Name)] = f
	}
	// The package relationships name the workbook part; xl/workbook.xml is
	// where every producer puts it, so it is the fallback.
	wb.workbookPath = "xl/workbook.xml"
	if rels, err := wb.readRels("_rels/.rels", ""); err == nil {
		for _, rel := range rels {
			if strings.HasSuffix(rel.typ, relOfficeDocument) {
				wb.workbookPath = rel.target
				break
			}
		}
	}
	if wb.file(wb.workbookPath) == nil {
		switch {
		case wb.file("mimetype") != nil && wb.file("content.xml") != nil:
			return nil, notXLSX("the file is an OpenDocument spreadsheet (.ods)")
		case strings.HasSuffix(strings.ToLower(wb.workbookPath), ".bin"):
			return nil, notXLSX("the file is a binary workbook (.xlsb)")
		case wb.file("word/document.xml") != nil:
			return nil, notXLSX("the file is a Word document (.docx)")
		}
		return nil, notXLSX(fmt.Sprintf("the ZIP archive has no workbook part (%s)", wb.workbookPath))
	}
	if err := wb.readWorkbook(); err != nil {
		return nil, err
	}
	return wb, nil
}

// partKey normalizes a part name for lookup: forward slashes, no leading
// slash, lower case (part names are case-insensitive in OPC).
func partKey(name string) string {
	return strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(name, `\`, "/"), "/"))
}

func (wb *workbook) file(name string) *zip.File { return wb.files[partKey(name)] }

// open returns a reader of the named part's inflated bytes, failing after
// limit bytes when limit > 0.
func (wb *workbook) open(name string, limit int64) (io.ReadCloser, error) {
	f := wb.file(name)
	if f == nil {
		return nil, fmt.Errorf("part %s is missing", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("open part %s: %w", name, err)
	}
	if limit <= 0 {
		return rc, nil
	}
	return &limitedReadCloser{rc: rc, left: limit, limit: limit, name: name}, nil
}

// limitedReadCloser fails, instead of ending early, once more than limit
// bytes have been read.
type limitedReadCloser struct {
	rc    io.ReadCloser
	left  int64
	limit int64
	name  string
}

func (l *limitedReadCloser) Read(p []byte) (int, error) {
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1] // one byte past the limit tells "at" from "over"
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, fmt.Errorf("part %s is larger than %d MiB", l.name, l.limit>>20)
	}
	return n, err
}

func (l *limitedReadCloser) Close() error { return l.rc.Close() }

// newDecoder returns an XML decoder over r. Only UTF-8 parts are read (every
// producer writes them); another declared encoding is an error.
func newDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(r)
	d.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			return input, nil
		}
		return nil, fmt.Errorf("unsupported XML encoding %q", label)
	}
	return d
}

// relationship is one <Relationship> of a .rels part, with its target
// resolved to a part name.
type relationship struct {
	id, typ, target string
}

// readRels reads the relationships part relsPath; targets are resolved
// against the directory baseDir of the source part. External targets are
// dropped.
func (wb *workbook) readRels(relsPath, baseDir string) ([]relationship, error) {
	rc, err := wb.open(relsPath, maxPartSize)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var rels []relationship
	d := newDecoder(rc)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return rels, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", relsPath, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" {
			continue
		}
		var rel relationship
		external := false
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "Id":
				rel.id = a.Value
			case "Type":
				rel.typ = a.Value
			case "Target":
				rel.target = a.Value
			case "TargetMode":
				external = strings.EqualFold(a.Value, "External")
			}
		}
		if external || rel.target == "" {
			continue
		}
		rel.target = resolveTarget(baseDir, rel.target)
		rels = append(rels, rel)
	}
}

// resolveTarget turns a relationship target into a part name: absolute
// targets start at the package root, relative ones at the source's folder.
func resolveTarget(baseDir, target string) string {
	target = strings.ReplaceAll(target, `\`, "/")
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean("/"+path.Join(baseDir, target)), "/")
}

// readWorkbook reads the sheet list and date system from the workbook part
// and resolves the sheets, styles and shared strings through its
// relationships.
func (wb *workbook) readWorkbook() error {
	dir, base := path.Split(wb.workbookPath)
	rels, err := wb.readRels(dir+"_rels/"+base+".rels", dir)
	if err != nil && wb.file(dir+"_rels/"+base+".rels") != nil {
		return notXLSX(err.Error())
	}
	byID := make(map[string]relationship, len(rels))
	for _, rel := range rels {
		byID[rel.id] = rel
		switch {
		case strings.HasSuffix(rel.typ, relStyles):
			wb.stylesPath = rel.target
		case strings.HasSuffix(rel.typ, relSharedStrings):
			wb.sstPath = rel.target
		}
	}
	if wb.stylesPath == "" && wb.file(dir+"styles.xml") != nil {
		wb.stylesPath = dir + "styles.xml"
	}
	if wb.sstPath == "" && wb.file(dir+"sharedStrings.xml") != nil {
		wb.sstPath = dir + "sharedStrings.xml"
	}

	rc, err := wb.open(wb.workbookPath, maxPartSize)
	if err != nil {
		return notXLSX(err.Error())
	}
	defer rc.Close()
	d := newDecoder(rc)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return notXLSX(fmt.Sprintf("read %s: %v", wb.workbookPath, err))
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "workbookPr":
			for _, a := range se.Attr {
				if a.Name.Local == "date1904" {
					wb.date1904 = a.Value == "1" || strings.EqualFold(a.Value, "true")
				}
			}
		case "sheet":
			var s sheetInfo
			var id string
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "name":
					s.name = a.Value
				case "state":
					s.hidden = a.Value == "hidden" || a.Value == "veryHidden"
				case "id":
					id = a.Value
				}
			}
			if rel, ok := byID[id]; ok {
				s.path = rel.target
				if i := strings.LastIndexByte(rel.typ, '/'); i >= 0 {
					s.kind = rel.typ[i:]
				}
			}
			wb.sheets = append(wb.sheets, s)
		}
	}
	return nil
}

// selectSheet finds the sheet to read: by name (exactly, then ignoring
// case), or the first visible worksheet when name is "".
func (wb *workbook) selectSheet(name string) (sheetInfo, error) {
	if name == "" {
		first := -1
		for i, s := range wb.sheets {
			if s.kind != relWorksheet {
				continue
			}
			if !s.hidden {
				return s, nil
			}
			if first < 0 {
				first = i
			}
		}
		if first >= 0 {
			return wb.sheets[first], nil
		}
		return sheetInfo{}, fmt.Errorf("%w: the workbook has no worksheet (sheets: %s)", ErrSheetNotFound, wb.sheetList())
	}
	found := -1
	for i, s := range wb.sheets {
		if s.name == name {
			found = i
			break
		}
		if found < 0 && strings.EqualFold(s.name, name) {
			found = i
		}
	}
	if found < 0 {
		return sheetInfo{}, fmt.Errorf("%w: %q (the workbook has %s)", ErrSheetNotFound, name, wb.sheetList())
	}
	s := wb.sheets[found]
	if s.kind != relWorksheet {
		what := "not a worksheet"
		if s.kind == relChartsheet {
			what = "a chart sheet, not a worksheet"
		}
		return sheetInfo{}, fmt.Errorf("sheet %q is %s", s.name, what)
	}
	return s, nil
}

// sheetList renders the sheet names for an error message.
func (wb *workbook) sheetList() string {
	if len(wb.sheets) == 0 {
		return "no sheets"
	}
	names := make([]string, len(wb.sheets))
	for i, s := range wb.sheets {
		names[i] = strconv.Quote(s.name)
	}
	return "sheets " + strings.Join(names, ", ")
}

// openSheet reads the styles and shared strings the sheet's cells refer to
// and opens the sheet part as a row stream.
func (wb *workbook) openSheet(s sheetInfo) (*sheetStream, error) {
	if wb.file(s.path) == nil {
		return nil, fmt.Errorf("%w: sheet %q has no part in the archive (%q)", ErrNotXLSX, s.name, s.path)
	}
	var formats []uint8
	if wb.stylesPath != "" && wb.file(wb.stylesPath) != nil {
		var err error
		if formats, err = wb.readStyles(); err != nil {
			return nil, fmt.Errorf("read styles: %w", err)
		}
	}
	sst := &sharedStrings{}
	if wb.sstPath != "" && wb.file(wb.sstPath) != nil {
		var err error
		if sst, err = wb.readSharedStrings(); err != nil {
			return nil, fmt.Errorf("read shared strings: %w", err)
		}
	}
	rc, err := wb.open(s.path, 0)
	if err != nil {
		return nil, fmt.Errorf("read sheet %q: %w", s.name, err)
	}
	return newSheetStream(rc, sst, formats, wb.date1904), nil
}
