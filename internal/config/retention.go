package config

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// RetentionConfig is how long the originals of a customs entry are kept
// (config block retention): the archived files partners sent and the
// outbound/sent copies of what the hub delivered about it. A scheduled job
// purges what is past retention and logs what it deleted; nothing of a
// shipment goes while any of its entries is open or it is under a legal
// hold (`clearway shipment legal-hold`).
//
// Both values are checked as they are read, so a mistake is reported with
// its file, line and field path like every other.
type RetentionConfig struct {
	// Archive is how long after an entry's release its originals are kept:
	// a whole number of days, each 365 counting as a calendar year, so the
	// default "1825d" keeps them five years to the day (19 CFR 163.4) even
	// across leap days. 0 keeps them forever.
	Archive RetentionPeriod `yaml:"archive"`
	// Check is when the retention job runs: a 5-field cron expression or a
	// descriptor such as "@daily" (the default) or "@every 6h".
	Check RetentionSchedule `yaml:"check"`
}

// defaultRetention is the retention block a file omits: five years from
// release, checked daily.
func defaultRetention() RetentionConfig {
	return RetentionConfig{Archive: RetentionPeriod{5 * 365 * 24 * time.Hour}, Check: "@daily"}
}

// RetentionPeriod is retention.archive: a Duration that is 0 (keep
// forever) or positive.
type RetentionPeriod struct{ time.Duration }

// UnmarshalYAML reads the period as a Duration and refuses a negative one.
func (p *RetentionPeriod) UnmarshalYAML(n *yaml.Node) error {
	var d Duration
	if err := d.UnmarshalYAML(n); err != nil {
		return err
	}
	if d.Duration < 0 {
		return fmt.Errorf("must be 0 (keep forever) or a positive duration such as 1825d, got %s", n.Value)
	}
	p.Duration = d.Duration
	return nil
}

// MarshalYAML writes the period as a duration string.
func (p RetentionPeriod) MarshalYAML() (any, error) { return Duration(p).MarshalYAML() }

// RetentionSchedule is retention.check: a schedule ParseSchedule accepts.
type RetentionSchedule string

// UnmarshalYAML reads the schedule and refuses one the scheduler could not
// run.
func (s *RetentionSchedule) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf(`expected a schedule such as "@daily" or "0 3 * * *"`)
	}
	if _, err := ParseSchedule(n.Value); err != nil {
		return fmt.Errorf("invalid schedule %q: %s; use 5 cron fields (minute hour day-of-month month day-of-week, "+
			"such as \"0 3 * * *\") or a descriptor such as @daily or \"@every 6h\"", n.Value, err)
	}
	*s = RetentionSchedule(n.Value)
	return nil
}
