package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/clearway/clearway/internal/config"
	"github.com/clearway/clearway/internal/dashboard"
	"github.com/clearway/clearway/internal/governance"
	"github.com/clearway/clearway/internal/sqlite"
)

// governancePolicy is the config's governance block as a policy.
func governancePolicy(cfg *config.Config) governance.Policy {
	g := cfg.Governance
	return governance.Policy{ThresholdPct: g.ErrorRateThreshold, Window: g.Window.Duration, ReviewDue: g.ReviewDue.Duration}
}

// dashboardPolicy is what the governance dashboard judges by.
func dashboardPolicy(cfg *config.Config) dashboard.Policy {
	g := cfg.Governance
	return dashboard.Policy{ThresholdPct: g.ErrorRateThreshold, Window: g.Window.Duration, ReviewDue: g.ReviewDue.Duration,
		ResolutionSLA: g.ResolutionSLA.Duration, FinanceThreshold: g.FinanceThreshold}
}

// checkGovernance is the scheduled check of the partners' error rates.
func (h *Hub) checkGovernance(ctx context.Context) error {
	check, err := h.DB.CheckGovernance(ctx, governancePolicy(h.Config))
	if err != nil {
		return err
	}
	for _, b := range check.Opened {
		h.Logger.Warn("partner error rate above threshold: review opened", "component", "governance",
			"partner", b.Partner, "rate_pct", b.RatePct, "received", b.Received, "due_at", b.Due)
	}
	return nil
}

// GovernanceCheckCommand checks the partners' error rates now.
type GovernanceCheckCommand struct{ Stdout io.Writer }

// governanceReport is `governance check --json`.
type governanceReport struct {
	ThresholdPct float64             `json:"threshold_pct"`
	From         time.Time           `json:"from"`
	To           time.Time           `json:"to"`
	Partners     []governance.Counts `json:"partners"`
	Opened       []governance.Breach `json:"opened"`
}

// Run prints each partner's error rate over the window and opens the
// reviews a breach calls for, as the daemon's scheduled check does.
func (c *GovernanceCheckCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("governance check")
	cfgPath := fs.String("config", "", "config file")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, db, err := openConfigDB(*cfgPath)
	if err != nil {
		return err
	}
	defer db.Close()
	p := governancePolicy(cfg)
	check, err := db.CheckGovernance(ctx, p)
	if err != nil {
		return err
	}
	rep := governanceReport{ThresholdPct: p.ThresholdPct, From: check.From, To: check.To, Partners: check.Counts, Opened: check.Opened}
	if rep.Partners == nil {
		rep.Partners = []governance.Counts{}
	}
	if rep.Opened == nil {
		rep.Opened = []governance.Breach{}
	}
	if *asJSON {
		return writeJSON(c.Stdout, rep)
	}
	return printGovernance(c.Stdout, rep)
}

func printGovernance(w io.Writer, rep governanceReport) error {
	fmt.Fprintf(w, "error rates %s to %s (threshold %g %%)\n", rep.From.Format("2006-01-02 15:04"), rep.To.Format("2006-01-02 15:04 UTC"), rep.ThresholdPct)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PARTNER\tRECEIVED\tREJECTED\tWITH ERRORS\tRATE")
	for _, c := range rep.Partners {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f %%\n", c.Partner, c.Received, c.Rejected, c.WithErrors, c.RatePct())
	}
	tw.Flush()
	for _, b := range rep.Opened {
		fmt.Fprintf(w, "%s review opened: %s\n", sqlite.ReviewPartnerErrorRate, b.Summary(rep.ThresholdPct))
	}
	return nil
}
