//go:build ignore

// Command gen writes the XLSX samples of the shipped mappings: the supplier
// commercial invoice workbook for supplier-invoice-xlsx, and its negative
// twin with a missing invoice number. Run it from the repository root:
//
//	go run testdata/mappings/gen/main.go
//
// The workbooks look like what suppliers send: a second sheet before the
// one the mapping reads, a two-row title block above the header on row 3,
// real Excel date cells, money and quantities as number cells, an HTS
// number typed as a number that lost its leading zero (0502100000 became
// 502100000), and a totals row with a SUM formula at the bottom. The story
// behind the values is in testdata/mappings/README.md.
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/xuri/excelize/v2"
)

// line is one invoice line of INV-2026-0042.
type line struct {
	no        int
	poLine    int
	part      string
	desc      string
	hts       any // string, or an int for the HTS that Excel turned into a number
	coo       string
	qty       float64
	uom       string
	unitPrice float64
}

var lines = []line{
	{1, 10, "BRG-6204-2RS", "Deep groove ball bearing 6204-2RS, 20x47x14 mm", "8482.10.5048", "CHINA", 50000, "PCS", 0.62},
	{2, 20, "GBX-NMRV040-30", "Worm gear reducer NMRV040, ratio 30:1", "8483.40.5010", "P.R.C.", 1200, "PCS", 38.50},
	{3, 30, "BRS-HOG-63", "Boiled hog bristle 63 mm, for strip brushes", 502100000, "CN", 2500, "KGS", 24.80},
}

const (
	invoiceNo = "INV-2026-0042"
	poNumber  = 4500012345
	billNo    = "MAEU240312345"
)

var invoiceDate = time.Date(2026, time.March, 6, 0, 0, 0, 0, time.UTC)

var headers = []string{"Invoice No", "Invoice Date", "Line", "PO #", "PO Line", "Part No", "Description",
	"HTS", "COO", "Qty", "UOM", "Unit Price", "Amount", "Currency"}

func main() {
	log.SetFlags(0)
	dir := filepath.Join("testdata", "mappings", "supplier-invoice-xlsx")
	if _, err := os.Stat(dir); err != nil {
		log.Fatalf("gen: run from the repository root: %v", err)
	}
	name := invoiceNo + "_BL-" + billNo + ".xlsx"
	if err := write(filepath.Join(dir, "inbox", "invoices", name), ""); err != nil {
		log.Fatal(err)
	}
	// The negative sample: the supplier cleared the invoice number of line 2.
	bad := invoiceNo + "_BL-" + billNo + "_missing-invno.xlsx"
	if err := write(filepath.Join(dir, "bad", "inbox", "invoices", bad), "blank-invoice-no-line-2"); err != nil {
		log.Fatal(err)
	}
}

