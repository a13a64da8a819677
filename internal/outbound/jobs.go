package outbound

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/clearway/clearway/internal/packet"
	"github.com/clearway/clearway/internal/sqlite"
)

// identifierColumns are the identifiers the feeds name, one column each.
var identifierColumns = []string{"po_number", "invoice_number", "bill_of_lading", "container_number", "entry_number"}

// statusCursor is where the status feed stands: the last state change
// (audit id) and the last milestone line delivered.
type statusCursor struct {
	State     int64 `json:"state"`
	Milestone int64 `json:"milestone"`
}

// nextStatus collects entry state changes and milestones after the cursor,
// at most BatchSize of each.
func (r *Runner) nextStatus(ctx context.Context, job Job, raw string) (*content, error) {
	var cur statusCursor
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &cur); err != nil {
			return nil, fmt.Errorf("status cursor %q: %w", raw, err)
		}
	}
	limit := r.BatchSize
	if limit <= 0 {
		limit = 5000
	}
	states, lastState, err := r.DB.StateChanges(ctx, cur.State, limit)
	if err != nil {
		return nil, err
	}
	milestones, err := r.DB.Milestones(ctx, cur.Milestone, limit)
	if err != nil {
		return nil, err
	}
	next := statusCursor{State: lastState, Milestone: cur.Milestone}
	if n := len(milestones); n > 0 {
		next.Milestone = milestones[n-1].Seq
	}
	if next == cur {
		return nil, nil
	}
	to, _ := json.Marshal(next)
	c := &content{from: raw, to: string(to)}
	events := append(states, milestones...)
	sort.SliceStable(events, func(i, j int) bool { return events[i].At < events[j].At })
	if len(events) == 0 {
		return c, nil // only changes of holds were read: move on
	}
	c.items = len(events)
	header := append([]string{"type", "shipment", "event", "previous", "at", "location"}, identifierColumns...)
	rows := make([][]string, len(events))
	objects := make([]any, len(events))
	for i, e := range events {
		rows[i] = append([]string{e.Type, e.Shipment, e.Event, e.Previous, e.At, e.Location}, identifierCells(e.Identifiers)...)
		objects[i] = e
	}
	c.data, c.ext, err = render(job.Format, "Status", header, rows, objects)
	return c, err
}

// render writes a feed as csv (the default), jsonl (one object a line) or
// xlsx (one sheet), and returns the file extension.
func render(format, sheet string, header []string, rows [][]string, objects []any) ([]byte, string, error) {
	var buf bytes.Buffer
	switch format {
	case "jsonl":
		enc := json.NewEncoder(&buf)
		for _, o := range objects {
			if err := enc.Encode(o); err != nil {
				return nil, "", err
			}
		}
		return buf.Bytes(), "jsonl", nil
	case "xlsx":
		err := writeXLSX(&buf, sheet, header, rows)
		return buf.Bytes(), "xlsx", err
	}
	w := csv.NewWriter(&buf)
	w.Write(header)
	w.WriteAll(rows)
	return buf.Bytes(), "csv", w.Error()
}

// identifierCells renders identifierColumns, several values space-separated.
func identifierCells(ids map[string][]string) []string {
	cells := make([]string, len(identifierColumns))
	for i, k := range identifierColumns {
		cells[i] = strings.Join(ids[k], " ")
	}
	return cells
}

// nextDocumentRequests lists the documents the supplier owes. The cursor is
// the checksum of the last list delivered: an unchanged list is not sent
// again, an empty one is not sent at all.
func (r *Runner) nextDocumentRequests(ctx context.Context, job Job, cursor string) (*content, error) {
	reqs, err := r.DB.DocumentRequests(ctx, job.Partner)
	if err != nil {
		return nil, err
	}
	header := append([]string{"shipment", "rule", "request"}, identifierColumns...)
	rows := make([][]string, 0, len(reqs))
	for _, q := range reqs {
		rows = append(rows, append([]string{q.Shipment, q.Rule, q.Message}, identifierCells(q.Identifiers)...))
	}
	h := sha256.New()
	for _, row := range rows {
		fmt.Fprintf(h, "%q\n", row)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if sum == cursor {
		return nil, nil
	}
	c := &content{from: cursor, to: sum, items: len(rows)}
	if len(rows) == 0 {
		return c, nil
	}
	objects := make([]any, len(reqs))
	for i := range reqs {
		objects[i] = reqs[i]
	}
	c.data, c.ext, err = render(job.Format, "Document requests", header, rows, objects)
	return c, err
}

// writeXLSX writes one sheet with a bold header row (excelize's streaming
// writer: flat memory for long lists).
func writeXLSX(w io.Writer, sheet string, header []string, rows [][]string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return err
	}
	for i, row := range rows {
		vals := make([]any, len(row))
		for j, v := range row {
			vals[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// packetCursor counts the packets a job reserved, so two runs of the same
// job never reserve the same packet.
type packetCursor struct {
	Reserved int `json:"reserved"`
}

// nextPacket builds the packet of the first shipment due: FILE_READY and not
// sent, or sent and changed since (an amendment).
func (r *Runner) nextPacket(ctx context.Context, job Job, raw string) (*content, error) {
	due, err := r.DB.PacketsDue(ctx, job.Partner, job.Name)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	var cur packetCursor
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &cur); err != nil {
			return nil, fmt.Errorf("packet cursor %q: %w", raw, err)
		}
	}
	d := due[0]
	pc, err := packet.Load(ctx, r.DB, d.Ref)
	if err != nil {
		return nil, err
	}
	pc.Amendment, pc.Now = d.Amendment, r.now()
	pc.OpenDocument = func(sum string) (io.ReadCloser, error) { return r.Archive.OpenFile(sum) }
	var buf bytes.Buffer
	if err := packet.Write(&buf, pc); err != nil {
		return nil, err
	}
	to, _ := json.Marshal(packetCursor{Reserved: cur.Reserved + 1})
	return &content{data: buf.Bytes(), items: 1, ext: "zip", from: raw, to: string(to),
		packets: []sqlite.PacketDelivery{{ShipmentID: d.ShipmentID, DataHash: d.DataHash}}}, nil
}
