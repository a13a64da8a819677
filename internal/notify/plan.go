package notify

import (
	"slices"
	"strings"
)

// User is a person who may be notified.
type User struct {
	Login, Role, Partner, Email string
	Digest                      string // DigestDaily: mails gathered into one a day
}

// Planner turns events into deliveries by the configured rules.
type Planner struct {
	Rules        []Rule
	PartnerRoles map[string]string // partner id → role (supplier, broker, …)
	Webhooks     map[string]bool   // configured webhook ids
	Email        bool              // SMTP is configured: users with an address get mail too
}

// Delivery is one notification to write to the outbox: to a user's inbox
// (and, on channel email, to the user's address), to a plain address, or
// to a webhook.
type Delivery struct {
	Channel   string // ChannelInbox, ChannelEmail, ChannelWebhook
	Recipient string // "user:<login>", "email:<address>", "webhook:<id>"
	Rule      string // the rule that asked for it (the first, when several did)
	Digest    bool   // gathered into the recipient's daily mail instead of sent at once
}

// Concerns reports whether any rule may match e, before the store looks
// up the users and the shipment's parties for it: most events (a status
// message no rule names) concern none, and cost nothing more. A rule's
// partner condition counts as met while e's parties are not known yet.
func (p *Planner) Concerns(e Event) bool {
	for _, r := range p.Rules {
		w := r.When
		if e.Parties == nil && w.Partner != "" && w.Partner != e.Sender {
			w.Partner = "" // may be a party: Plan decides once they are known
		}
		if w.Matches(e) {
			return true
		}
	}
	return false
}

// Plan returns the deliveries event e calls for, once per channel and
// recipient however many rules name them. A person is not told of their
// own question.
func (p *Planner) Plan(e Event, users []User) []Delivery {
	var c collector
	for _, r := range p.Rules {
		if r.When.Matches(e) {
			p.expand(r.ID, r.Digest == DigestDaily, r.To, e, users, c.add)
		}
	}
	return c.out
}

// Escalate returns the deliveries of one escalation step's recipients.
func (p *Planner) Escalate(step string, to []Recipient, e Event, users []User) []Delivery {
	var c collector
	p.expand(step, false, to, e, users, c.add)
	return c.out
}

// collector gathers deliveries once per channel and recipient.
type collector struct {
	out  []Delivery
	seen map[string]bool
}

func (c *collector) add(d Delivery) {
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if k := d.Channel + "\x00" + d.Recipient; !c.seen[k] {
		c.seen[k] = true
		c.out = append(c.out, d)
	}
}

// expand adds the deliveries of the recipients of one rule.
func (p *Planner) expand(rule string, digest bool, to []Recipient, e Event, users []User, add func(Delivery)) {
	for _, r := range to {
		switch r.Kind {
		case ToEmail:
			if p.Email {
				add(Delivery{Channel: ChannelEmail, Recipient: "email:" + r.Value, Rule: rule, Digest: digest})
			}
		case ToWebhook:
			if p.Webhooks[r.Value] {
				add(Delivery{Channel: ChannelWebhook, Recipient: "webhook:" + r.Value, Rule: rule})
			}
		default:
			for _, u := range users {
				if !p.reaches(r, e, u) || "user:"+u.Login == e.AskedBy {
					continue
				}
				add(Delivery{Channel: ChannelInbox, Recipient: "user:" + u.Login, Rule: rule})
				if p.Email && u.Email != "" {
					add(Delivery{Channel: ChannelEmail, Recipient: "user:" + u.Login, Rule: rule, Digest: digest || u.Digest == DigestDaily})
				}
			}
		}
	}
}

// reaches reports whether recipient r names user u for event e.
func (p *Planner) reaches(r Recipient, e Event, u User) bool {
	switch r.Kind {
	case ToUser:
		return u.Login == r.Value
	case ToRole:
		return u.Role == r.Value
	case ToPartner:
		return u.Partner != "" && u.Partner == r.Value
	case ToParties:
		return u.Partner != "" && e.Parties[u.Partner] != "" && p.PartnerRoles[u.Partner] == r.Value
	case ToSender:
		return u.Partner != "" && u.Partner == e.Sender
	case ToOtherSide:
		if e.AskedPartner != "" { // a partner asked: the hub's people answer
			return slices.Contains([]string{"compliance", "logistics"}, u.Role)
		}
		return u.Partner != "" && e.Parties[u.Partner] != "" // staff asked: the partners' users
	}
	return false
}

// InboxLink is the page a recipient acknowledges notifications on.
func InboxLink(publicURL string) string { return strings.TrimRight(publicURL, "/") + "/notifications" }

// Subject is a notification's one-line subject: "[Clearway] " and the
// event's summary, cut to a mail client's width.
func Subject(e Event) string {
	s := strings.Join(strings.Fields(e.Summary), " ")
	if r := []rune(s); len(r) > 140 {
		s = string(r[:139]) + "…"
	}
	return "[Clearway] " + s
}
