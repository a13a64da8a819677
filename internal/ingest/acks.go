package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/ack"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/folders"
	"github.com/clearway/clearway/internal/mapping"
	"github.com/clearway/clearway/internal/sqlite"
	"github.com/clearway/clearway/internal/x12"
)

// queueAcks answers an inbound X12 file: a 997 (or 999, per partner) for
// each interchange with functional groups, and a TA1 when asked for or when
// the envelope itself is bad. No acks for inbound acks. They are queued in
// the transaction that settles the file (deliverAcks writes them to the
// partner's /outbox), so a crash between the two cannot lose one. An ack
// that cannot be built is logged: the file itself is settled either way.
func (p *Pipeline) queueAcks(q sqlite.AckQueue, out *Outcome) error {
	if out.Result == nil || len(out.Result.Interchanges) == 0 {
		return nil
	}
	f := out.File
	kind := ack.Kind997
	if p.router.Load().Acks[f.Partner] == "999" {
		kind = ack.Kind999
	}
	ics := out.Result.Interchanges
	problems := setProblems(ics, out.Errors)
	// Nothing of a rejected file was applied, so no set of it may read as
	// accepted.
	rejectAll := out.State == clearway.FileRejected
	lineBreak := p.inboundLineBreak(f, ics)
	now := p.now().UTC()
	for _, ic := range ics {
		needAck, needTA1 := ack.Needed(ic)
		if needAck {
			if err := p.queueAck(q, f, string(kind), now, func(isa, gs int64) ([]byte, error) {
				return ack.Build(ic, problems, ack.Options{Kind: kind, InterchangeControl: isa, GroupControl: gs, Now: now, LineBreak: lineBreak, RejectAll: rejectAll})
			}, ack.GroupCount(ic, kind)); err != nil {
				return err
			}
		}
		if needTA1 {
			if err := p.queueAck(q, f, "TA1", now, func(isa, _ int64) ([]byte, error) {
				return ack.TA1(ic, ack.Options{InterchangeControl: isa, Now: now, LineBreak: lineBreak})
			}, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// queueAck reserves the ack's control numbers and queues it; only a store
// failure is returned.
func (p *Pipeline) queueAck(q sqlite.AckQueue, f *clearway.File, name string, now time.Time, build func(isa, gs int64) ([]byte, error), groups int) error {
	isa, err := q.NextControlNumbers(f.Partner, "isa", 1)
	if err != nil {
		return err
	}
	var gs int64
	if groups > 0 {
		if gs, err = q.NextControlNumbers(f.Partner, "gs", groups); err != nil {
			return err
		}
	}
	body, err := build(isa, gs)
	if errors.Is(err, ack.ErrNoAck) {
		return nil
	}
	if err != nil {
		p.Logger.Error("ingest: build ack", "file_id", f.ID, "kind", name, "error", err)
		return nil
	}
	return q.QueueAck(f.Partner, fmt.Sprintf("%s-%s-%09d.edi", name, now.Format("20060102T150405Z"), isa), body)
}

// deliverAcks writes the queued acknowledgements that which selects to
// their partner's /outbox (temp name, then rename) and takes them off the queue.
// One file's acks are delivered by the process that settled it; the worker
// takes up, at start and when idle, those queued over a minute ago (a
// failed write, a crash), so no two deliver the same. One that cannot be
// written is logged and stays queued.
func (p *Pipeline) deliverAcks(ctx context.Context, which sqlite.AckFilter) {
	acks, err := p.DB.PendingAcks(ctx, which)
	if err != nil {
		p.Logger.Error("ingest: read queued acks", "error", err)
		return
	}
	store := p.Folders
	for _, a := range acks {
		key := folders.Outbox(a.Partner, a.Name)
		err := store.Write(ctx, key, bytes.NewReader(a.Body), int64(len(a.Body)))
		if err == nil {
			err = p.DB.AckDelivered(ctx, a.ID)
		}
		if err != nil {
			p.Logger.Error("ingest: write ack", "file_id", a.FileID, "partner", a.Partner, "name", a.Name, "error", err)
			continue
		}
		p.Logger.Info("ack written", "file_id", a.FileID, "partner", a.Partner, "path", store.Describe(key))
		p.ackLatency(ctx, a)
	}
}

// ackLatency records, with metrics on, how long after its file's receipt a
// 997 or 999 was written (TA1s are left out).
func (p *Pipeline) ackLatency(ctx context.Context, a sqlite.PendingAck) {
	if p.Metrics == nil {
		return
	}
	kind, _, _ := strings.Cut(a.Name, "-")
	if kind != string(ack.Kind997) && kind != string(ack.Kind999) {
		return
	}
	f, err := p.DB.FindFileByID(ctx, a.FileID)
	if err != nil {
		p.Logger.Warn("ingest: ack latency: read file", "file_id", a.FileID, "error", err)
		return
	}
	p.Metrics.AckWritten(kind, time.Since(f.ReceivedAt))
}

// defaultAckRetryAfter is how long a queued ack is left to the process
// that queued it before the worker delivers it instead.
const defaultAckRetryAfter = time.Minute

// setProblems turns the mapping's field errors into AK3/AK4 detail of the
// sets they are in. Envelope faults are not repeated: the tokenizer already
// coded them on the interchange.
func setProblems(ics []*x12.Interchange, errs []*mapping.InputError) map[int][]ack.SetProblem {
	out := map[int][]ack.SetProblem{}
	for _, e := range errs {
		if e.Field == "" || e.Pos.Segment == 0 {
			continue
		}
		start, ok := ack.SetOf(ics, e.Pos.Segment)
		if !ok {
			continue
		}
		seg, el, comp, ok := ack.ParseElementRef(e.Pos.Element)
		if !ok {
			seg, el, comp = "", 0, 0
		}
		out[start] = append(out[start], ack.SetProblem{SegmentIndex: e.Pos.Segment, SegmentID: seg, LoopID: e.Pos.Loop,
			Element: el, Component: comp, Code: elementCode(e), Value: e.Value})
	}
	return out
}

// elementCode picks the AK4/IK4 code for a field error.
func elementCode(e *mapping.InputError) string {
	switch msg := strings.ToLower(e.Msg); {
	case strings.Contains(msg, "missing"):
		return "1" // mandatory data element missing
	case strings.Contains(msg, "date"):
		return "8" // invalid date
	case strings.Contains(msg, "number"):
		return "6" // invalid character in data element
	}
	return "7" // invalid code value
}

// inboundLineBreak tells whether the inbound put line breaks after its
// segment terminators, so the ack looks the same (from the first 4 KiB).
func (p *Pipeline) inboundLineBreak(f *clearway.File, ics []*x12.Interchange) string {
	src, err := p.Archive.OpenFile(f.SHA256)
	if err != nil {
		return ""
	}
	defer src.Close()
	head, _ := io.ReadAll(io.LimitReader(src, 4096))
	return ack.LineBreakOf(head, ics[0])
}

func (p *Pipeline) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}
