package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/governance"
	"github.com/clearway/clearway/internal/mapchange"
	"github.com/clearway/clearway/internal/replay"
	"github.com/clearway/clearway/internal/sqlite"
)

// MappingChangeCommand is mapping change control from the shell:
// `clearway mapping propose|approve|reject|withdraw|proposals`.
type MappingChangeCommand struct {
	Sub            string
	Stdout, Stderr io.Writer
}

// Run does one step of a mapping change as the user --by names.
func (c *MappingChangeCommand) Run(ctx context.Context, args []string) error {
	name := "mapping " + c.Sub
	fs := newFlagSet(name)
	cfgPath := fs.String("config", "", "config file")
	by := fs.String("by", "", "your login (an admin or compliance user)")
	note := fs.String("note", "", "why")
	partner := fs.String("partner", "", "propose: try it against this partner's files (default: every partner it reads)")
	last := fs.Int("last", 10, "propose: how many of the latest archived files to try it against")
	status := fs.String("status", "", "proposals: submitted, approved, rejected or withdrawn")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, reorderFlags(args, "config", "by", "note", "partner", "last", "status")); err != nil {
		return err
	}
	cfg, err := loadConfig(configPath(*cfgPath))
	if err != nil {
		return err
	}
	hub, err := openCommandHub(cfg, io.Discard, "mapping "+c.Sub)
	if err != nil {
		return err
	}
	defer hub.Close()
	desk := hub.mappingDesk()
	if c.Sub == "proposals" {
		return c.list(ctx, hub.DB, *status, *asJSON)
	}
	if fs.NArg() != 1 || *by == "" {
		return usagef("%s: want %s --by LOGIN", name, map[bool]string{true: "FILE.yaml", false: "ID"}[c.Sub == "propose"])
	}
	role, err := changeRole(ctx, hub.DB, *by)
	if err != nil {
		return err
	}
	var p *sqlite.MappingProposal
	if c.Sub == "propose" {
		p, err = c.propose(ctx, desk, fs.Arg(0), *by, role, *note, *partner, *last)
	} else {
		id, perr := strconv.ParseInt(fs.Arg(0), 10, 64)
		if perr != nil {
			return usagef("%s: want a proposal id, not %q", name, fs.Arg(0))
		}
		p, err = desk.Decide(ctx, id, c.Sub, *by, role, *note)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.Stdout, p)
	}
	return c.printStatus(p, cfg.Governance.MappingChanges)
}

// changeRole is the role of the user a command acts as.
func changeRole(ctx context.Context, db *sqlite.DB, login string) (string, error) {
	u, _, err := db.UserByLogin(ctx, login)
	if err != nil {
		return "", clearway.Errorf(clearway.EINVALID, "--by %s: %s (mapping changes are made by workspace users)", login, clearway.ErrorMessage(err))
	}
	if u.Disabled {
		return "", clearway.Errorf(clearway.EFORBIDDEN, "user %s is disabled", login)
	}
	return string(u.Role), nil
}

// propose checks the file, tries it against the latest archived files and
// submits it, printing the trial first.
func (c *MappingChangeCommand) propose(ctx context.Context, desk *mapchange.Desk, path, login, role, note, partner string, last int) (*sqlite.MappingProposal, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := desk.Check("", path, content)
	if err != nil {
		return nil, err
	}
	trial, err := desk.Try(ctx, m, partner, last)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(c.Stderr, "trying %s %s against the latest %d archived files it reads:\n\n", m.Name, m.Hash[:12], len(trial.Files))
	for _, f := range trial.Files {
		replay.WriteText(c.Stderr, f)
		fmt.Fprintln(c.Stderr)
	}
	replay.WriteSummary(c.Stderr, trial.Summary, false)
	fmt.Fprintln(c.Stderr)
	return desk.Propose(ctx, m, login, role, note, trial)
}

func (c *MappingChangeCommand) printStatus(p *sqlite.MappingProposal, policy string) error {
	switch p.Status {
	case sqlite.ProposalSubmitted:
		who := "a second admin or compliance user"
		if policy == governance.Direct {
			who = "an admin or compliance user"
		}
		_, err := fmt.Fprintf(c.Stdout, "proposal %d: %s %s submitted by %s; %s approves it with: clearway mapping approve %d --by LOGIN\n",
			p.ID, p.Name, p.Hash[:12], p.ProposedBy, who, p.ID)
		return err
	case sqlite.ProposalApproved:
		_, err := fmt.Fprintf(c.Stdout, "proposal %d: %s %s approved by %s and written to %s; the daemon reloads it\n", p.ID, p.Name, p.Hash[:12], p.DecidedBy, p.File)
		return err
	}
	_, err := fmt.Fprintf(c.Stdout, "proposal %d: %s %s %s by %s\n", p.ID, p.Name, p.Hash[:12], p.Status, p.DecidedBy)
	return err
}

func (c *MappingChangeCommand) list(ctx context.Context, db *sqlite.DB, status string, asJSON bool) error {
	ps, err := db.MappingProposals(ctx, "", status)
	if err != nil {
		return err
	}
	if asJSON {
		if ps == nil {
			ps = []*sqlite.MappingProposal{}
		}
		return writeJSON(c.Stdout, ps)
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tMAPPING\tVERSION\tSTATUS\tPROPOSED\tBY\tDECIDED BY\tNOTE")
	for _, p := range ps {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Name, p.Hash[:12], p.Status, p.ProposedAt.UTC().Format(time.DateTime), p.ProposedBy, p.DecidedBy, p.Note)
	}
	return tw.Flush()
}
