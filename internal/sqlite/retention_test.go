package sqlite

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
	"github.com/clearway/clearway/internal/retention"
)

// released sends a CBP release (1C) for the B/L dated at.
func released(t *testing.T, db *DB, sum, bl, at string) *Ingest {
	t.Helper()
	return ingestAs(t, db, "fastclear", sum, rec(clearway.KindStatusEvent, "code_list", "cbp_disposition", "code", "1C", "at", at, "bill_of_lading", bl))
}

// packing sends the partner's packing lines for each B/L, in one file;
// each file's lines are its own (an invoice per file), so every file
// contributes to each of its shipments.
func packing(t *testing.T, db *DB, partner, sum string, bls ...string) *Ingest {
	t.Helper()
	var recs []clearway.Record
	for _, bl := range bls {
		recs = append(recs, rec(clearway.KindPackingLine, "invoice_number", "INV-"+bl+"-"+sum, "sku", "A", "cartons", "1", "bill_of_lading", bl))
	}
	return ingestAs(t, db, partner, sum, recs...)
}

func shaOf(sum string) string { return strings.Repeat(sum, 64)[:64] }

// candidates returns the purge candidates at cutoff by sha256.
func candidates(t *testing.T, db *DB, cutoff time.Time) map[string]retention.Candidate {
	t.Helper()
	list, err := db.PurgeCandidates(context.Background(), cutoff)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]retention.Candidate{}
	for _, c := range list {
		out[c.SHA256] = c
	}
	return out
}

