package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/clearway/clearway/internal/config"
	"github.com/clearway/clearway/internal/courier"
	"github.com/clearway/clearway/internal/mailer"
	"github.com/clearway/clearway/internal/notify"
	"github.com/clearway/clearway/internal/sqlite"
	"github.com/clearway/clearway/internal/webhook"
)

// notifyPlanner turns the notify block into the store's planner. The
// config was validated, so every recipient parses.
func notifyPlanner(cfg *config.Config) *notify.Planner {
	n := cfg.Notify
	p := &notify.Planner{PartnerRoles: map[string]string{}, Webhooks: map[string]bool{}, Email: n.SMTP != nil}
	for _, pc := range cfg.Partners {
		p.PartnerRoles[pc.ID] = pc.Role
	}
	for _, w := range n.Webhooks {
		p.Webhooks[w.ID] = true
	}
	for _, r := range n.Rules {
		w := r.When
		p.Rules = append(p.Rules, notify.Rule{ID: r.ID, To: recipients(r.To), Digest: r.Digest, When: notify.When{Event: w.Event,
			CodeList: w.CodeList, Codes: w.Codes, Rules: w.Rules, ReviewKinds: w.ReviewKinds, Partner: w.Partner, Mode: w.Mode, Over: w.Over, Under: w.Under}})
	}
	return p
}

// notifyLadder is the escalation ladder of the notify block.
func notifyLadder(cfg *config.Config) []sqlite.EscalationStep {
	var ladder []sqlite.EscalationStep
	for _, s := range cfg.Notify.Escalation {
		ladder = append(ladder, sqlite.EscalationStep{After: s.After.Duration, To: recipients(s.To)})
	}
	return ladder
}

func recipients(to []string) []notify.Recipient {
	var out []notify.Recipient
	for _, s := range to {
		if r, err := notify.ParseRecipient(s); err == nil {
			out = append(out, r)
		}
	}
	return out
}

// openCourier starts delivering notifications, and schedules the
// escalation ladder (every minute) and the daily digests.
func (h *Hub) openCourier() error {
	cfg := h.Config
	n := cfg.Notify
	var override fs.FS
	if n.TemplatesDir != "" {
		override = os.DirFS(n.TemplatesDir)
	}
	tmpl, err := notify.ParseTemplates(override)
	if err != nil {
		return err
	}
	c := &courier.Courier{DB: h.DB, Templates: tmpl, PublicURL: h.publicURL(), MaxAttempts: n.MaxAttempts, BackoffBase: n.RetryBackoff.Duration,
		Webhooks: map[string]webhook.Endpoint{}, Logger: h.Logger.With("component", "notify")}
	c.Delivered = func(channel, outcome string) { h.Metrics.NotificationDelivered(channel, outcome) }
	if s := n.SMTP; s != nil {
		if c.Mailer, err = mailer.New(mailer.Config{Host: s.Host, Port: s.Port, Username: s.Username, Password: s.Password, From: s.From, TLS: s.TLS}); err != nil {
			return err
		}
	}
	for _, w := range n.Webhooks {
		c.Webhooks[w.ID] = webhook.Endpoint{ID: w.ID, URL: w.URL, Secret: w.Secret}
	}
	if h.cluster != nil { // one node of a cluster delivers at a time
		l, err := h.cluster.lease("courier")
		if err != nil {
			return err
		}
		c.Active = l.Held
	}
	if err := c.Open(); err != nil {
		return err
	}
	h.Courier = c
	ladder := notifyLadder(cfg)
	sla := cfg.Governance.ResolutionSLA.Duration
	if err := h.addJob("notify-escalation", "@every 1m", func(ctx context.Context) error {
		run, err := h.DB.Escalate(ctx, ladder, sla)
		if err == nil && run.Overdue+run.Escalated > 0 {
			h.Logger.Info("escalation", "component", "notify", "review_overdue", run.Overdue, "escalated", run.Escalated)
			c.Poke()
		}
		return err
	}); err != nil {
		return err
	}
	return h.addJob("notify-digest", n.Digest, func(ctx context.Context) error {
		sent, err := c.SendDigests(ctx)
		if sent > 0 {
			h.Logger.Info("daily digests sent", "component", "notify", "digests", sent)
		}
		return err
	})
}

// publicURL is http.public_url, or the address the web listens on when the
// configured one has port 0 (tests).
func (h *Hub) publicURL() string {
	u := h.Config.HTTP.PublicURL
	if strings.HasSuffix(u, ":0") && h.Web != nil {
		scheme, _, _ := strings.Cut(u, "://")
		return scheme + "://" + h.Web.Addr().String()
	}
	return u
}

// NotifyCommand is `clearway notify list|retry`.
type NotifyCommand struct {
	Sub    string
	Stdout io.Writer
}

// Run lists the notifications with their attempts, or puts one back in
// line for delivery.
func (c *NotifyCommand) Run(ctx context.Context, args []string) error {
	flags := newFlagSet("notify " + c.Sub)
	cfgPath := flags.String("config", "", "config file")
	asJSON := flags.Bool("json", false, "print JSON")
	state := flags.String("state", "", "only pending, delivered or failed")
	by := flags.String("by", "admin", "who retries (for the audit log)")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	_, db, err := openConfigDB(*cfgPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if c.Sub == "retry" {
		if flags.NArg() != 1 {
			return usagef("notify retry: give one notification id")
		}
		id, err := strconv.ParseInt(flags.Arg(0), 10, 64)
		if err != nil {
			return usagef("notify retry: %q is not a notification id", flags.Arg(0))
		}
		if err := db.RetryNotification(ctx, id, "user:"+*by); err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "notification %d will be sent again by the running daemon\n", id)
		return nil
	}
	ns, err := db.ListNotifications(ctx, sqlite.NotificationFilter{State: *state})
	if err != nil {
		return err
	}
	if *asJSON {
		if ns == nil {
			ns = []*sqlite.Notification{}
		}
		enc := json.NewEncoder(c.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ns)
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tEVENT\tCHANNEL\tRECIPIENT\tSTATE\tATTEMPTS\tSUBJECT / LAST ERROR")
	for _, n := range ns {
		what := n.Subject
		if n.LastError != "" && n.State != "delivered" {
			what = "error: " + n.LastError
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", n.ID, n.CreatedAt.UTC().Format(time.DateTime), n.Event, n.Channel, n.Recipient,
			n.State, n.Attempts, strings.TrimPrefix(what, "[Clearway] "))
	}
	return tw.Flush()
}
