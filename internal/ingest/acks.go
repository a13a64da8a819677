package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/ack"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/mapping"
	"github.com/clearway/clearway/internal/x12"
)

// writeAcks answers an inbound X12 file: a 997 (or 999, per partner) for
// each interchange with functional groups, and a TA1 when asked for or when
// the envelope itself is bad. No acks for inbound acks. They go to the
// partner's /outbox, written atomically. A failure here is logged: the file
// itself is already settled.
func (p *Pipeline) writeAcks(ctx context.Context, out *Outcome) {
	if out.Result == nil || len(out.Result.Interchanges) == 0 {
		return
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
			if err := p.writeAck(ctx, f, string(kind), now, func(isa, gs int64) ([]byte, error) {
				return ack.Build(ic, problems, ack.Options{Kind: kind, InterchangeControl: isa, GroupControl: gs, Now: now, LineBreak: lineBreak, RejectAll: rejectAll})
			}, ack.GroupCount(ic, kind)); err != nil {
				p.Logger.Error("ingest: write ack", "file_id", f.ID, "kind", kind, "error", err)
			}
		}
		if needTA1 {
			if err := p.writeAck(ctx, f, "TA1", now, func(isa, _ int64) ([]byte, error) {
				return ack.TA1(ic, ack.Options{InterchangeControl: isa, Now: now, LineBreak: lineBreak})
			}, 0); err != nil {
				p.Logger.Error("ingest: write TA1", "file_id", f.ID, "error", err)
			}
		}
	}
}

func (p *Pipeline) writeAck(ctx context.Context, f *clearway.File, name string, now time.Time, build func(isa, gs int64) ([]byte, error), groups int) error {
	isa, err := p.DB.NextControlNumbers(ctx, f.Partner, "isa", 1)
	if err != nil {
		return err
	}
	var gs int64
	if groups > 0 {
		if gs, err = p.DB.NextControlNumbers(ctx, f.Partner, "gs", groups); err != nil {
			return err
		}
	}
	body, err := build(isa, gs)
	if errors.Is(err, ack.ErrNoAck) {
		return nil
	}
	if err != nil {
		return err
	}
	dir := filepath.Join(p.PartnersDir, f.Partner, clearway.OutboxDir)
	if err := os.MkdirAll(dir, 0o750); err != nil { // the CLI and watched folders may come before any SFTP login
		return err
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s-%09d.edi", name, now.Format("20060102T150405Z"), isa))
	if err := writeAtomic(path, bytes.NewReader(body)); err != nil {
		return err
	}
	p.Logger.Info("ack written", "file_id", f.ID, "partner", f.Partner, "kind", name, "isa13", isa, "path", path)
	return nil
}

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
