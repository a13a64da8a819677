package web

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aymanbagabas/go-udiff"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/governance"
	"github.com/clearway/clearway/internal/mapchange"
	"github.com/clearway/clearway/internal/mapping"
	"github.com/clearway/clearway/internal/sqlite"
)

// MappingDesk is mapping change control as the pages use it
// (mapchange.Desk).
type MappingDesk interface {
	Check(name, source string, content []byte) (*mapping.Mapping, error)
	Try(ctx context.Context, m *mapping.Mapping, partner string, n int) (*mapchange.Trial, error)
	Propose(ctx context.Context, m *mapping.Mapping, login, role, note string, trial *mapchange.Trial) (*sqlite.MappingProposal, error)
	Decide(ctx context.Context, id int64, decision, login, role, note string) (*sqlite.MappingProposal, error)
	RerunRejected(ctx context.Context, partner string, since time.Time, apply bool, login string) (*mapchange.Trial, error)
	Active() map[string]*mapping.Mapping
	ChangePolicy() string
}

// mappingRow is one active mapping on the list.
type mappingRow struct {
	Name, Description, File, Hash string
	Partners                      []string
	ActiveSince                   time.Time
	ActiveBy                      string
	Open                          int // submitted proposals
}

type mappingsData struct {
	Mappings  []mappingRow
	Proposals []*sqlite.MappingProposal
	Policy    string
}

// desk returns the mapping desk for a user who may change mappings.
func (s *Server) desk(r *http.Request) (MappingDesk, error) {
	if s.Mappings == nil || !can(r, account.ChangeMappings) {
		return nil, errNotFound
	}
	return s.Mappings, nil
}

// mappingsPage is GET /mappings: the mappings in use and the proposals.
func (s *Server) mappingsPage(w http.ResponseWriter, r *http.Request) error {
	desk, err := s.desk(r)
	if err != nil {
		return err
	}
	ps, err := s.DB.MappingProposals(r.Context(), "", "")
	if err != nil {
		return err
	}
	data := mappingsData{Proposals: ps, Policy: desk.ChangePolicy()}
	active := desk.Active()
	for _, name := range slices.Sorted(maps.Keys(active)) {
		m := active[name]
		row := mappingRow{Name: name, Description: m.Description, File: filepath.Base(m.File), Hash: m.Hash, Partners: s.partnersOf(name)}
		if hist, err := s.DB.MappingHistory(r.Context(), name); err == nil && len(hist) > 0 {
			row.ActiveSince, row.ActiveBy = hist[len(hist)-1].At, hist[len(hist)-1].By
		}
		for _, p := range ps {
			if p.Name == name && p.Status == sqlite.ProposalSubmitted {
				row.Open++
			}
		}
		data.Mappings = append(data.Mappings, row)
	}
	s.render(w, r, http.StatusOK, "mappings", "Mappings", data)
	return nil
}

// partnersOf lists the partners whose files a mapping reads.
func (s *Server) partnersOf(name string) []string {
	var out []string
	for _, p := range s.Partners {
		if slices.Contains(p.Mappings, name) {
			out = append(out, p.ID)
		}
	}
	return out
}

// mappingData is one mapping's page: its active version and history, the
// editor, and what trying an edit showed.
type mappingData struct {
	Name, File, Hash string
	Active           string // the active YAML
	History          []sqlite.MappingActivation
	Proposals        []*sqlite.MappingProposal
	Partners         []string
	// The editor's state: what was typed, for which partner and how many
	// files; Trial and Diff once tried, Problem when it does not compile.
	Content, Partner, Note string
	Last                   int
	Trial                  *mapchange.Trial
	Diff                   []diffLine
	Problem                string
	Policy                 string
}

// mappingPage is GET /mappings/{name}.
func (s *Server) mappingPage(w http.ResponseWriter, r *http.Request) error {
	desk, err := s.desk(r)
	if err != nil {
		return err
	}
	d, err := s.mappingData(r, desk)
	if err != nil {
		return err
	}
	d.Content = d.Active
	s.render(w, r, http.StatusOK, "mapping", "Mapping "+d.Name, d)
	return nil
}

