package clearway

import (
	"errors"
	"fmt"
)

// Error codes for the errors users see. Each maps once to a CLI exit code
// (and later an HTTP status); anything uncoded is internal.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized" // no valid session or token
	EFORBIDDEN    = "forbidden"    // the user sees it but may not do this
	ETOOLARGE     = "too_large"    // an upload over the limit
	EINTERNAL     = "internal"
)

// Error is an error meant for a user: a code to branch on and a message to show.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns a coded error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the coded message when
// there is one, otherwise the whole error text.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
