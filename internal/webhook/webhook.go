// Package webhook delivers Clearway notifications to a partner's or an ERP's
// HTTP endpoint (the notify.webhooks block of PRODUCT.md §11.5).
//
// One Post is one attempt: a JSON body, signed with the endpoint's secret
// (X-Clearway-Signature), carrying the notification's idempotency key
// (X-Clearway-Delivery) and event type (X-Clearway-Event). The answer is
// classified for the caller, which owns the outbox and the retry schedule: a
// 2xx is delivered, a failure says whether another attempt can help and how
// long the receiver asked to be left alone. Backoff gives the wait between
// attempts.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/clearway/clearway/internal/notify"
)

// Defaults of Client's zero fields.
const (
	DefaultTimeout   = 10 * time.Second
	DefaultUserAgent = "Clearway-Webhook/1"
)

// maxErrorBody is how much of a failed answer's body Error.Body keeps.
const maxErrorBody = 512

// maxDrain is how much of a successful answer's body is read so that the
// connection can be reused; a longer body is abandoned with its connection.
const maxDrain = 64 << 10

// Endpoint is one configured webhook (an entry of notify.webhooks).
type Endpoint struct {
	ID     string // the name rules give as webhook:ID; used in error messages
	URL    string
	Secret []byte // the HMAC-SHA256 key of X-Clearway-Signature
}

// Delivery is one notification to POST to an endpoint.
type Delivery struct {
	Key   string // idempotency key, sent as X-Clearway-Delivery; the same on every attempt
	Event string // event type, sent as X-Clearway-Event
	Body  []byte // JSON
}

// Client posts deliveries. The zero value is ready to use; it is safe for
// concurrent use as long as its fields are not changed.
type Client struct {
	// HTTP sends the requests; nil means a client over
	// http.DefaultTransport. Its CheckRedirect is ignored: redirects are
	// never followed.
	HTTP *http.Client
	// Timeout bounds one attempt, from dialling to reading the answer;
	// zero means DefaultTimeout. It applies through the request's context,
	// so it also bounds a caller's HTTP client.
	Timeout time.Duration
	// UserAgent is sent as User-Agent; empty means DefaultUserAgent.
	UserAgent string
}

// Post sends d to e once, with Content-Type application/json and the
// signature, delivery and event headers. A 2xx answer means delivered and
// returns nil. Anything else returns an *Error carrying the status and the
// start of the body, or the transport error, and whether a retry can help.
//
// A redirect is not followed: the 3xx itself is a permanent failure, since
// the endpoint's URL is misconfigured and following it would send signed
// notifications somewhere nobody configured.
func (c *Client) Post(ctx context.Context, e Endpoint, d Delivery) error {
	if d.Key == "" {
		return &Error{Endpoint: e.ID, Err: errors.New("delivery has no idempotency key")}
	}
	if len(e.Secret) == 0 {
		return &Error{Endpoint: e.ID, Err: errors.New("endpoint has no secret to sign with")}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(d.Body))
	if err != nil {
		return &Error{Endpoint: e.ID, Err: fmt.Errorf("build request: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent())
	req.Header.Set(notify.HeaderSignature, notify.Sign(d.Body, e.Secret))
	req.Header.Set(notify.HeaderDelivery, d.Key)
	req.Header.Set(notify.HeaderEvent, d.Event)

	resp, err := c.client().Do(req)
	if err != nil {
		// Refused, reset, DNS, TLS, timeout, or the caller's context ending:
		// none of them says the request itself is wrong.
		return &Error{Endpoint: e.ID, Err: err, Retryable: true}
	}
	defer resp.Body.Close()

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// The status alone decides that the notification is delivered; the
		// body is read only so that the connection can be reused, and a
		// failure to read it changes nothing.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
		return nil
	}
	return answerError(e.ID, resp)
}

// client returns the HTTP client of one Post: c.HTTP, or a default one,
// made never to follow redirects.
func (c *Client) client() *http.Client {
	var hc http.Client
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}

// timeout returns the per-attempt timeout.
func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// userAgent returns the User-Agent header value.
func (c *Client) userAgent() string {
	if c.UserAgent != "" {
		return c.UserAgent
	}
	return DefaultUserAgent
}
