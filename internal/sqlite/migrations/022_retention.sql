-- Retention and legal hold (issue 15, part 5). Archived originals and the
-- outbound/sent copies of a released entry are purged once the retention
-- period (retention.archive) has passed since its release, unless
-- compliance put the shipment under a legal hold.

-- Legal holds keep their history: clearing one fills cleared_*, a new hold
-- is a new row. At most one hold per shipment is active at a time.
CREATE TABLE legal_holds (
	id           INTEGER PRIMARY KEY,
	shipment_id  INTEGER NOT NULL REFERENCES shipments (id),
	reason       TEXT NOT NULL,
	set_by       TEXT NOT NULL,    -- actor, as the audit log names it (user:<login>, os:<name>)
	set_at       TEXT NOT NULL,
	cleared_by   TEXT,
	cleared_at   TEXT,
	clear_reason TEXT
);
CREATE UNIQUE INDEX legal_holds_active ON legal_holds (shipment_id) WHERE cleared_at IS NULL;

-- Archive objects the retention job deleted, so the journal can still say
-- when and why an original is gone. files lists the journal entries (ids,
-- JSON) that held those bytes when they were purged.
CREATE TABLE archive_purges (
	sha256    TEXT PRIMARY KEY CHECK (length(sha256) = 64),
	purged_at TEXT NOT NULL,
	files     TEXT NOT NULL,   -- JSON array of files.id
	reason    TEXT NOT NULL
) WITHOUT ROWID;
