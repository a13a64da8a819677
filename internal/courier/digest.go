package courier

import (
	"context"
	"time"

	"github.com/clearway/clearway/internal/mailer"
	"github.com/clearway/clearway/internal/notify"
	"github.com/clearway/clearway/internal/sqlite"
)

// SendDigests raises today's documents_requested events, then sends each
// recipient with mails waiting for the daily digest one mail listing them
// all, and marks them delivered. It returns how many digests went out.
func (c *Courier) SendDigests(ctx context.Context) (int, error) {
	c.defaults()
	if _, err := c.DB.RaiseDocumentRequests(ctx); err != nil {
		return 0, err
	}
	pending, err := c.DB.DueDigests(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for len(pending) > 0 {
		n := 1
		for n < len(pending) && pending[n].Recipient == pending[0].Recipient {
			n++
		}
		batch := pending[:n]
		pending = pending[n:]
		if err := c.sendDigest(ctx, batch); err != nil {
			c.Logger.Warn("daily digest failed", "recipient", batch[0].Recipient, "error", err)
			for _, x := range batch {
				final := x.Attempts+1 >= c.MaxAttempts || permanent(err)
				if ferr := c.DB.NotificationFailed(ctx, x.ID, err.Error(), c.Now().Add(c.backoff(x.Attempts+1, err)), final); ferr != nil {
					return sent, ferr
				}
			}
			c.count(notify.ChannelEmail, "retry")
			continue
		}
		ids := make([]int64, len(batch))
		for i, x := range batch {
			ids[i] = x.ID
		}
		if err := c.DB.NotificationDelivered(ctx, ids...); err != nil {
			return sent, err
		}
		c.count(notify.ChannelEmail, "delivered")
		sent++
	}
	return sent, nil
}

func (c *Courier) sendDigest(ctx context.Context, batch []*sqlite.Notification) error {
	first := batch[0]
	d := notify.Digest{Recipient: notify.Addressee(first.Recipient), Date: c.Now().UTC().Format(time.DateOnly), Inbox: notify.InboxLink(c.PublicURL)}
	for _, n := range batch {
		e, err := event(n)
		if err != nil {
			return err
		}
		d.Items = append(d.Items, notify.NewMail(e, n.Subject, n.Rule, n.Recipient, c.PublicURL))
	}
	subject, text, html, err := c.Templates.RenderDigest(d)
	if err != nil {
		return err
	}
	if c.Mailer == nil {
		return errNoSMTP
	}
	if first.Address == "" {
		return errNoAddress(first.Recipient)
	}
	// One Message-ID per recipient and day: a digest re-sent after a crash
	// is recognisably the same mail.
	id := DeliveryKey(&sqlite.Notification{EventKey: "digest:" + d.Date, Channel: "email", Recipient: first.Recipient}) + "@clearway"
	return c.Mailer.Send(ctx, mailer.Message{ID: id, To: []string{first.Address}, Subject: subject, Text: text, HTML: html})
}
