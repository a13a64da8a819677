-- Derived per shipment, re-run whenever its facts change (internal/sqlite
-- assess.go): validation findings, readiness and the entry lifecycle.
ALTER TABLE shipments ADD COLUMN ready INTEGER NOT NULL DEFAULT 0;      -- no error findings, no open review
ALTER TABLE shipments ADD COLUMN ready_once INTEGER NOT NULL DEFAULT 0; -- was FILE_READY before a broker status came
ALTER TABLE shipments ADD COLUMN entry TEXT NOT NULL DEFAULT '{}';      -- lifecycle beside the state: holds, release authorised, …
ALTER TABLE shipments ADD COLUMN findings TEXT NOT NULL DEFAULT '[]';   -- validate.Finding list as JSON

-- The entry's timeline: every status message with the state it led to, and
-- the readiness changes (code_list 'clearway'). Status rows are keyed by the
-- message's idempotency key and rewritten when a replay changes their outcome.
CREATE TABLE timeline (
	id          INTEGER PRIMARY KEY,
	shipment_id INTEGER NOT NULL REFERENCES shipments (id),
	at          TEXT NOT NULL,    -- event time (RFC 3339)
	event       TEXT NOT NULL,    -- canonical events, space-separated; UNMAPPED_STATUS when none
	code        TEXT NOT NULL,    -- the external code, or FILE_READY / DOCS_INCOMPLETE
	code_list   TEXT NOT NULL,    -- cargowise, cbp_disposition, partner:<id>, clearway
	source      TEXT NOT NULL,    -- the partner and file it came from, or "validation"
	file_id     INTEGER REFERENCES files (id),
	state       TEXT NOT NULL,    -- entry state after it
	note        TEXT NOT NULL DEFAULT '', -- why a move was refused, what blocks readiness
	message     TEXT NOT NULL DEFAULT '', -- the status message's own text
	msg_key     TEXT,             -- status messages only
	UNIQUE (shipment_id, msg_key)
);
CREATE INDEX timeline_shipment ON timeline (shipment_id, at, id);

-- What a review is about, so that re-running the rules never opens the same
-- review twice: "status:<message key>", "fact:<id>:<fields>".
ALTER TABLE reviews ADD COLUMN subject TEXT NOT NULL DEFAULT '';
CREATE INDEX reviews_subject ON reviews (shipment_id, kind, subject);
CREATE INDEX reviews_shipment ON reviews (shipment_id, status);
