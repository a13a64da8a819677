-- Scheduled outbound deliveries (PRODUCT.md §9). A run is reserved — its
-- content spooled, the job's cursor moved — in one transaction, then
-- delivered into the partner's /outbox; a crash in between is finished on
-- the next run, so nothing is dropped or sent twice.

-- The content hash of what a broker packet holds (lines, documents,
-- identifiers), kept by the rules so a changed packet is sent again.
ALTER TABLE shipments ADD COLUMN data_hash TEXT NOT NULL DEFAULT '';

CREATE TABLE outbound_cursors (
	partner TEXT NOT NULL,
	job     TEXT NOT NULL,
	cursor  TEXT NOT NULL DEFAULT '', -- opaque to the store: JSON per job kind
	PRIMARY KEY (partner, job)
);

CREATE TABLE outbound_runs (
	id           INTEGER PRIMARY KEY,
	partner      TEXT NOT NULL,
	job          TEXT NOT NULL,
	kind         TEXT NOT NULL,    -- status, document_requests, packets
	seq          INTEGER NOT NULL, -- per partner and job, in the file name
	name         TEXT NOT NULL,    -- file name in the partner's /outbox
	spool        TEXT NOT NULL,    -- the content, written before the reservation committed
	sha256       TEXT NOT NULL,
	size         INTEGER NOT NULL,
	items        INTEGER NOT NULL, -- events, requests or packets in the file
	state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered')),
	created_at   TEXT NOT NULL,
	delivered_at TEXT,
	UNIQUE (partner, job, seq)
);
CREATE INDEX outbound_runs_pending ON outbound_runs (state, partner, job);

-- Which version of each shipment's packet a broker got.
CREATE TABLE outbound_packets (
	partner     TEXT NOT NULL,
	job         TEXT NOT NULL,
	shipment_id INTEGER NOT NULL REFERENCES shipments (id),
	data_hash   TEXT NOT NULL,
	run_id      INTEGER NOT NULL REFERENCES outbound_runs (id),
	PRIMARY KEY (partner, job, shipment_id)
);
