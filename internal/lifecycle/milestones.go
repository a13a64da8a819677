package lifecycle

import (
	"slices"
	"time"
)

// Period is how long one hold or exam lasted, in event time: from the
// message that placed it to the one that lifted it. Dashboards measure hold
// durations with it.
type Period struct {
	Kind   string    `json:"kind"` // "hold" or "exam"
	Entry  string    `json:"entry"`
	Agency string    `json:"agency"`
	Code   string    `json:"code"` // the external code that placed it
	Since  time.Time `json:"since"`
	Until  time.Time `json:"until"` // zero while still active
}

// Milestones are the event times dashboards measure response times by.
type Milestones struct {
	// Filed is the time of the first message that proves an entry was
	// filed (fileEvents), zero when none has.
	Filed time.Time
	// Released is the time of the first message after which an entry was
	// released (RELEASED or beyond: SUMMARY_FILED, FINALIZED, CLOSED),
	// zero when none has been.
	Released time.Time
	// Periods lists every hold and exam in order of placing.
	Periods []Period
}

// active identifies an open period: a hold or exam on one entry.
type active struct {
	kind, entry string
	hold        Hold
}

// milestoneLog follows one Derive run, message by message.
type milestoneLog struct {
	m    Milestones
	open map[active]int // index into m.Periods
}

// observe records what applying one message at time at changed on entry n:
// before and after are the entry's facts around the message.
func (l *milestoneLog) observe(n string, at time.Time, before, after *facts) {
	if l.open == nil {
		l.open = map[active]int{}
	}
	if l.m.Filed.IsZero() && after.filed {
		l.m.Filed = at
	}
	if l.m.Released.IsZero() && releasedOrBeyond(after) {
		l.m.Released = at
	}
	l.diff(n, at, "hold", before.holds, after.holds)
	l.diff(n, at, "exam", examsAsHolds(before.exams), examsAsHolds(after.exams))
}

// diff opens a period for each hold in after but not before and closes the
// period of each in before but not after.
func (l *milestoneLog) diff(n string, at time.Time, kind string, before, after []Hold) {
	for _, h := range after {
		if !slices.Contains(before, h) {
			l.open[active{kind, n, h}] = len(l.m.Periods)
			l.m.Periods = append(l.m.Periods, Period{Kind: kind, Entry: n, Agency: h.Agency, Code: h.Type, Since: at})
		}
	}
	for _, h := range before {
		if slices.Contains(after, h) {
			continue
		}
		k := active{kind, n, h}
		if i, ok := l.open[k]; ok {
			l.m.Periods[i].Until = at
			delete(l.open, k)
		}
	}
}

func examsAsHolds(exams []Exam) []Hold {
	out := make([]Hold, len(exams))
	for i, x := range exams {
		out[i] = Hold(x)
	}
	return out
}

// releasedOrBeyond reports whether the facts show the entry released with
// nothing holding it, or a later stage of a released entry.
func releasedOrBeyond(f *facts) bool {
	return f.released() || f.finalized || f.closed
}

// snapshotFacts copies what observe compares of an entry's facts.
func snapshotFacts(f *facts) *facts {
	return &facts{filed: f.filed, holds: slices.Clone(f.holds), exams: slices.Clone(f.exams),
		releases: slices.Clone(f.releases), finalized: f.finalized, closed: f.closed}
}