// write creates one workbook at path; variant selects a defect.
func write(path, variant string) error {
	f := excelize.NewFile()
	defer f.Close()

	// The packing sheet comes first, as in the supplier's template: the
	// mapping must pick the Invoice sheet by name.
	if err := f.SetSheetName("Sheet1", "Packing List"); err != nil {
		return err
	}
	if err := f.SetSheetRow("Packing List", "A1", &[]any{"See packing list CSV PL_" + invoiceNo + ".csv"}); err != nil {
		return err
	}
	const sh = "Invoice"
	idx, err := f.NewSheet(sh)
	if err != nil {
		return err
	}
	f.SetActiveSheet(idx)

	styles, err := newStyles(f)
	if err != nil {
		return err
	}

	// Rows 1-2: the title block the mapping skips (header_row: 3).
	if err := f.SetCellStr(sh, "A1", "宁波海泰精密有限公司  NINGBO HAITAI PRECISION CO., LTD.  -  COMMERCIAL INVOICE"); err != nil {
		return err
	}
	if err := f.MergeCell(sh, "A1", "N1"); err != nil {
		return err
	}
	title2 := fmt.Sprintf("Invoice %s  |  Date 06-Mar-2026  |  B/L %s  |  FOB Ningbo (Incoterms 2020)  |  Sold to ACME Components Inc., Columbus OH, USA", invoiceNo, billNo)
	if err := f.SetCellStr(sh, "A2", title2); err != nil {
		return err
	}
	if err := f.MergeCell(sh, "A2", "N2"); err != nil {
		return err
	}
	if err := f.SetCellStyle(sh, "A1", "A2", styles.title); err != nil {
		return err
	}

	// Row 3: the header.
	if err := f.SetSheetRow(sh, "A3", &headers); err != nil {
		return err
	}
	if err := f.SetCellStyle(sh, "A3", "N3", styles.header); err != nil {
		return err
	}

	// Rows 4-6: the lines.
	first := 4
	for i, l := range lines {
		r := first + i
		inv := invoiceNo
		if variant == "blank-invoice-no-line-2" && l.no == 2 {
			inv = ""
		}
		amount := float64(int64(l.qty*l.unitPrice*100+0.5)) / 100
		row := []any{inv, invoiceDate, l.no, poNumber, l.poLine, l.part, l.desc, l.hts, l.coo, l.qty, l.uom,
			l.unitPrice, amount, "USD"}
		cell := fmt.Sprintf("A%d", r)
		if err := f.SetSheetRow(sh, cell, &row); err != nil {
			return err
		}
		// B: a real date cell (serial number) shown as 06-Mar-2026.
		if err := f.SetCellStyle(sh, fmt.Sprintf("B%d", r), fmt.Sprintf("B%d", r), styles.date); err != nil {
			return err
		}
		if err := f.SetCellStyle(sh, fmt.Sprintf("J%d", r), fmt.Sprintf("J%d", r), styles.qty); err != nil {
			return err
		}
		if err := f.SetCellStyle(sh, fmt.Sprintf("L%d", r), fmt.Sprintf("M%d", r), styles.money); err != nil {
			return err
		}
	}

	// The totals row: no line number, a SUM formula for the amount. The
	// formula's cached value is set too, as Excel would have saved it.
	last := first + len(lines) - 1
	tot := last + 1
	total := 0.0
	for _, l := range lines {
		total += float64(int64(l.qty*l.unitPrice*100+0.5)) / 100
	}
	if err := f.SetCellStr(sh, fmt.Sprintf("G%d", tot), "TOTAL FOB NINGBO"); err != nil {
		return err
	}
	amountCell := fmt.Sprintf("M%d", tot)
	if err := f.SetCellFloat(sh, amountCell, total, 2, 64); err != nil {
		return err
	}
	if err := f.SetCellFormula(sh, amountCell, fmt.Sprintf("SUM(M%d:M%d)", first, last)); err != nil {
		return err
	}
	if err := f.SetCellStr(sh, fmt.Sprintf("N%d", tot), "USD"); err != nil {
		return err
	}
	if err := f.SetCellStyle(sh, fmt.Sprintf("A%d", tot), fmt.Sprintf("N%d", tot), styles.total); err != nil {
		return err
	}
	if err := f.SetCellStyle(sh, amountCell, amountCell, styles.totalMoney); err != nil {
		return err
	}

	for col, width := range map[string]float64{"A": 15, "B": 13, "C": 6, "D": 12, "E": 8, "F": 17, "G": 44,
		"H": 14, "I": 8, "J": 10, "K": 6, "L": 11, "M": 13, "N": 9} {
		if err := f.SetColWidth(sh, col, col, width); err != nil {
			return err
		}
	}

	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := f.SaveAs(path); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	fmt.Println("wrote", path)
	return nil
}

type sheetStyles struct {
	title, header, date, qty, money, total, totalMoney int
}

func newStyles(f *excelize.File) (sheetStyles, error) {
	var s sheetStyles
	var err error
	dateFmt := "dd-mmm-yyyy"
	if s.title, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}}); err != nil {
		return s, err
	}
	if s.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}}); err != nil {
		return s, err
	}
	if s.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt}); err != nil {
		return s, err
	}
	if s.qty, err = f.NewStyle(&excelize.Style{NumFmt: 3}); err != nil { // #,##0
		return s, err
	}
	if s.money, err = f.NewStyle(&excelize.Style{NumFmt: 4}); err != nil { // #,##0.00
		return s, err
	}
	if s.total, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return s, err
	}
	if s.totalMoney, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 4}); err != nil {
		return s, err
	}
	return s, nil
}
