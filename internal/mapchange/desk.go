// Package mapchange is mapping change control: a new version of a mapping
// is proposed, tried against the archived files it would read (a replay
// dry run), and goes live — written to mappings_dir atomically, hot-reloaded,
// recorded in the mapping history — when approved by a second admin or
// compliance user (governance.mapping_changes: four_eyes) or at once
// (direct). Rejected and withdrawn proposals stay on record. The web
// workspace and the CLI both go through the Desk.
package mapchange

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"github.com/clearway/clearway/internal/atomicfile"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/governance"
	"github.com/clearway/clearway/internal/ingest"
	"github.com/clearway/clearway/internal/mapping"
	"github.com/clearway/clearway/internal/replay"
	"github.com/clearway/clearway/internal/sqlite"
)

// Desk takes mapping proposals and decisions.
type Desk struct {
	DB       *sqlite.DB
	Pipeline *ingest.Pipeline
	// Dir is mappings_dir, where approved versions are written.
	Dir string
	// Policy is governance.FourEyes (default) or governance.Direct.
	Policy string
	// Activated, when set, is told a version was written (the daemon
	// reloads its mappings at once rather than at its next look).
	Activated func(name string)
	Logger    *slog.Logger
}

// Check compiles a proposed version. name is the mapping it edits (""
// for the one the YAML names); the YAML must name the same mapping. The
// error of a version that does not compile is mapping check's, with
// file:line (source names the file in it; default the mapping's file).
func (d *Desk) Check(name, source string, content []byte) (*mapping.Mapping, error) {
	if source == "" {
		source = d.fileOf(name)
	}
	m, err := mapping.Parse(content, source)
	if err != nil {
		return nil, clearway.Errorf(clearway.EINVALID, "%s", err)
	}
	if name != "" && m.Name != name {
		return nil, clearway.Errorf(clearway.EINVALID, "%s: the YAML names mapping %q, but this is a version of %q", source, m.Name, name)
	}
	m.File = d.fileOf(m.Name) // where it goes live
	return m, nil
}

// fileOf is the file in mappings_dir a mapping lives in: the active one's,
// else NAME.yaml for a new mapping.
func (d *Desk) fileOf(name string) string {
	if cur := d.Pipeline.Router().Mappings[name]; cur != nil && cur.File != "" {
		return filepath.Base(cur.File)
	}
	return name + ".yaml"
}

// Trial is a version tried against archived files: what a replay with it
// would change (kept with the proposal for whoever approves it).
type Trial struct {
	Partner string          `json:"partner,omitempty"` // "" every partner the mapping reads
	Last    int             `json:"last"`
	Files   []*replay.File  `json:"files"`
	Summary *replay.Summary `json:"summary"`
}

// Try replays, without writing, the last n archived files of partner
// ("" any) that the version's mapping reads.
func (d *Desk) Try(ctx context.Context, m *mapping.Mapping, partner string, n int) (*Trial, error) {
	t := &Trial{Partner: partner, Last: n, Files: []*replay.File{}}
	run := &ingest.ReplayRun{Pipeline: d.Pipeline, With: m, Last: n, Options: ingest.ReplayOptions{Limit: 25}}
	files, err := d.latestRead(ctx, run, partner, n)
	if err != nil {
		return nil, err
	}
	t.Summary, err = run.Run(ctx, files, func(f *replay.File) error {
		t.Files = append(t.Files, f)
		return nil
	})
	return t, err
}

// latestRead finds the last n journal entries of partner the run's
// mapping reads, a page of the newest at a time: a busy journal is not
// read whole for a trial of ten files.
func (d *Desk) latestRead(ctx context.Context, run *ingest.ReplayRun, partner string, n int) ([]sqlite.ReplayFile, error) {
	if n <= 0 { // every one
		return d.DB.ReplayFiles(ctx, sqlite.ReplaySelection{Partner: partner})
	}
	const page = 500
	var found []sqlite.ReplayFile // newest first
	for before := int64(0); len(found) < n; {
		files, err := d.DB.ReplayFiles(ctx, sqlite.ReplaySelection{Partner: partner, Newest: page, Before: before})
		if err != nil || len(files) == 0 {
			return reversed(found), err
		}
		picked, _ := run.Pick(files)
		for i := len(picked) - 1; i >= 0 && len(found) < n; i-- {
			found = append(found, picked[i])
		}
		before = files[0].ID
	}
	return reversed(found), nil
}

func reversed(files []sqlite.ReplayFile) []sqlite.ReplayFile {
	slices.Reverse(files)
	return files
}

// Active returns the mapping versions in use, by name.
func (d *Desk) Active() map[string]*mapping.Mapping { return d.Pipeline.Router().Mappings }

// ChangePolicy is governance.mapping_changes.
func (d *Desk) ChangePolicy() string {
	if d.Policy == "" {
		return governance.FourEyes
	}
	return d.Policy
}

