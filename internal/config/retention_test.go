package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The retention block: defaults when omitted, 0 keeps forever, and a bad
// value is refused with its file, line and field path.
func TestParse_Retention(t *testing.T) {
	for _, tc := range []struct {
		name    string
		yaml    string
		archive time.Duration
		check   string
		err     string // substring of the error, "" for none
	}{
		{"Default", "data_dir: var\n", 1825 * 24 * time.Hour, "@daily", ""},
		{"Null", "data_dir: var\nretention:\n", 1825 * 24 * time.Hour, "@daily", ""},
		{"Given", "data_dir: var\nretention:\n  archive: 2555d\n  check: \"0 3 * * *\"\n", 2555 * 24 * time.Hour, "0 3 * * *", ""},
		{"KeepForever", "data_dir: var\nretention: {archive: 0}\n", 0, "@daily", ""},
		{"Negative", "data_dir: var\nretention:\n  archive: -48h\n", 0, "", "clearway.yaml:3: retention.archive: must be 0 (keep forever) or a positive duration"},
		{"NoUnit", "data_dir: var\nretention:\n  archive: 1825\n", 0, "", "clearway.yaml:3: retention.archive: invalid duration"},
		{"BadCheck", "data_dir: var\nretention:\n  check: sometimes\n", 0, "", `clearway.yaml:3: retention.check: invalid schedule "sometimes"`},
		{"UnknownKey", "data_dir: var\nretention:\n  archives: 10d\n", 0, "", "clearway.yaml:3: retention.archives: unknown key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tc.yaml), "clearway.yaml")
			if tc.err != "" {
				var ve ValidationErrors
				if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want an error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Retention.Archive.Duration != tc.archive || string(c.Retention.Check) != tc.check {
				t.Errorf("got archive %s check %q, want %s %q", c.Retention.Archive, c.Retention.Check, tc.archive, tc.check)
			}
		})
	}
}
