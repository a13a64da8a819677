package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// clearwayIn runs the binary with stdin.
func (d *demo) clearwayIn(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &stdout, &stderr
	cmd.Env = append(os.Environ(), "CLEARWAY_CONFIG="+d.config)
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return stdout.String(), stderr.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), 0
}

func TestUserAndTokenCommands(t *testing.T) {
	d := newDemo(t)
	out, errOut, code := d.clearway(t, "user", "add", "ana", "--role", "compliance", "--name", "Ana Lima", "--by", "root")
	if code != 0 || !strings.Contains(out, "password (shown once): ") {
		t.Fatalf("user add: %d %s%s", code, out, errOut)
	}
	if _, errOut, code := d.clearwayIn(t, "short\n", "user", "add", "bob", "--role", "viewer", "--password-stdin"); code != 2 || !strings.Contains(errOut, "at least 12 characters") {
		t.Errorf("short password: exit %d %s", code, errOut)
	}
	if _, errOut, code := d.clearway(t, "user", "add", "sam", "--role", "supplier"); code != 2 || !strings.Contains(errOut, "--partner") {
		t.Errorf("supplier without partner: exit %d %s", code, errOut)
	}
	if out, errOut, code := d.clearwayIn(t, "correct horse battery\n", "user", "add", "sam", "--role", "supplier", "--partner", "acme", "--password-stdin"); code != 0 || strings.Contains(out, "shown once") {
		t.Fatalf("supplier: exit %d %s%s", code, out, errOut)
	}
	if _, errOut, code := d.clearway(t, "user", "add", "sam", "--role", "viewer"); code != 1 || !strings.Contains(errOut, "exists already") {
		t.Errorf("duplicate: exit %d %s", code, errOut)
	}
	out, _, _ = d.clearway(t, "user", "list", "--json")
	var users []map[string]any
	if err := json.Unmarshal([]byte(out), &users); err != nil || len(users) != 2 || users[1]["partner"] != "acme" {
		t.Fatalf("user list: %v %s", err, out)
	}
	out, errOut, code = d.clearway(t, "token", "create", "ana", "--name", "erp-sync")
	if code != 0 || !strings.Contains(out, "cwt_") {
		t.Fatalf("token create: %d %s%s", code, out, errOut)
	}
	out, _, _ = d.clearway(t, "token", "list", "--json")
	var tokens []map[string]any
	if err := json.Unmarshal([]byte(out), &tokens); err != nil || len(tokens) != 1 || tokens[0]["login"] != "ana" || tokens[0]["name"] != "erp-sync" {
		t.Fatalf("token list: %v %s", err, out)
	}
	for _, k := range []string{"id", "login", "name", "created_at", "last_used_at"} {
		if _, ok := tokens[0][k]; !ok {
			t.Errorf("token list lacks %q", k)
		}
	}
	if _, errOut, code := d.clearway(t, "token", "revoke", "1"); code != 0 {
		t.Fatalf("token revoke: %s", errOut)
	}
	if _, errOut, code := d.clearway(t, "token", "revoke", "1"); code != 1 || !strings.Contains(errOut, "no live token 1") {
		t.Errorf("second revoke: exit %d %s", code, errOut)
	}
	if _, errOut, code := d.clearway(t, "user", "disable", "nobody"); code != 1 || !strings.Contains(errOut, "no user nobody") {
		t.Errorf("disable unknown: exit %d %s", code, errOut)
	}
	if _, errOut, code := d.clearway(t, "shipment", "assign", "CW-000001", "--partner", "nope"); code != 2 || !strings.Contains(errOut, `no partner "nope"`) {
		t.Errorf("assign to unknown partner: exit %d %s", code, errOut)
	}
}

// governance check reports the partners' rates and opens what a breach
// calls for: 1 rejected file of 2 is 50 %.
func TestGovernanceCheckCommand(t *testing.T) {
	d := newDemo(t)
	bad := filepath.Join(d.dir, "bad.csv")
	os.WriteFile(bad, []byte("no mapping takes this\n"), 0o644)
	d.clearway(t, "ingest", "--partner", "acme", bad)
	out, errOut, code := d.clearway(t, "governance", "check", "--json")
	if code != 0 {
		t.Fatalf("governance check: %d %s", code, errOut)
	}
	var rep struct {
		Partners []map[string]any `json:"partners"`
		Opened   []map[string]any `json:"opened"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Partners) != 1 || len(rep.Opened) != 1 || rep.Opened[0]["partner"] != "acme" {
		t.Fatalf("report %v %s", err, out)
	}
	out, _, _ = d.clearway(t, "review", "list", "--json")
	if !strings.Contains(out, `"kind": "partner_error_rate"`) || !strings.Contains(out, `"due_at"`) {
		t.Errorf("reviews %s, want a partner_error_rate review with its due time", out)
	}
	if out, _, _ := d.clearway(t, "governance", "check"); !strings.Contains(out, "acme") || strings.Contains(out, "review opened") {
		t.Errorf("second check:\n%s\nwant the rate and no second review", out)
	}
}
