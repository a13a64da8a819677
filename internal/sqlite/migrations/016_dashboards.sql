-- Dashboards (PRODUCT.md §11.4) read per-shipment rows kept up to date in
-- the transaction that changes the shipment, never by scanning facts or
-- the timeline at query time.

-- When each partner became party to a shipment (its first file for it).
ALTER TABLE parties ADD COLUMN since TEXT NOT NULL DEFAULT '';
UPDATE parties SET since = COALESCE(
	(SELECT MIN(fl.received_at) FROM facts f JOIN files fl ON fl.id = f.file_id
		WHERE f.shipment_id = parties.shipment_id AND fl.partner = parties.partner),
	(SELECT created_at FROM shipments WHERE id = parties.shipment_id), '');

-- What a shipment is grouped by and its milestones (dashboard.Profile and
-- lifecycle.Milestones), written by each assessment.
CREATE TABLE shipment_profiles (
	shipment_id   INTEGER PRIMARY KEY REFERENCES shipments (id),
	mode          TEXT NOT NULL DEFAULT '',
	origin        TEXT NOT NULL DEFAULT '',
	port_of_lading TEXT NOT NULL DEFAULT '',
	port_of_entry TEXT NOT NULL DEFAULT '',
	destination   TEXT NOT NULL DEFAULT '',
	hs_chapter    TEXT NOT NULL DEFAULT '',
	hs_heading    TEXT NOT NULL DEFAULT '',
	value         REAL NOT NULL DEFAULT 0,
	currency      TEXT NOT NULL DEFAULT '',
	rules         TEXT NOT NULL DEFAULT '',   -- rule ids of its error and warning findings, space-separated
	missing       TEXT NOT NULL DEFAULT '',   -- document types asked for now, space-separated
	ready_at      TEXT NOT NULL DEFAULT '',   -- first FILE_READY (processing time)
	filed_at      TEXT NOT NULL DEFAULT '',   -- first evidence of filing (event time)
	released_at   TEXT NOT NULL DEFAULT '',   -- first release (event time)
	holds_digest  TEXT NOT NULL DEFAULT ''    -- of its hold_periods, to rewrite them only on change
);

-- The states a shipment was shown in, and since when (processing time).
CREATE TABLE state_spans (
	shipment_id INTEGER NOT NULL REFERENCES shipments (id),
	state       TEXT NOT NULL,
	since       TEXT NOT NULL,
	until       TEXT NOT NULL DEFAULT ''      -- '' for the current state
);
CREATE INDEX state_spans_shipment ON state_spans (shipment_id, until);
CREATE INDEX state_spans_until ON state_spans (until) WHERE state NOT IN ('CLOSED', 'CANCELLED');
INSERT INTO state_spans (shipment_id, state, since)
	SELECT id, state, COALESCE(NULLIF(state_since, ''), created_at) FROM shipments;

-- Every hold and exam a shipment had (lifecycle.Period), in event time.
CREATE TABLE hold_periods (
	shipment_id INTEGER NOT NULL REFERENCES shipments (id),
	entry       TEXT NOT NULL DEFAULT '',
	kind        TEXT NOT NULL CHECK (kind IN ('hold', 'exam')),
	agency      TEXT NOT NULL DEFAULT '',
	code        TEXT NOT NULL DEFAULT '',
	since       TEXT NOT NULL,
	until       TEXT NOT NULL DEFAULT ''      -- '' while active
);
CREATE INDEX hold_periods_shipment ON hold_periods (shipment_id);
CREATE INDEX hold_periods_since ON hold_periods (since);

CREATE INDEX files_received ON files (received_at);
CREATE INDEX reviews_created ON reviews (created_at);
