package notify

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Event is something that happened that a rule may match. The store
// raises events in the transaction that records what happened.
type Event struct {
	// Key identifies the event for idempotency: the same happening always
	// gets the same key ("status:CW-000012:<message key>").
	Key  string    `json:"key"`
	Type string    `json:"type"`
	At   time.Time `json:"at"`
	// Shipment is the ref of the shipment it concerns, "" for a partner's.
	Shipment string `json:"shipment,omitempty"`
	// Sender is the partner whose file or message raised it, "" for a
	// person's action or Clearway's own checks.
	Sender string `json:"sender,omitempty"`
	// Parties are the partners party to the shipment, each with its role.
	Parties     map[string]string `json:"-"`
	Mode        string            `json:"mode,omitempty"`
	CodeList    string            `json:"code_list,omitempty"`
	Code        string            `json:"code,omitempty"`
	EntryNumber string            `json:"entry_number,omitempty"`
	Rule        string            `json:"rule,omitempty"`        // finding: its rule id
	ReviewKind  string            `json:"review_kind,omitempty"` // review_opened, review_overdue
	ReviewID    int64             `json:"review_id,omitempty"`
	FileID      int64             `json:"file_id,omitempty"`
	QuestionID  int64             `json:"question_id,omitempty"`
	Amount      *float64          `json:"amount,omitempty"` // value at risk, valuation change
	// AskedBy names who asked (question_asked): "user:<login>" and, for a
	// partner's user, its partner.
	AskedBy, AskedPartner string `json:"-"`
	// Summary says it in one plain-English line; Detail adds lines.
	Summary string   `json:"summary"`
	Detail  []string `json:"detail,omitempty"`
}

// When is what a rule matches: every field set must match.
type When struct {
	Event       string
	CodeList    string
	Codes       []string
	Rules       []string
	ReviewKinds []string
	Partner     string // the sender, or a party of the shipment
	Mode        string
	Over, Under *float64 // the event's amount
}

// Rule is one rule of the notify block.
type Rule struct {
	ID     string
	When   When
	To     []Recipient
	Digest string // DigestDaily: gathered into the recipients' daily mail
}

// Matches reports whether e is an event the rule is about.
func (w When) Matches(e Event) bool {
	switch {
	case w.Event != e.Type:
		return false
	case w.CodeList != "" && !strings.EqualFold(w.CodeList, e.CodeList):
		return false
	case len(w.Codes) > 0 && !slices.ContainsFunc(w.Codes, func(c string) bool { return strings.EqualFold(c, e.Code) }):
		return false
	case len(w.Rules) > 0 && !slices.Contains(w.Rules, e.Rule):
		return false
	case len(w.ReviewKinds) > 0 && !slices.Contains(w.ReviewKinds, e.ReviewKind):
		return false
	case w.Partner != "" && w.Partner != e.Sender && e.Parties[w.Partner] == "":
		return false
	case w.Mode != "" && !strings.EqualFold(w.Mode, e.Mode):
		return false
	}
	return amountMatches(w, e.Amount)
}

func amountMatches(w When, amount *float64) bool {
	if w.Over == nil && w.Under == nil {
		return true
	}
	if amount == nil {
		return false
	}
	return (w.Over == nil || *amount > *w.Over) && (w.Under == nil || *amount < *w.Under)
}

// Recipient kinds.
const (
	ToUser      = "user"       // user:LOGIN
	ToRole      = "role"       // role:ROLE: every enabled user of the role
	ToPartner   = "partner"    // partner:ID: its users with an email address
	ToEmail     = "email"      // email:ADDR, or a bare address
	ToWebhook   = "webhook"    // webhook:ID
	ToParties   = "parties"    // parties:ROLE: the users of the shipment's partners of that partner role (broker, supplier, …)
	ToSender    = "sender"     // the users of the partner whose file or message raised the event
	ToOtherSide = "other_side" // question_asked: the side that did not ask
)

// Recipient is one entry of a rule's to: list.
type Recipient struct {
	Kind, Value string
}

// String writes the recipient as configured.
func (r Recipient) String() string {
	if r.Value == "" {
		return r.Kind
	}
	return r.Kind + ":" + r.Value
}

// ParseRecipient reads one to: entry ("role:compliance",
// "partner:fastclear", "webhook:erp-hook", "email:trade@example.com",
// "trade@example.com", "user:ana", "parties:broker", "sender",
// "other_side"). It checks the form only; the config checks that roles,
// partners and webhooks exist.
func ParseRecipient(s string) (Recipient, error) {
	s = strings.TrimSpace(s)
	kind, value, found := strings.Cut(s, ":")
	switch {
	case !found && (s == ToSender || s == ToOtherSide):
		return Recipient{Kind: s}, nil
	case !found && strings.Contains(s, "@"):
		kind, value = ToEmail, s
	case !found:
		return Recipient{}, fmt.Errorf("recipient %q: write kind:value (user:, role:, partner:, email:, webhook:, parties:) or sender or other_side", s)
	}
	value = strings.TrimSpace(value)
	switch kind {
	case ToUser, ToRole, ToPartner, ToWebhook, ToParties:
		if value == "" {
			return Recipient{}, fmt.Errorf("recipient %q: %s: needs a value", s, kind)
		}
	case ToEmail:
		if _, err := mail.ParseAddress(value); err != nil {
			return Recipient{}, fmt.Errorf("recipient %q: not an email address: %w", s, err)
		}
	default:
		return Recipient{}, fmt.Errorf("recipient %q: unknown kind %q (user, role, partner, email, webhook, parties, sender, other_side)", s, kind)
	}
	return Recipient{Kind: kind, Value: value}, nil
}