func (s *Server) mappingData(r *http.Request, desk MappingDesk) (*mappingData, error) {
	name := r.PathValue("name")
	m := desk.Active()[name]
	if m == nil {
		return nil, errNotFound
	}
	d := &mappingData{Name: name, File: filepath.Base(m.File), Hash: m.Hash, Active: string(m.Source), Partners: s.partnersOf(name), Last: 10, Policy: desk.ChangePolicy()}
	var err error
	if d.History, err = s.DB.MappingHistory(r.Context(), name); err != nil && clearway.ErrorCode(err) != clearway.ENOTFOUND {
		return nil, err
	}
	slices.Reverse(d.History)
	if d.Proposals, err = s.DB.MappingProposals(r.Context(), name, ""); err != nil {
		return nil, err
	}
	return d, nil
}

// maxMappingSize bounds a mapping typed or uploaded in the editor.
const maxMappingSize = 1 << 20

// mappingForm is POST /mappings/{name}: "try" runs the edited version
// against the latest archived files and shows what would change;
// "submit" tries it again and records the proposal.
func (s *Server) mappingForm(w http.ResponseWriter, r *http.Request) error {
	desk, err := s.desk(r)
	if err != nil {
		return err
	}
	d, err := s.mappingData(r, desk)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxMappingSize+64<<10)
	if err := r.ParseMultipartForm(maxMappingSize); err != nil {
		return clearway.Errorf(clearway.EINVALID, "the form could not be read: %v", err)
	}
	d.Content, d.Partner, d.Note = r.FormValue("content"), r.FormValue("partner"), strings.TrimSpace(r.FormValue("note"))
	if f, _, ferr := r.FormFile("file"); ferr == nil { // an uploaded version wins over the text
		b, _ := io.ReadAll(io.LimitReader(f, maxMappingSize))
		f.Close()
		if len(b) > 0 {
			d.Content = string(b)
		}
	}
	d.Content = strings.ReplaceAll(d.Content, "\r\n", "\n") // a textarea sends CRLF
	if n, err := strconv.Atoi(r.FormValue("last")); err == nil && n > 0 {
		d.Last = min(n, 100)
	}
	if d.Partner != "" && !slices.Contains(d.Partners, d.Partner) {
		return clearway.Errorf(clearway.EINVALID, "partner %q does not use mapping %s", d.Partner, d.Name)
	}
	m, err := desk.Check(d.Name, "", []byte(d.Content))
	if err != nil {
		d.Problem = clearway.ErrorMessage(err)
		s.render(w, r, http.StatusUnprocessableEntity, "mapping", "Mapping "+d.Name, d)
		return nil
	}
	d.Diff = lineDiff(d.Active, d.Content, "active", "proposed")
	if d.Trial, err = desk.Try(r.Context(), m, d.Partner, d.Last); err != nil {
		return err
	}
	if r.FormValue("action") != "submit" {
		s.render(w, r, http.StatusOK, "mapping", "Mapping "+d.Name, d)
		return nil
	}
	u := userOf(r)
	p, err := desk.Propose(r.Context(), m, u.Login, string(u.Role), d.Note, d.Trial)
	if err != nil {
		if code := clearway.ErrorCode(err); code == clearway.EINVALID || code == clearway.EFORBIDDEN {
			d.Problem = clearway.ErrorMessage(err)
			s.render(w, r, http.StatusUnprocessableEntity, "mapping", "Mapping "+d.Name, d)
			return nil
		}
		return err
	}
	notice := fmt.Sprintf("Proposal %d submitted: a second admin or compliance user approves it", p.ID)
	if p.Status == sqlite.ProposalApproved {
		notice = fmt.Sprintf("Proposal %d is live (governance.mapping_changes is direct)", p.ID)
	}
	return s.formDone(w, r, fmt.Sprintf("/mappings/proposals/%d", p.ID), notice, nil)
}

