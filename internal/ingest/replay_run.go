package ingest

import (
	"context"
	"maps"

	"github.com/clearway/clearway/internal/mapping"
	"github.com/clearway/clearway/internal/replay"
	"github.com/clearway/clearway/internal/sqlite"
)

// With returns a copy of the routing table in which m takes the place of
// the mapping of its name: a version tried before it is active.
func (r *Router) With(m *mapping.Mapping) *Router {
	c := *r
	c.Mappings = maps.Clone(r.Mappings)
	if c.Mappings == nil {
		c.Mappings = map[string]*mapping.Mapping{}
	}
	c.Mappings[m.Name] = m
	return &c
}

// ReplayRun replays journal entries one after the other, each in a
// transaction of its own, so a long run holds nothing but the file at hand.
type ReplayRun struct {
	Pipeline *Pipeline
	// With is a mapping version to read with instead of the active one of
	// its name; nil reads with the active versions.
	With *mapping.Mapping
	// Mapping keeps only files read by, or now routed to, this mapping.
	Mapping string
	// Last keeps only the last n of the files picked (0: all).
	Last    int
	Options ReplayOptions
	// Starting, when set, is told before each file (for progress).
	Starting func(i, n int, f sqlite.ReplayFile)
}

// Pick keeps the files the run's mapping reads (all when it names none),
// each with the mapping that reads it now (nil when none does: Replay
// says why).
func (r *ReplayRun) Pick(files []sqlite.ReplayFile) ([]sqlite.ReplayFile, []*mapping.Mapping) {
	router := r.Pipeline.Router()
	name := r.Mapping
	if r.With != nil {
		router = router.With(r.With)
		if name == "" {
			name = r.With.Name
		}
	}
	picked := files[:0:0]
	routed := make([]*mapping.Mapping, 0, len(files))
	for _, f := range files {
		m, err := router.Route(f.File)
		if name != "" && f.Mapping != name && (err != nil || m.Name != name) {
			continue
		}
		picked = append(picked, f)
		routed = append(routed, m)
	}
	return picked, routed
}

// Run replays files in order and hands each result to each; it stops at
// the first internal error.
func (r *ReplayRun) Run(ctx context.Context, files []sqlite.ReplayFile, each func(*replay.File) error) (*replay.Summary, error) {
	picked, routed := r.Pick(files)
	if r.Last > 0 && len(picked) > r.Last {
		picked, routed = picked[len(picked)-r.Last:], routed[len(routed)-r.Last:]
	}
	sum := &replay.Summary{Outcomes: map[replay.Outcome]int{}}
	for i, f := range picked {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		if r.Starting != nil {
			r.Starting(i, len(picked), f)
		}
		res, err := r.Pipeline.Replay(ctx, f, routed[i], r.Options)
		if err != nil {
			return sum, err
		}
		sum.Add(res)
		if each != nil {
			if err := each(res); err != nil {
				return sum, err
			}
		}
	}
	return sum, nil
}
