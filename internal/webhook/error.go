package webhook

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter caps Error.RetryAfter, so that a receiver cannot park a
// notification for longer than a day with one header.
const MaxRetryAfter = 24 * time.Hour

// Error is a failed Post: either the endpoint answered with a status other
// than 2xx (Status, Body), or no answer came (Err).
type Error struct {
	Endpoint string // Endpoint.ID
	Status   int    // the HTTP status; 0 when no answer came
	Body     string // the first 512 bytes of the answer's body, for the log
	Err      error  // the transport error, or why the answer is not accepted
	// Retryable reports whether another attempt can succeed: transport
	// errors, timeouts, 408, 425, 429 and 5xx. Other 4xx and 3xx are
	// permanent: the receiver says the request (or the URL) is wrong, and
	// the same bytes will be refused again.
	Retryable bool
	// RetryAfter is the receiver's Retry-After on a 429 or 503 when it is a
	// number of seconds (capped at MaxRetryAfter); 0 when absent. The
	// caller waits at least that long before the next attempt.
	RetryAfter time.Duration
}

// Error says which endpoint failed and how.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "webhook %s", e.Endpoint)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": status %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %s", e.Err)
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": %q", e.Body)
	}
	return b.String()
}

// Unwrap returns the transport error, so that errors.Is finds
// context.DeadlineExceeded or context.Canceled.
func (e *Error) Unwrap() error { return e.Err }

// answerError turns a non-2xx answer into an *Error, reading the start of
// its body.
func answerError(endpoint string, resp *http.Response) *Error {
	e := &Error{
		Endpoint:   endpoint,
		Status:     resp.StatusCode,
		Retryable:  retryableStatus(resp.StatusCode),
		RetryAfter: retryAfter(resp),
	}
	// The body only explains the failure, which the status has already
	// decided: a body cut short by a read error is kept as far as it got.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e.Body = strings.ToValidUTF8(string(body), "\uFFFD")
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		e.Err = fmt.Errorf("redirect to %q not followed: configure the final URL", resp.Header.Get("Location"))
	}
	return e
}

// retryableStatus reports whether an answer with this status may be
// different next time.
func retryableStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return status >= 500 && status < 600
}

// retryAfter returns the Retry-After of a 429 or 503 answer when it is a
// whole number of seconds, capped at MaxRetryAfter; 0 otherwise (absent,
// an HTTP date, negative, or not a number).
func retryAfter(resp *http.Response) time.Duration {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0
	}
	v := resp.Header.Get("Retry-After") // net/http has trimmed the spaces
	secs, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0
	}
	if secs > uint64(MaxRetryAfter/time.Second) {
		return MaxRetryAfter
	}
	return time.Duration(secs) * time.Second
}