// proposalData is one proposal's page.
type proposalData struct {
	P *sqlite.MappingProposal
	// Diff is the proposed version against the one it edits.
	Diff  []diffLine
	Trial *mapchange.Trial
	// MayApprove, MayReject, MayWithdraw say which buttons work; Why
	// says why approving does not, when it does not.
	MayApprove, MayReject, MayWithdraw bool
	Why                                string
}

// proposalPage is GET /mappings/proposals/{id}.
func (s *Server) proposalPage(w http.ResponseWriter, r *http.Request) error {
	desk, err := s.desk(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.DB.MappingProposal(r.Context(), id)
	if err != nil {
		return err
	}
	d := proposalData{P: p, Trial: decodeTrial(p.Trial)}
	base := ""
	if p.BaseHash != "" {
		if _, b, err := s.DB.MappingContent(r.Context(), p.Name, p.BaseHash); err == nil {
			base = string(b)
		}
	}
	d.Diff = lineDiff(base, string(p.Content), "version "+cmp.Or(clearway.ShortHash(p.BaseHash), "(none)"), "proposed "+clearway.ShortHash(p.Hash))
	if p.Status == sqlite.ProposalSubmitted {
		u := userOf(r)
		policy := desk.ChangePolicy()
		if err := governance.MayDecideMapping(policy, p.ProposedBy, u.Login, string(u.Role), governance.Approve); err != nil {
			d.Why = err.Error()
		} else {
			d.MayApprove = true
		}
		d.MayReject = governance.MayDecideMapping(policy, p.ProposedBy, u.Login, string(u.Role), governance.Reject) == nil
		d.MayWithdraw = governance.MayDecideMapping(policy, p.ProposedBy, u.Login, string(u.Role), governance.Withdraw) == nil
	}
	s.render(w, r, http.StatusOK, "proposal", fmt.Sprintf("Proposal %d · %s", p.ID, p.Name), d)
	return nil
}

// proposalForm is POST /mappings/proposals/{id}/decide.
func (s *Server) proposalForm(w http.ResponseWriter, r *http.Request) error {
	desk, err := s.desk(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u := userOf(r)
	decision := r.PostFormValue("decision")
	p, err := desk.Decide(r.Context(), id, decision, u.Login, string(u.Role), strings.TrimSpace(r.PostFormValue("note")))
	back := fmt.Sprintf("/mappings/proposals/%d", id)
	if clearway.ErrorCode(err) == clearway.EFORBIDDEN {
		err = clearway.Errorf(clearway.EINVALID, "%s", clearway.ErrorMessage(err)) // shown on the page, not a bare 403
	}
	if err != nil {
		return s.formDone(w, r, back, "", err)
	}
	notice := fmt.Sprintf("Proposal %d %s", p.ID, p.Status)
	if p.Status == sqlite.ProposalApproved {
		notice += fmt.Sprintf(": %s is now version %s, used for the next file", p.Name, clearway.ShortHash(p.Hash))
	}
	return s.formDone(w, r, back, notice, nil)
}

// diffLine is one line of a unified diff, with its kind for colour.
type diffLine struct {
	Kind string // add, del, hunk, head, same
	Text string
}

// lineDiff is the unified diff of two YAML texts, line by line.
func lineDiff(a, b, nameA, nameB string) []diffLine {
	if a == b {
		return nil
	}
	var out []diffLine
	for _, l := range strings.Split(strings.TrimSuffix(udiff.Unified(nameA, nameB, a, b), "\n"), "\n") {
		kind := "same"
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			kind = "head"
		case strings.HasPrefix(l, "@@"):
			kind = "hunk"
		case strings.HasPrefix(l, "+"):
			kind = "add"
		case strings.HasPrefix(l, "-"):
			kind = "del"
		}
		out = append(out, diffLine{Kind: kind, Text: l})
	}
	return out
}

// decodeTrial reads a proposal's stored trial (nil when none).
func decodeTrial(raw string) *mapchange.Trial {
	if raw == "" {
		return nil
	}
	var t mapchange.Trial
	if json.Unmarshal([]byte(raw), &t) != nil {
		return nil
	}
	return &t
}
