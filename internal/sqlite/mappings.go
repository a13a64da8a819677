package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/clearway"
)

// MappingVersion is one version of a mapping file.
type MappingVersion struct {
	Name, Hash, File string
	Content          []byte
}

// MappingActivation is a time a version became its mapping's active one.
type MappingActivation struct {
	N    int       `json:"n"` // 1 for the first version of the name
	Name string    `json:"name"`
	Hash string    `json:"hash"`
	At   time.Time `json:"activated_at"`
	By   string    `json:"activated_by"`
	File string    `json:"file"`
}

// RecordMappings keeps the versions the router now uses: the content of
// each new one, and an activation for each name whose active version is
// not the last recorded. It returns the activations it added.
func (db *DB) RecordMappings(ctx context.Context, vs []MappingVersion, by string) ([]MappingActivation, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := db.now()
	var added []MappingActivation
	for _, v := range vs {
		last, err := activeHash(ctx, tx, v.Name)
		if err != nil {
			return nil, fmt.Errorf("mapping history of %s: %w", v.Name, err)
		}
		if last == v.Hash {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO mapping_versions (hash, name, content, first_seen) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
			v.Hash, v.Name, string(v.Content), now); err != nil {
			return nil, fmt.Errorf("mapping history of %s: %w", v.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO mapping_activations (name, hash, at, by, file) VALUES (?, ?, ?, ?, ?)`, v.Name, v.Hash, now, by, v.File); err != nil {
			return nil, fmt.Errorf("mapping history of %s: %w", v.Name, err)
		}
		at, _ := parseTime(now)
		added = append(added, MappingActivation{Name: v.Name, Hash: v.Hash, At: at, By: by, File: v.File})
	}
	return added, tx.Commit()
}

// MappingHistory lists the activations of a mapping, oldest first,
// numbered from 1.
func (db *DB) MappingHistory(ctx context.Context, name string) ([]MappingActivation, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT name, hash, at, by, file FROM mapping_activations WHERE name = ? ORDER BY id`, name)
	if err != nil {
		return nil, fmt.Errorf("mapping history of %s: %w", name, err)
	}
	defer rows.Close()
	var out []MappingActivation
	for rows.Next() {
		a := MappingActivation{N: len(out) + 1}
		var at string
		if err := rows.Scan(&a.Name, &a.Hash, &at, &a.By, &a.File); err != nil {
			return nil, err
		}
		a.At = optTime(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, clearway.Errorf(clearway.ENOTFOUND, "no history for mapping %q (names are those of the mapping files)", name)
	}
	return out, nil
}

// MappingContent returns the content of a version of a mapping, named by
// its activation number or a prefix of its hash (at least 6 characters).
func (db *DB) MappingContent(ctx context.Context, name, version string) (*MappingActivation, []byte, error) {
	hist, err := db.MappingHistory(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	var found *MappingActivation
	if n, err := strconv.Atoi(version); err == nil && n >= 1 && n <= len(hist) {
		found = &hist[n-1]
	} else if len(version) >= 6 {
		for i := len(hist) - 1; i >= 0; i-- {
			if strings.HasPrefix(hist[i].Hash, strings.ToLower(version)) {
				found = &hist[i]
				break
			}
		}
	}
	if found == nil {
		return nil, nil, clearway.Errorf(clearway.ENOTFOUND, "mapping %s has no version %q (give its number in the history, 1 to %d, or 6+ characters of its hash)", name, version, len(hist))
	}
	var content string
	if err := db.db.QueryRowContext(ctx, `SELECT content FROM mapping_versions WHERE hash = ?`, found.Hash).Scan(&content); err != nil {
		return nil, nil, fmt.Errorf("mapping %s version %s: %w", name, version, err)
	}
	return found, []byte(content), nil
}
