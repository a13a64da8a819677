package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Webhook headers of PRODUCT.md §11.5.
const (
	HeaderSignature = "X-Clearway-Signature" // sha256=HEX: HMAC-SHA256 of the body with the webhook's secret
	HeaderDelivery  = "X-Clearway-Delivery"  // the idempotency key: the same for every attempt of one notification
	HeaderEvent     = "X-Clearway-Event"     // the event type
)

// Sign returns the X-Clearway-Signature value of body: "sha256=" and the
// hex HMAC-SHA256 of body keyed with secret.
func Sign(body, secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether signature is body's signature with secret, in
// constant time (for receivers, and the tests that play one).
func Verify(body, secret []byte, signature string) bool {
	return hmac.Equal([]byte(signature), []byte(Sign(body, secret)))
}