// Propose records a version Check compiled, by a user (login, role), with
// the trial shown when it was submitted. Under
// governance.mapping_changes: direct it goes live at once.
func (d *Desk) Propose(ctx context.Context, m *mapping.Mapping, login, role, note string, trial *Trial) (*sqlite.MappingProposal, error) {
	if err := governance.MayPropose(role); err != nil {
		return nil, clearway.Errorf(clearway.EFORBIDDEN, "%s", err)
	}
	base, err := d.DB.ActiveMappingHash(ctx, m.Name)
	if err != nil {
		return nil, err
	}
	if base == m.Hash {
		return nil, clearway.Errorf(clearway.EINVALID, "this is the active version of %s already: nothing to propose", m.Name)
	}
	var trialJSON []byte
	if trial != nil {
		trialJSON, _ = json.Marshal(trial)
	}
	id, err := d.DB.ProposeMapping(ctx, sqlite.MappingProposal{Name: m.Name, File: m.File, BaseHash: base, Hash: m.Hash,
		Note: note, ProposedBy: login, Trial: string(trialJSON), Content: m.Source})
	if err != nil {
		return nil, err
	}
	d.log().Info("mapping change proposed", "proposal", id, "mapping", m.Name, "hash", m.Hash[:12], "by", login)
	if d.Policy == governance.Direct {
		return d.Decide(ctx, id, governance.Approve, login, role, "governance.mapping_changes is direct")
	}
	return d.DB.MappingProposal(ctx, id)
}

// Decide approves, rejects or withdraws a submitted proposal. An approved
// version is written to mappings_dir atomically, recorded as the active
// version and reloaded.
func (d *Desk) Decide(ctx context.Context, id int64, decision, login, role, note string) (*sqlite.MappingProposal, error) {
	p, err := d.DB.MappingProposal(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Status != sqlite.ProposalSubmitted {
		return nil, clearway.Errorf(clearway.ECONFLICT, "proposal %d was already %s by %s", id, p.Status, p.DecidedBy)
	}
	if err := governance.MayDecideMapping(d.Policy, p.ProposedBy, login, role, decision); err != nil {
		return nil, clearway.Errorf(clearway.EFORBIDDEN, "%s", err)
	}
	status := map[string]string{governance.Approve: sqlite.ProposalApproved, governance.Reject: sqlite.ProposalRejected,
		governance.Withdraw: sqlite.ProposalWithdrawn}[decision]
	if status == sqlite.ProposalApproved {
		if err := d.stillCurrent(ctx, p); err != nil {
			return nil, err
		}
	}
	if err := d.DB.DecideProposal(ctx, id, status, login, note); err != nil {
		return nil, err
	}
	if status == sqlite.ProposalApproved {
		if err := d.goLive(ctx, p, login); err != nil {
			if rerr := d.DB.ReopenProposal(context.WithoutCancel(ctx), id, "could not be written: "+err.Error()); rerr != nil {
				d.log().Error("reopen proposal", "proposal", id, "error", rerr)
			}
			return nil, fmt.Errorf("proposal %d approved but not written, so it stays submitted: %w", id, err)
		}
	}
	d.log().Info("mapping change decided", "proposal", id, "mapping", p.Name, "status", status, "by", login)
	return d.DB.MappingProposal(ctx, id)
}

// stillCurrent refuses to approve a proposal made against a version that
// is no longer the active one: it would silently undo the newer change.
func (d *Desk) stillCurrent(ctx context.Context, p *sqlite.MappingProposal) error {
	active, err := d.DB.ActiveMappingHash(ctx, p.Name)
	if err != nil {
		return err
	}
	if active != p.BaseHash {
		return clearway.Errorf(clearway.ECONFLICT, "%s changed since proposal %d was made (version %s is active now, it edits %s): propose the change again on the active version",
			p.Name, p.ID, cmp.Or(clearway.ShortHash(active), "(none)"), cmp.Or(clearway.ShortHash(p.BaseHash), "(none)"))
	}
	if _, err := mapping.Parse(p.Content, p.File); err != nil {
		return clearway.Errorf(clearway.EINVALID, "%s", err)
	}
	return nil
}

// goLive writes the version to mappings_dir and records its activation.
func (d *Desk) goLive(ctx context.Context, p *sqlite.MappingProposal, login string) error {
	path := filepath.Join(d.Dir, p.File)
	if err := atomicfile.Copy(path, 0o644, bytes.NewReader(p.Content)); err != nil {
		return err
	}
	by := fmt.Sprintf("proposal %d approved by %s", p.ID, login)
	if _, err := d.DB.RecordMappings(ctx, []sqlite.MappingVersion{{Name: p.Name, Hash: p.Hash, File: path, Content: p.Content}}, by); err != nil {
		return err
	}
	if d.Activated != nil {
		d.Activated(p.Name)
	}
	return nil
}

// RerunRejected re-reads a partner's files rejected since a date with the
// active mappings: a dry run, or (apply) those that now pass are ingested.
func (d *Desk) RerunRejected(ctx context.Context, partner string, since time.Time, apply bool, login string) (*Trial, error) {
	if partner == "" {
		return nil, clearway.Errorf(clearway.EINVALID, "choose the partner whose rejected files to re-run")
	}
	files, err := d.DB.ReplayFiles(ctx, sqlite.ReplaySelection{Partner: partner, Since: since, States: []clearway.FileState{clearway.FileRejected}})
	if err != nil {
		return nil, err
	}
	t := &Trial{Partner: partner, Files: []*replay.File{}}
	run := &ingest.ReplayRun{Pipeline: d.Pipeline, Options: ingest.ReplayOptions{Apply: apply, By: "user:" + login, Limit: 25}}
	t.Summary, err = run.Run(ctx, files, func(f *replay.File) error {
		t.Files = append(t.Files, f)
		return nil
	})
	return t, err
}

func (d *Desk) log() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}
