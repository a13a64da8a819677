package mailer

import (
	"errors"

	gomail "github.com/wneessen/go-mail"
)

// ErrInvalidMessage marks a Message that no server will ever take as it is:
// no recipients, an address that does not parse, a malformed Message-ID.
var ErrInvalidMessage = errors.New("invalid message")

// Permanent reports whether err means retrying will not help (a 5xx rejection
// of the recipient or the message, a bad address), as opposed to a temporary
// failure (connection refused, timeout, 4xx).
//
// Failures before the first MAIL FROM (TLS, AUTH, a 5xx greeting) count as
// temporary: they are the hub's configuration or the relay's state, not this
// message, and a retry after the operator fixes them will deliver. When
// several recipients are refused, the last refusal decides.
func Permanent(err error) bool {
	if errors.Is(err, ErrInvalidMessage) {
		return true
	}
	var se *gomail.SendError
	if !errors.As(err, &se) || se.IsTemp() {
		return false
	}
	code := se.ErrorCode()
	return code >= 500 && code < 600
}
