package notify

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func mustRecipients(t *testing.T, s ...string) []Recipient {
	t.Helper()
	var out []Recipient
	for _, x := range s {
		r, err := ParseRecipient(x)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestParseRecipient(t *testing.T) {
	for in, want := range map[string]Recipient{
		"role:compliance":         {ToRole, "compliance"},
		"partner:fastclear":       {ToPartner, "fastclear"},
		"email:trade@example.com": {ToEmail, "trade@example.com"},
		"trade@example.com":       {ToEmail, "trade@example.com"},
		"webhook:erp-hook":        {ToWebhook, "erp-hook"},
		"parties:broker":          {ToParties, "broker"},
		"sender":                  {ToSender, ""},
		"other_side":              {ToOtherSide, ""},
	} {
		if got, err := ParseRecipient(in); err != nil || got != want {
			t.Errorf("ParseRecipient(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"nobody", "role:", "email:not-an-address", "team:ops"} {
		if _, err := ParseRecipient(bad); err == nil {
			t.Errorf("ParseRecipient(%q) accepted", bad)
		}
	}
}

func TestWhenMatches(t *testing.T) {
	over := 10000.0
	dcr := Event{Type: EventStatus, CodeList: "cargowise", Code: "dcr", Sender: "fastclear", Mode: "ocean", Parties: map[string]string{"acme": "supplier"}}
	for _, tc := range []struct {
		w    When
		want bool
	}{
		{When{Event: EventStatus, CodeList: "cargowise", Codes: []string{"DCR"}}, true},
		{When{Event: EventStatus, Codes: []string{"CLR"}}, false},
		{When{Event: EventHoldAdded}, false},
		{When{Event: EventStatus, Partner: "acme"}, true}, // a party
		{When{Event: EventStatus, Partner: "beta"}, false},
		{When{Event: EventStatus, Mode: "air"}, false},
		{When{Event: EventStatus, Over: &over}, false}, // no amount
	} {
		if got := tc.w.Matches(dcr); got != tc.want {
			t.Errorf("%+v matches DCR: %v, want %v", tc.w, got, tc.want)
		}
	}
	risk := 12500.0
	if !(When{Event: EventPartnerErrorRate, Over: &over}).Matches(Event{Type: EventPartnerErrorRate, Amount: &risk}) {
		t.Error("an amount over the threshold does not match over:")
	}
}

func TestPlan(t *testing.T) {
	users := []User{
		{Login: "ana", Role: "compliance", Email: "ana@example.com"},
		{Login: "lee", Role: "logistics"},
		{Login: "fc", Role: "broker", Partner: "fastclear", Email: "ops@fastclear.example"},
		{Login: "sam", Role: "supplier", Partner: "acme", Email: "sam@acme.example", Digest: DigestDaily},
	}
	p := &Planner{PartnerRoles: map[string]string{"fastclear": "broker", "acme": "supplier"}, Webhooks: map[string]bool{"erp-hook": true}, Email: true,
		Rules: []Rule{
			{ID: "dcr", When: When{Event: EventStatus, Codes: []string{"DCR"}}, To: mustRecipients(t, "role:compliance", "parties:broker", "webhook:erp-hook", "webhook:gone")},
			{ID: "all-status", When: When{Event: EventStatus}, To: mustRecipients(t, "role:compliance")}, // ana again: once
			{ID: "ask", When: When{Event: EventQuestionAsked}, To: mustRecipients(t, "other_side")},
		}}
	dcr := Event{Type: EventStatus, Code: "DCR", Parties: map[string]string{"fastclear": "broker", "acme": "supplier"}}
	got := p.Plan(dcr, users)
	want := []string{"inbox user:ana dcr", "email user:ana dcr", "inbox user:fc dcr", "email user:fc dcr", "webhook webhook:erp-hook dcr"}
	if len(got) != len(want) {
		t.Fatalf("plan %+v, want %v", got, want)
	}
	for i, d := range got {
		if s := d.Channel + " " + d.Recipient + " " + d.Rule; s != want[i] {
			t.Errorf("delivery %d = %q, want %q", i, s, want[i])
		}
	}
	// Sam (supplier) asks: the hub's people hear, not Sam; staff ask: the partners' users.
	q := Event{Type: EventQuestionAsked, AskedBy: "user:sam", AskedPartner: "acme", Parties: map[string]string{"acme": "supplier"}}
	if got := recipients(p.Plan(q, users)); got != "user:ana user:lee" {
		t.Errorf("sam's question goes to %q", got)
	}
	q = Event{Type: EventQuestionAsked, AskedBy: "user:ana", Parties: map[string]string{"acme": "supplier"}}
	plan := p.Plan(q, users)
	if got := recipients(plan); got != "user:sam" || len(plan) != 2 || !plan[1].Digest {
		t.Errorf("ana's question goes to %q %+v: want sam, his mail in his daily digest", got, plan)
	}
}

// recipients lists the inbox recipients of a plan.
func recipients(ds []Delivery) string {
	var out []string
	for _, d := range ds {
		if d.Channel == ChannelInbox {
			out = append(out, d.Recipient)
		}
	}
	return strings.Join(out, " ")
}

func TestSign(t *testing.T) {
	body, secret := []byte(`{"event":"status"}`), []byte("0123456789abcdef")
	// echo -n '{"event":"status"}' | openssl dgst -sha256 -hmac 0123456789abcdef
	const want = "sha256=f773ff534a9c34f724e0501d11a24fc476c0b3c71c22b59766bf9022e3624a54"
	got := Sign(body, secret)
	if got != want || !Verify(body, secret, got) || Verify(body, []byte("other secret!!!!"), got) {
		t.Errorf("Sign = %s", got)
	}
}

func TestRender(t *testing.T) {
	tmpl, err := ParseTemplates(fstest.MapFS{"notification.txt": {Data: []byte("CUSTOM {{.Summary}} {{.Link}}")}})
	if err != nil {
		t.Fatal(err)
	}
	e := Event{Type: EventStatus, Shipment: "CW-000012", Summary: "CW-000012 (entry 597-2603117-8): cargowise DCR <rejected>"}
	m := NewMail(e, Subject(e), "dcr", "user:ana", "https://hub.example.com/")
	text, html, err := tmpl.Render(m)
	if err != nil {
		t.Fatal(err)
	}
	if text != "CUSTOM "+e.Summary+" https://hub.example.com/shipments/CW-000012" {
		t.Errorf("overridden text template gave %q", text)
	}
	if !strings.Contains(html, "&lt;rejected&gt;") || !strings.Contains(html, `href="https://hub.example.com/shipments/CW-000012"`) {
		t.Errorf("html %s: want the summary escaped and the link", html)
	}
	subject, dtext, _, err := tmpl.RenderDigest(Digest{Recipient: "sam", Date: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
		Items: []Mail{m, m, m}})
	if err != nil || !strings.Contains(subject, "3 items") || strings.Count(dtext, "* CW-000012") != 3 {
		t.Errorf("digest %q %q %v", subject, dtext, err)
	}
}