// TestRetentionCandidates: at a cutoff of 2021-03-01, the originals of a
// shipment released in 2019 go; those of a held, a recently released and
// an open shipment stay, and so does an object one of them still needs.
func TestRetentionCandidates(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	cutoff := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)

	packing(t, db, "acme", "a", "BL-OLD")
	released(t, db, "1", "BL-OLD", "2019-03-21T15:15:00Z")
	packing(t, db, "acme", "b", "BL-HELD")
	released(t, db, "2", "BL-HELD", "2019-04-02T10:00:00Z")
	packing(t, db, "acme", "c", "BL-RECENT")
	released(t, db, "3", "BL-RECENT", "2025-06-30T10:00:00Z")
	packing(t, db, "acme", "d", "BL-OPEN")
	ingestAs(t, db, "fastclear", "4", rec(clearway.KindStatusEvent, "code_list", "cbp_disposition", "code", "1H", "at", "2019-03-20T09:00:00Z", "bill_of_lading", "BL-OPEN"))
	// One file for the old and the open shipment; the same bytes from
	// two partners, one for each; PO lines beside an old shipment's.
	packing(t, db, "acme", "e", "BL-OLD", "BL-OPEN")
	packing(t, db, "acme", "f", "BL-OLD")
	packing(t, db, "globex", "f", "BL-OPEN")
	ingestAs(t, db, "acme", "g", poLine("10", "8482.10.5048", "5", "1.00"),
		rec(clearway.KindPackingLine, "invoice_number", "INV-X", "sku", "B", "cartons", "1", "bill_of_lading", "BL-OLD"))
	// A duplicate of the old release (same partner, same bytes).
	dup := &clearway.File{Partner: "fastclear", Channel: clearway.ChannelSFTP, Name: "inbox/again", Size: 1, SHA256: shaOf("1")}
	if err := db.CreateFile(ctx, dup); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateFileState(ctx, dup.ID, clearway.FileDuplicate, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetLegalHold(ctx, "BL-HELD", "user:ana", "subpoena 2021-17"); err != nil {
		t.Fatal(err)
	}
	if s := show(t, db, "BL-OPEN"); s.State != "ON_HOLD" {
		t.Fatalf("BL-OPEN is %s, want ON_HOLD", s.State)
	}

	got := candidates(t, db, cutoff)
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, []string{shaOf("1"), shaOf("a")}) {
		t.Fatalf("candidates %v, want the old shipment's packing list and release (a, 1) only", keys)
	}
	old := show(t, db, "BL-OLD").Ref
	c := got[shaOf("1")]
	if len(c.Files) != 2 || c.Files[1] != dup.ID || !slices.Equal(c.Shipments, []string{old}) ||
		!c.ReleasedAt.Equal(time.Date(2019, 3, 21, 15, 15, 0, 0, time.UTC)) {
		t.Errorf("release object %+v, want both journal entries (with duplicate %d), %s, released 2019-03-21 15:15", c, dup.ID, old)
	}

	t.Run("Purged", func(t *testing.T) {
		for _, c := range got {
			if err := db.RecordPurge(ctx, c.SHA256, c.Files, "retention test"); err != nil {
				t.Fatal(err)
			}
		}
		at, ok, err := db.ArchivePurge(ctx, shaOf("a"))
		if err != nil || !ok || !at.Equal(db.Now()) {
			t.Errorf("archive purge of a: %v %v %v, want at %v", at, ok, err, db.Now())
		}
		if _, ok, _ := db.ArchivePurge(ctx, shaOf("b")); ok {
			t.Error("b was never purged but ArchivePurge says it was")
		}
		if again := candidates(t, db, cutoff); len(again) != 0 {
			t.Errorf("candidates after the purge %v, want none", slices.Collect(maps.Keys(again)))
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE entity = 'file' AND action = 'purge' AND actor = 'system'`); n != 3 {
			t.Errorf("%d purge audit entries, want 3 (one per journal entry)", n)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		if err := db.RecordPurge(ctx, shaOf("b"), []int64{1}, "wrong files"); clearway.ErrorCode(err) != clearway.ECONFLICT {
			t.Errorf("purge naming other files: %v, want conflict", err)
		}
	})
	t.Run("HoldCleared", func(t *testing.T) {
		if _, err := db.ClearLegalHold(ctx, "BL-HELD", "user:ana", "matter closed"); err != nil {
			t.Fatal(err)
		}
		if keys := slices.Sorted(maps.Keys(candidates(t, db, cutoff))); !slices.Equal(keys, []string{shaOf("2"), shaOf("b")}) {
			t.Errorf("candidates once the hold is cleared %v, want b, 2", keys)
		}
	})
	t.Run("Deliveries", func(t *testing.T) {
		from := ""
		for _, bl := range []string{"BL-OLD", "BL-OPEN"} {
			s := show(t, db, bl)
			run := &OutboundRun{Partner: "fastclear", Job: "packets", Kind: "packets", Spool: "/spool/" + bl, SHA256: shaOf("9"), Size: 1, Items: 1}
			if err := db.ReserveOutbound(ctx, Reservation{Run: run, From: from, To: bl, Packets: []PacketDelivery{{ShipmentID: s.id, DataHash: "h"}},
				NameFor: func(seq int) string { return bl + ".zip" }}); err != nil {
				t.Fatal(err)
			}
			if err := db.MarkOutboundDelivered(ctx, run.ID); err != nil {
				t.Fatal(err)
			}
			from = bl
		}
		ds, err := db.ExpiredDeliveries(ctx, cutoff)
		if err != nil || len(ds) != 1 || ds[0].Name != "BL-OLD.zip" || ds[0].Shipment != old || ds[0].Spool != "/spool/BL-OLD" {
			t.Errorf("expired deliveries %+v %v, want BL-OLD.zip of %s", ds, err, old)
		}
	})
}

// TestRetentionLegalHold: a hold is set and cleared with a reason by
// compliance, kept in the history and the audit log, shown on the
// shipment to the importer's people only.
func TestRetentionLegalHold(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	packing(t, db, "acme", "a", "BL-1")
	packing(t, db, "globex", "b", "BL-2")
	ana := db.View(account.Scope{Login: "ana", Role: account.Compliance})
	s, err := ana.SetLegalHold(ctx, "BL-1", true, "  subpoena 2026-04  ")
	if err != nil {
		t.Fatal(err)
	}
	if h := s.LegalHold; h == nil || h.Reason != "subpoena 2026-04" || h.SetBy != "user:ana" || !h.SetAt.Equal(db.Now()) {
		t.Fatalf("legal hold %+v, want ana's with the trimmed reason", h)
	}
	for _, tc := range []struct {
		name string
		err  error
		code string
	}{
		{"Twice", func() error { _, err := ana.SetLegalHold(ctx, "BL-1", true, "again"); return err }(), clearway.ECONFLICT},
		{"NoReason", func() error { _, err := ana.SetLegalHold(ctx, "BL-2", true, " "); return err }(), clearway.EINVALID},
		{"ClearNone", func() error { _, err := ana.SetLegalHold(ctx, "BL-2", false, "nothing"); return err }(), clearway.ECONFLICT},
		{"Logistics", func() error {
			_, err := db.View(account.Scope{Login: "lee", Role: account.Logistics}).SetLegalHold(ctx, "BL-1", false, "x")
			return err
		}(), clearway.EFORBIDDEN},
		{"SupplierSees", func() error {
			_, err := db.View(account.Scope{Login: "sam", Role: account.Supplier, Partner: "acme"}).SetLegalHold(ctx, "BL-1", false, "x")
			return err
		}(), clearway.EFORBIDDEN},
		{"SupplierDoesNotSee", func() error {
			_, err := db.View(account.Scope{Login: "sam", Role: account.Supplier, Partner: "acme"}).SetLegalHold(ctx, "BL-2", true, "x")
			return err
		}(), clearway.ENOTFOUND},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := clearway.ErrorCode(tc.err); got != tc.code {
				t.Errorf("got %v, want %s", tc.err, tc.code)
			}
		})
	}
	sam := db.View(account.Scope{Login: "sam", Role: account.Supplier, Partner: "acme"})
	if s, err := sam.Shipment(ctx, "BL-1"); err != nil || s.LegalHold != nil {
		t.Errorf("sam sees legal hold %+v (%v), want none shown to a partner", s.LegalHold, err)
	}
	if s, err := ana.SetLegalHold(ctx, "BL-1", false, "matter closed"); err != nil || s.LegalHold != nil {
		t.Fatalf("after clearing: %+v %v", s.LegalHold, err)
	}
	if _, err := db.SetLegalHold(ctx, "BL-1", "os:root", "new matter"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM legal_holds WHERE cleared_at IS NOT NULL AND cleared_by = 'user:ana' AND clear_reason = 'matter closed'`); n != 1 {
		t.Errorf("%d cleared holds in the history, want 1", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM legal_holds`); n != 2 {
		t.Errorf("%d legal_holds rows, want 2 (history kept)", n)
	}
	for _, a := range []struct{ actor, action string }{{"user:ana", "legal_hold"}, {"user:ana", "legal_hold_clear"}, {"os:root", "legal_hold"}} {
		if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE entity = 'shipment' AND actor = ? AND action = ?`, a.actor, a.action); n != 1 {
			t.Errorf("%d audit entries %s by %s, want 1", n, a.action, a.actor)
		}
	}
	if s := show(t, db, "BL-1"); s.LegalHold == nil || s.LegalHold.SetBy != "os:root" {
		t.Errorf("shipment show: legal hold %+v, want root's", s.LegalHold)
	}
}
