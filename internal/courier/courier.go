// Package courier delivers the notifications the store's outbox holds:
// mails through the mailer, webhooks through the webhook client, each
// retried with backoff until delivered or, after the last attempt, marked
// failed for an admin to see and retry. A notification is in the outbox
// before it is sent and marked delivered only after, so a crash in between
// sends it again with the same Message-ID or idempotency key: the
// receiver sees it once.
package courier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/clearway/clearway/internal/mailer"
	"github.com/clearway/clearway/internal/notify"
	"github.com/clearway/clearway/internal/sqlite"
	"github.com/clearway/clearway/internal/webhook"
)

// Courier delivers notifications. Set the fields, then Open; Close stops it.
type Courier struct {
	DB        *sqlite.DB
	Mailer    *mailer.Mailer              // nil: mails wait (none are planned without SMTP)
	Webhooks  map[string]webhook.Endpoint // by id
	Client    *webhook.Client
	Templates *notify.Templates
	// PublicURL is where links in mails and webhook bodies point.
	PublicURL string
	// MaxAttempts bounds the attempts of one notification (default 8).
	MaxAttempts int
	// BackoffBase and BackoffMax space the attempts (30s, doubling, at
	// most 1h by default).
	BackoffBase, BackoffMax time.Duration
	// Poll is how often the outbox is looked at (default 0.5s: an indexed
	// query that finds nothing most of the time).
	Poll time.Duration
	// Active, when set, says whether this process delivers now: in a
	// cluster, only the node holding the courier's lease does, so no
	// notification goes out twice. Nil: always.
	Active func() bool
	// Delivered is told the outcome of each attempt (metrics); may be nil.
	Delivered func(channel, outcome string)
	Logger    *slog.Logger
	Now       func() time.Time

	cancel context.CancelFunc
	wake   chan struct{}
	wg     sync.WaitGroup
}

// Open checks the fields and starts delivering in the background.
func (c *Courier) Open() error {
	if c.DB == nil || c.Templates == nil {
		return errors.New("courier: DB and Templates are required")
	}
	c.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.wake = make(chan struct{}, 1)
	c.wg.Add(1)
	go c.loop(ctx)
	return nil
}

func (c *Courier) defaults() {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = 30 * time.Second
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = time.Hour
	}
	if c.Poll <= 0 {
		c.Poll = 500 * time.Millisecond
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Client == nil {
		c.Client = &webhook.Client{}
	}
}

// Close stops delivering, letting an attempt in flight finish.
func (c *Courier) Close() error {
	if c.cancel != nil {
		c.cancel()
		c.wg.Wait()
	}
	return nil
}

// Poke asks for a look at the outbox now (after an event was committed).
func (c *Courier) Poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *Courier) loop(ctx context.Context) {
	defer c.wg.Done()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-c.wake:
		}
		if c.Active != nil && !c.Active() {
			t.Reset(c.Poll)
			continue
		}
		if _, err := c.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			c.Logger.Error("deliver notifications", "error", err)
		}
		t.Reset(c.Poll)
	}
}

// DeliverDue makes one attempt at every mail and webhook due now and
// returns how many were delivered.
func (c *Courier) DeliverDue(ctx context.Context) (int, error) {
	c.defaults()
	due, err := c.DB.DueNotifications(ctx, c.Now(), 100)
	if err != nil {
		return 0, err
	}
	delivered := 0
	for _, n := range due {
		if ctx.Err() != nil {
			return delivered, nil
		}
		ok, err := c.attempt(ctx, n)
		if err != nil {
			return delivered, err
		}
		if ok {
			delivered++
		}
	}
	return delivered, nil
}

