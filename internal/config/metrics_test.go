package config

import (
	"errors"
	"strings"
	"testing"
)

// TestLoad_MetricsToken reads http.metrics_token inline or from the
// environment, and refuses an unset variable or a guessable token without
// echoing it.
func TestLoad_MetricsToken(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	withToken := func(f *fixture, value string) {
		f.write(t, strings.Replace(f.yaml, "  listen: 127.0.0.1:8080\n", "  listen: 127.0.0.1:8080\n  metrics_token: "+value+"\n", 1))
	}

	t.Run("OK", func(t *testing.T) {
		f := newFixture(t)
		f.write(t, f.yaml)
		c, err := Load(f.file, noEnv)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if c.HTTP.MetricsToken != "" {
			t.Errorf("metrics_token = %q by default, want empty (loopback only)", c.HTTP.MetricsToken)
		}
	})
	t.Run("Inline", func(t *testing.T) {
		f := newFixture(t)
		withToken(f, token)
		c, err := Load(f.file, noEnv)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if got := string(c.HTTP.MetricsToken); got != token {
			t.Errorf("metrics_token = %q, want %q", got, token)
		}
	})
	t.Run("FromEnv", func(t *testing.T) {
		f := newFixture(t)
		withToken(f, "$CW_METRICS")
		c, err := Load(f.file, envOf(map[string]string{"CW_METRICS": token}))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if got := string(c.HTTP.MetricsToken); got != token {
			t.Errorf("metrics_token = %q, want %q from $CW_METRICS", got, token)
		}
		if got := c.HTTP.MetricsToken.String(); strings.Contains(got, token) {
			t.Errorf("String() = %q, leaks the token", got)
		}
	})
	for _, tt := range []struct {
		name, value string
		env         map[string]string
		want        string
	}{
		{name: "ErrUnsetEnv", value: "${CW_METRICS}", want: "environment variable CW_METRICS is not set"},
		{name: "ErrShort", value: "hunter2", want: "too short (7 characters)"},
		{name: "ErrShortFromEnv", value: "$CW_METRICS", env: map[string]string{"CW_METRICS": "hunter2"}, want: "too short"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			withToken(f, tt.value)
			_, err := Load(f.file, envOf(tt.env))
			var ve ValidationErrors
			if !errors.As(err, &ve) {
				t.Fatalf("Load: %v, want validation errors", err)
			}
			var found *ValidationError
			for _, e := range ve {
				if e.Path == "http.metrics_token" {
					found = e
				}
			}
			if found == nil {
				t.Fatalf("no error names http.metrics_token: %v", err)
			}
			if msg := found.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "hunter2") {
				t.Errorf("error = %q, want it to say %q and not echo the token", msg, tt.want)
			}
		})
	}
}
