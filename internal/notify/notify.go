// Package notify decides who is told what when something happens
// (PRODUCT.md §11.5): the events Clearway raises, the rules of the notify
// config block that match them, the recipients they expand to, the
// escalation ladder, and the webhook signature. It is pure: the store
// writes what it decides to an outbox in the transaction of the event, and
// the mailer and webhook adapters deliver from there.
package notify

import "slices"

// The event types of PRODUCT.md §11.5.
const (
	EventStatus           = "status"             // any external status code
	EventHoldAdded        = "hold_added"         // a hold was placed
	EventExamOrdered      = "exam_ordered"       // an exam was ordered
	EventReleased         = "released"           // the entry was released
	EventRejected         = "rejected"           // the entry was rejected (DCR, CBP reject)
	EventFileRejected     = "file_rejected"      // a partner's file was rejected
	EventReviewOpened     = "review_opened"      // a review was opened
	EventReviewOverdue    = "review_overdue"     // a review passed its due time
	EventFinding          = "finding"            // a finding was raised (by rule id)
	EventQuestionAsked    = "question_asked"     // a question was asked on a shipment
	EventPartnerErrorRate = "partner_error_rate" // a partner's error rate breached the threshold
	// EventEscalation is Clearway's own: an unacknowledged notification or
	// an undecided review climbed a step of the ladder.
	EventEscalation = "escalation"
	// EventDocumentsRequested is the daily list of the documents a
	// supplier still owes (the document-request outbound content).
	EventDocumentsRequested = "documents_requested"
)

// Events lists every event type a rule may name.
var Events = []string{EventStatus, EventHoldAdded, EventExamOrdered, EventReleased, EventRejected, EventFileRejected,
	EventReviewOpened, EventReviewOverdue, EventFinding, EventQuestionAsked, EventPartnerErrorRate, EventEscalation,
	EventDocumentsRequested}

// ValidEvent reports whether e is an event type.
func ValidEvent(e string) bool { return slices.Contains(Events, e) }

// Roles a role: recipient may name (PRODUCT.md §11.1).
var Roles = []string{"admin", "compliance", "logistics", "viewer", "broker", "supplier"}

// Channels a notification is delivered on.
const (
	ChannelInbox   = "inbox"
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// Digest settings of a rule or a user.
const (
	DigestNone  = ""
	DigestDaily = "daily"
)
