package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
)

// What the web workspace needs beyond the View's reads (internal/web):
// who is party to a shipment, the packets delivered about it, and a status
// event posted to the API applied like one from a status file.

// Parties returns the partners party to a shipment the scope sees, by id.
func (v *View) Parties(ctx context.Context, ref string) ([]string, error) {
	id, err := v.locate(ctx, ref)
	if err != nil {
		return nil, err
	}
	out, err := queryColumn[string](ctx, v.db.db, `SELECT partner FROM parties WHERE shipment_id = ? ORDER BY partner`, id)
	if err != nil {
		return nil, fmt.Errorf("parties of %s: %w", ShipmentRef(id), err)
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// Deliveries returns the outbound runs that carried the packet of a
// shipment the scope sees, newest first; a partner's users see only those
// delivered to their partner.
func (v *View) Deliveries(ctx context.Context, ref string) ([]*OutboundRun, error) {
	id, err := v.locate(ctx, ref)
	if err != nil {
		return nil, err
	}
	q, args := `SELECT `+outboundColumns+` WHERE id IN (SELECT run_id FROM outbound_packets WHERE shipment_id = ?)`, []any{id}
	if !v.scope.All() {
		q, args = q+` AND partner = ?`, append(args, v.scope.Partner)
	}
	rows, err := v.db.db.QueryContext(ctx, q+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("deliveries of %s: %w", ShipmentRef(id), err)
	}
	return scanOutbound(rows)
}

// PostStatus applies a status event a broker's user posted (channel api)
// to a shipment the scope sees, through the same store path as a record of
// a mapped status file: f is journaled (its bytes, the posted JSON, are
// already archived under f.SHA256) as the scope's partner's, and rec is
// applied in the file's own ingest transaction, so code tables, lifecycle,
// idempotency and the audit log behave the same. The file is journaled in
// state processing so the pipeline never claims it; a record the store
// refuses leaves it rejected with the reason (EINVALID).
func (v *View) PostStatus(ctx context.Context, ref string, f *clearway.File, rec clearway.Record) (*clearway.File, error) {
	id, err := v.locate(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !v.scope.Role.Can(account.PostStatus) {
		return nil, clearway.Errorf(clearway.EFORBIDDEN, "a %s user may not post status events", v.scope.Role)
	}
	if v.scope.Partner == "" {
		return nil, clearway.Errorf(clearway.EINVALID, "status events are posted by a broker's user (the event is its partner's)")
	}
	f.Partner, f.Channel, f.User, f.State = v.scope.Partner, clearway.ChannelAPI, v.scope.Login, clearway.FileProcessing
	if err := v.db.CreateFile(ctx, f); err != nil {
		return nil, err
	}
	if rec.Fields == nil {
		rec.Fields = map[string]string{}
	}
	rec.Kind, rec.Fields["shipment_ref"] = clearway.KindStatusEvent, ShipmentRef(id)
	tx, err := v.db.BeginIngest(ctx, f, "api", "")
	if err != nil {
		return nil, err
	}
	if err := tx.Apply(rec); err != nil {
		tx.Rollback()
		var re *RecordError
		if !errors.As(err, &re) && clearway.ErrorCode(err) == clearway.EINTERNAL {
			return nil, err
		}
		msg := clearway.ErrorMessage(err)
		if re != nil {
			msg = re.Msg
		}
		if rerr := v.db.UpdateFileState(ctx, f.ID, clearway.FileRejected, msg); rerr != nil {
			return nil, rerr
		}
		return nil, clearway.Errorf(clearway.EINVALID, "status event refused: %s", msg)
	}
	if err := tx.Commit(1); err != nil {
		return nil, err
	}
	return v.db.FindFileByID(ctx, f.ID)
}

// Ping reports whether the database answers a query on the store's own
// schema, in either dialect (the health check).
func (db *DB) Ping(ctx context.Context) error {
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations`).Scan(&n); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}