// attempt sends one notification and records the outcome.
func (c *Courier) attempt(ctx context.Context, n *sqlite.Notification) (bool, error) {
	var sendErr error
	switch n.Channel {
	case notify.ChannelEmail:
		sendErr = c.sendMail(ctx, n)
	case notify.ChannelWebhook:
		sendErr = c.post(ctx, n)
	default:
		return false, nil
	}
	if sendErr == nil {
		c.count(n.Channel, "delivered")
		c.Logger.Info("notification delivered", "id", n.ID, "channel", n.Channel, "recipient", n.Recipient, "event", n.EventKey)
		return true, c.DB.NotificationDelivered(ctx, n.ID)
	}
	final := n.Attempts+1 >= c.MaxAttempts || permanent(sendErr)
	next := c.Now().Add(c.backoff(n.Attempts+1, sendErr))
	outcome := "retry"
	if final {
		outcome = "failed"
	}
	c.count(n.Channel, outcome)
	c.Logger.Warn("notification attempt failed", "id", n.ID, "channel", n.Channel, "recipient", n.Recipient, "attempt", n.Attempts+1,
		"final", final, "error", sendErr)
	return false, c.DB.NotificationFailed(ctx, n.ID, sendErr.Error(), next, final)
}

func (c *Courier) count(channel, outcome string) {
	if c.Delivered != nil {
		c.Delivered(channel, outcome)
	}
}

// backoff is the wait before the next attempt: the webhook's Retry-After
// when longer.
func (c *Courier) backoff(attempts int, err error) time.Duration {
	d := webhook.Backoff(attempts, c.BackoffBase, c.BackoffMax)
	var we *webhook.Error
	if errors.As(err, &we) && we.RetryAfter > d {
		d = we.RetryAfter
	}
	return d
}

// permanent reports whether retrying cannot help.
func permanent(err error) bool {
	var we *webhook.Error
	if errors.As(err, &we) {
		return !we.Retryable
	}
	return mailer.Permanent(err)
}

// event decodes a notification's event.
func event(n *sqlite.Notification) (notify.Event, error) {
	var e notify.Event
	if err := json.Unmarshal([]byte(n.Body), &e); err != nil {
		return e, fmt.Errorf("notification %d: stored event: %w", n.ID, err)
	}
	return e, nil
}

// DeliveryKey is a notification's idempotency key: the same for every
// attempt, derived from the event and the recipient.
func DeliveryKey(n *sqlite.Notification) string {
	sum := sha256.Sum256([]byte(n.EventKey + "\x00" + n.Channel + "\x00" + n.Recipient))
	return "cw-" + hex.EncodeToString(sum[:16])
}

func (c *Courier) post(ctx context.Context, n *sqlite.Notification) error {
	id := strings.TrimPrefix(n.Recipient, "webhook:")
	ep, ok := c.Webhooks[id]
	if !ok {
		return &webhook.Error{Err: fmt.Errorf("webhook %q is not configured any more", id)}
	}
	e, err := event(n)
	if err != nil {
		return &webhook.Error{Err: err}
	}
	key := DeliveryKey(n)
	body, err := notify.WebhookBody(key, n.Rule, e, c.PublicURL, n.CreatedAt)
	if err != nil {
		return &webhook.Error{Err: err}
	}
	return c.Client.Post(ctx, ep, webhook.Delivery{Key: key, Event: n.Event, Body: body})
}

func (c *Courier) sendMail(ctx context.Context, n *sqlite.Notification) error {
	if c.Mailer == nil {
		return errNoSMTP
	}
	if n.Address == "" {
		return errNoAddress(n.Recipient)
	}
	e, err := event(n)
	if err != nil {
		return err
	}
	text, html, err := c.Templates.Render(notify.NewMail(e, n.Subject, n.Rule, n.Recipient, c.PublicURL))
	if err != nil {
		return err
	}
	return c.Mailer.Send(ctx, mailer.Message{ID: DeliveryKey(n) + "@clearway", To: []string{n.Address}, Subject: n.Subject, Text: text, HTML: html})
}

// errNoSMTP is why a mail cannot go without notify.smtp.
var errNoSMTP = errors.New("no SMTP server configured (notify.smtp)")

func errNoAddress(recipient string) error {
	return fmt.Errorf("%s has no email address", recipient)
}
