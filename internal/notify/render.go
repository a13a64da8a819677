package notify

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
)

//go:embed templates
var shipped embed.FS

// Template files: the shipped ones in templates/, each replaceable by a
// file of the same name in notify.templates_dir.
var templateNames = []string{"notification.txt", "notification.html", "digest.txt", "digest.html"}

// Templates render notification mails.
type Templates struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// ParseTemplates parses the shipped templates, each replaced by the file of
// the same name in override when there is one (override may be nil).
func ParseTemplates(override fs.FS) (*Templates, error) {
	t := &Templates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, name := range templateNames {
		src, err := readTemplate(override, name)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(name, ".html") {
			t.html[name], err = htmltemplate.New(name).Option("missingkey=error").Parse(src)
		} else {
			t.text[name], err = texttemplate.New(name).Option("missingkey=error").Parse(src)
		}
		if err != nil {
			return nil, fmt.Errorf("mail template %s: %w", name, err)
		}
	}
	return t, nil
}

func readTemplate(override fs.FS, name string) (string, error) {
	if override != nil {
		b, err := fs.ReadFile(override, name)
		if err == nil {
			return string(b), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("mail template %s: %w", name, err)
		}
	}
	b, err := shipped.ReadFile("templates/" + name)
	return string(b), err
}

// Mail is what a notification mail says.
type Mail struct {
	Subject, Summary string
	Detail           []string
	Link             string // the page the event is about
	Inbox            string // the recipient's notifications page
	Rule, Recipient  string
	Event            Event
}

// NewMail describes event e for recipient, with links under publicURL.
func NewMail(e Event, subject, rule, recipient, publicURL string) Mail {
	return Mail{Subject: subject, Summary: e.Summary, Detail: e.Detail, Link: Link(e, publicURL), Inbox: InboxLink(publicURL),
		Rule: rule, Recipient: Addressee(recipient), Event: e}
}

// Addressee is a recipient as a mail names it: the login or the address,
// without the "user:" or "email:" of the outbox.
func Addressee(recipient string) string {
	if _, v, ok := strings.Cut(recipient, ":"); ok {
		return v
	}
	return recipient
}

// Link is the page of Clearway an event is about: the shipment's
// workspace, the rejected file's report, the review queue, or the inbox.
func Link(e Event, publicURL string) string {
	base := strings.TrimRight(publicURL, "/")
	switch {
	case e.Shipment != "":
		return base + "/shipments/" + url.PathEscape(e.Shipment)
	case e.FileID != 0:
		return fmt.Sprintf("%s/files/%d/report", base, e.FileID)
	case e.ReviewID != 0:
		return base + "/reviews"
	}
	return base + "/notifications"
}

// Render returns the plain-text and HTML bodies of m.
func (t *Templates) Render(m Mail) (text, html string, err error) {
	return t.render("notification", m)
}

// Digest is one recipient's daily mail.
type Digest struct {
	Recipient, Date, Inbox string
	Items                  []Mail
}

// RenderDigest returns the subject and bodies of a daily digest.
func (t *Templates) RenderDigest(d Digest) (subject, text, html string, err error) {
	subject = fmt.Sprintf("[Clearway] Daily digest %s: %d item%s", d.Date, len(d.Items), map[bool]string{true: "", false: "s"}[len(d.Items) == 1])
	text, html, err = t.render("digest", d)
	return subject, text, html, err
}

func (t *Templates) render(name string, data any) (string, string, error) {
	var tb, hb bytes.Buffer
	if err := t.text[name+".txt"].Execute(&tb, data); err != nil {
		return "", "", fmt.Errorf("render %s.txt: %w", name, err)
	}
	if err := t.html[name+".html"].Execute(&hb, data); err != nil {
		return "", "", fmt.Errorf("render %s.html: %w", name, err)
	}
	return tb.String(), hb.String(), nil
}

// WebhookBody is the JSON a webhook receives: the delivery's idempotency
// key, the event, and the link to it.
func WebhookBody(delivery, rule string, e Event, publicURL string, created time.Time) ([]byte, error) {
	return json.Marshal(struct {
		Delivery string    `json:"delivery"`
		Rule     string    `json:"rule"`
		Created  time.Time `json:"created_at"`
		Link     string    `json:"link"`
		Event    Event     `json:"event"`
	}{delivery, rule, created.UTC(), Link(e, publicURL), e})
}
