// Package account is who may use the workspace and what each may do
// (PRODUCT.md §11.1): users, their roles, API tokens and the scope a user
// sees. It is pure: the store keeps users, tokens and sessions, and every
// read it serves a person takes a Scope from here.
package account

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"
)

// Role is what a user is to the importer.
type Role string

// The roles of PRODUCT.md §11.1.
const (
	Admin      Role = "admin"
	Compliance Role = "compliance"
	Logistics  Role = "logistics"
	Viewer     Role = "viewer"
	Broker     Role = "broker"
	Supplier   Role = "supplier"
)

// Roles lists every role.
var Roles = []Role{Admin, Compliance, Logistics, Viewer, Broker, Supplier}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// PartnerBound reports whether users of r act for one partner and see only
// the shipments it is party to.
func (r Role) PartnerBound() bool { return r == Broker || r == Supplier }

// Action is something a user may do.
type Action string

// The actions of PRODUCT.md §11.1.
const (
	DecideReview   Action = "decide_review"   // approve, reject, merge, separate; override findings
	SetState       Action = "set_state"       // record an entry state by hand
	ExportPacket   Action = "export_packet"   // download a shipment's audit packet
	UploadDocument Action = "upload_document" // send a document through intake
	Download       Action = "download"        // download a document
	AskQuestion    Action = "ask_question"
	AnswerQuestion Action = "answer_question"
	CloseQuestion  Action = "close_question"
	PostStatus     Action = "post_status" // post a status event (broker)
	AckNotice      Action = "ack_notification"
	ManageUsers    Action = "manage_users"    // users, tokens of others, assignments
	SeeFiles       Action = "see_files"       // the intake journal (a partner: its own files)
	ChangeMappings Action = "change_mappings" // propose, approve, reject mapping versions
	Replay         Action = "replay"          // re-run archived files (admin only)
)

// may lists what each role may do; admin may do everything.
var may = map[Role][]Action{
	Compliance: {DecideReview, SetState, ExportPacket, Download, AskQuestion, AnswerQuestion, CloseQuestion, AckNotice, SeeFiles, ChangeMappings},
	Logistics:  {UploadDocument, Download, ExportPacket, AskQuestion, AnswerQuestion, CloseQuestion, AckNotice, SeeFiles},
	Viewer:     {Download, SeeFiles},
	Broker:     {Download, ExportPacket, PostStatus, AskQuestion, AnswerQuestion, CloseQuestion, AckNotice, SeeFiles},
	Supplier:   {UploadDocument, Download, AnswerQuestion, AckNotice, SeeFiles},
}

// Can reports whether role r may do a.
func (r Role) Can(a Action) bool {
	return r == Admin || slices.Contains(may[r], a)
}

// User is a person (or a script, through a token) who uses the workspace.
type User struct {
	ID       int64  `json:"id"`
	Login    string `json:"login"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Role     Role   `json:"role"`
	Partner  string `json:"partner,omitempty"` // broker and supplier only
	Disabled bool   `json:"disabled"`
	// Digest "daily" gathers the user's notification mails into one a day.
	Digest    string    `json:"digest,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Scope is what a user sees.
func (u User) Scope() Scope { return Scope{Login: u.Login, Role: u.Role, Partner: u.Partner} }

// Can reports whether the user may do a.
func (u User) Can(a Action) bool { return !u.Disabled && u.Role.Can(a) }

// Scope is who is looking: every read of shipments, files, documents and
// questions for a person takes one, and a partner-bound scope sees only
// what its partner is party to.
type Scope struct {
	Login   string
	Role    Role
	Partner string
}

// All reports whether the scope sees every shipment.
func (s Scope) All() bool { return !s.Role.PartnerBound() }

// Actor is how the audit log names the scope's user.
func (s Scope) Actor() string { return "user:" + s.Login }

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// CheckUser refuses a user that cannot be stored: a bad login, an unknown
// role, a partner-bound role without its partner (or a partner on one that
// is not bound). partnerRole is the role of the named partner ("" when
// unknown).
func CheckUser(u User, partnerRole string) error {
	switch {
	case !loginPattern.MatchString(u.Login):
		return fmt.Errorf("login %q: use 2-64 lower-case letters, digits, dots, dashes or underscores", u.Login)
	case !u.Role.Valid():
		return fmt.Errorf("role %q: use one of admin, compliance, logistics, viewer, broker, supplier", u.Role)
	case u.Role.PartnerBound() && u.Partner == "":
		return fmt.Errorf("a %s user acts for a partner: give --partner", u.Role)
	case !u.Role.PartnerBound() && u.Partner != "":
		return fmt.Errorf("a %s user sees every shipment and acts for no partner: drop --partner", u.Role)
	case u.Role.PartnerBound() && partnerRole != string(u.Role):
		return fmt.Errorf("partner %q is not a %s (its role: %q)", u.Partner, u.Role, partnerRole)
	}
	return nil
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// CheckPassword refuses a password too short to keep.
func CheckPassword(p string) error {
	if utf8.RuneCountInString(p) < MinPasswordLength {
		return fmt.Errorf("a password needs at least %d characters", MinPasswordLength)
	}
	return nil
}

// Token is an API token as listed (its secret is shown once, then only its
// hash is kept).
type Token struct {
	ID         int64      `json:"id"`
	Login      string     `json:"login"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// TokenPrefix starts every API token, so a leaked one is recognisable.
const TokenPrefix = "cwt_"

// NewSecret returns a random 256-bit secret with prefix, as hex, and the
// hash the store keeps of it.
func NewSecret(prefix string) (secret, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("random secret: %w", err)
	}
	secret = prefix + hex.EncodeToString(b[:])
	return secret, HashSecret(secret), nil
}

// HashSecret is the stored form of a token or session id: a leaked
// database does not give anyone a way in.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// RandomPassword returns a password of 20 characters for users created
// without one.
func RandomPassword() (string, error) {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random password: %w", err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:]), nil
}
