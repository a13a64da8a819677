package sqlite

import (
	"context"
	"fmt"
	"time"
)

// RemoteTransfer is one file pulled from or pushed to a partner's own
// server, as `remote list` shows it: where it stands and what went wrong.
type RemoteTransfer struct {
	Direction  string    `json:"direction"` // pull or push
	Partner    string    `json:"partner"`
	RemotePath string    `json:"remote_path"`
	Name       string    `json:"name,omitempty"` // journal name (pull)
	FileID     int64     `json:"file_id,omitempty"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	State      string    `json:"state"`
	Attempts   int       `json:"attempts"`
	Error      string    `json:"error"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ListRemoteTransfers returns the pull and push ledgers, of one partner
// when given, newest change first.
func (db *DB) ListRemoteTransfers(ctx context.Context, partner string) ([]RemoteTransfer, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT * FROM (
		SELECT 'pull', partner, remote_path, name, COALESCE(file_id, 0), size, sha256, state, attempts, error, updated_at FROM remote_pulls
		UNION ALL
		SELECT 'push', partner, remote_path, '', 0, size, sha256, state, attempts, error, updated_at FROM remote_pushes) transfers
		WHERE ?1 = '' OR partner = ?1 ORDER BY updated_at DESC`, partner)
	if err != nil {
		return nil, fmt.Errorf("list remote transfers: %w", err)
	}
	defer rows.Close()
	out := []RemoteTransfer{}
	for rows.Next() {
		var t RemoteTransfer
		var updated string
		if err := rows.Scan(&t.Direction, &t.Partner, &t.RemotePath, &t.Name, &t.FileID, &t.Size, &t.SHA256, &t.State, &t.Attempts, &t.Error, &updated); err != nil {
			return nil, err
		}
		var err error
		if t.UpdatedAt, err = parseTime(updated); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
