package account

import (
	"strings"
	"testing"
)

func TestCan(t *testing.T) {
	tests := []struct {
		role Role
		a    Action
		want bool
	}{
		{Compliance, DecideReview, true},
		{Logistics, DecideReview, false},
		{Logistics, UploadDocument, true},
		{Viewer, UploadDocument, false},
		{Viewer, Download, true},
		{Broker, PostStatus, true},
		{Broker, ExportPacket, true},
		{Supplier, ExportPacket, false},
		{Supplier, UploadDocument, true},
		{Admin, ManageUsers, true},
		{Compliance, ManageUsers, false},
	}
	for _, tt := range tests {
		if got := tt.role.Can(tt.a); got != tt.want {
			t.Errorf("%s can %s: got %v, want %v", tt.role, tt.a, got, tt.want)
		}
	}
	if (User{Role: Admin, Disabled: true}).Can(Download) {
		t.Error("a disabled user can act")
	}
}

func TestCheckUser(t *testing.T) {
	ok := []struct {
		u  User
		pr string
	}{
		{User{Login: "ana", Role: Compliance}, ""},
		{User{Login: "fc.entry", Role: Broker, Partner: "fastclear"}, "broker"},
	}
	for _, c := range ok {
		if err := CheckUser(c.u, c.pr); err != nil {
			t.Errorf("%+v: %v", c.u, err)
		}
	}
	bad := []struct {
		u    User
		pr   string
		want string
	}{
		{User{Login: "A", Role: Admin}, "", "login"},
		{User{Login: "ana", Role: "boss"}, "", "role"},
		{User{Login: "bob", Role: Supplier}, "", "--partner"},
		{User{Login: "bob", Role: Viewer, Partner: "acme"}, "supplier", "drop --partner"},
		{User{Login: "bob", Role: Supplier, Partner: "fastclear"}, "broker", "is not a supplier"},
	}
	for _, c := range bad {
		if err := CheckUser(c.u, c.pr); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want an error naming %q", c.u, err, c.want)
		}
	}
}

func TestSecrets(t *testing.T) {
	s1, h1, err := NewSecret(TokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	s2, _, _ := NewSecret(TokenPrefix)
	if s1 == s2 || !strings.HasPrefix(s1, TokenPrefix) || len(s1) != len(TokenPrefix)+64 || HashSecret(s1) != h1 || h1 == s1 {
		t.Errorf("secret %q hash %q", s1, h1)
	}
	if err := CheckPassword("short"); err == nil {
		t.Error("a 5-character password was taken")
	}
	p, _ := RandomPassword()
	if err := CheckPassword(p); err != nil {
		t.Errorf("random password %q: %v", p, err)
	}
}
