// Package ingest is the pipeline from the intake journal to the canonical
// store: each journaled file is routed to a mapping, mapped, and applied in
// one transaction (or rejected with a report the partner can read). The
// journal drives it, so a restart simply carries on.
package ingest

import (
	"fmt"
	"strings"

	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/mapping"
)

// Router picks a file's mapping: the first of its partner's mappings (in
// config order) whose match fits the partner-relative path.
type Router struct {
	// Partners lists each partner's mapping names, in config order.
	Partners map[string][]string
	// Mappings are the compiled mappings by name.
	Mappings map[string]*mapping.Mapping
	// Acks says which X12 acknowledgement a partner gets: "997" (default) or "999".
	Acks map[string]string
}

// Route returns the mapping for a file, or an error naming the candidates.
func (r *Router) Route(f *clearway.File) (*mapping.Mapping, error) {
	names := r.Partners[f.Partner]
	var tried []string
	for _, name := range names {
		m, ok := r.Mappings[name]
		if !ok {
			tried = append(tried, name+" (not loaded: see clearway mapping check)")
			continue
		}
		if m.Matches(f.Name) {
			return m, nil
		}
		tried = append(tried, fmt.Sprintf("%s (%s)", name, m.Match.Path))
	}
	if len(tried) == 0 {
		return nil, clearway.Errorf(clearway.EINVALID, "no mapping is set up for partner %s, so %s cannot be read", f.Partner, f.Name)
	}
	return nil, clearway.Errorf(clearway.EINVALID, "no mapping of partner %s reads %s; it matches none of: %s", f.Partner, f.Name, strings.Join(tried, "; "))
}
