-- The canonical shipment record (PRODUCT.md §6). Every fact keeps its
-- lineage: the journaled file it came from (whose row names the mapping and
-- its content hash) and its position in that file (JSON).

CREATE TABLE shipments (
	id          INTEGER PRIMARY KEY,
	ref         TEXT NOT NULL UNIQUE,            -- CW-000123
	state       TEXT NOT NULL DEFAULT 'PLANNED', -- entry lifecycle (DOMAIN.md §4.6)
	fields      TEXT NOT NULL DEFAULT '{}',      -- shipment kind fields (mode, vessel, eta, …) as JSON
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);

-- The spine: each identifier points at one shipment.
CREATE TABLE identifiers (
	kind        TEXT NOT NULL,    -- bill_of_lading, container_number, …
	value       TEXT NOT NULL,
	shipment_id INTEGER NOT NULL REFERENCES shipments (id),
	file_id     INTEGER REFERENCES files (id),
	PRIMARY KEY (kind, value)
);
CREATE INDEX identifiers_shipment ON identifiers (shipment_id);

-- Line facts: one row per business key, so a resent line updates in place.
CREATE TABLE facts (
	id           INTEGER PRIMARY KEY,
	kind         TEXT NOT NULL,    -- purchase_order_line, invoice_line, packing_line, valuation, milestone, status_event
	key          TEXT NOT NULL,    -- business key within the kind, e.g. "PO-1|10"
	shipment_id  INTEGER NOT NULL REFERENCES shipments (id),
	fields       TEXT NOT NULL,    -- canonical fields as JSON
	file_id      INTEGER NOT NULL REFERENCES files (id), -- lineage: files.mapping, files.mapping_hash
	source       TEXT NOT NULL,    -- position in the file, JSON
	updated_at   TEXT NOT NULL,    -- creation is in the file's row and the audit log
	UNIQUE (kind, key)
);
CREATE INDEX facts_shipment ON facts (shipment_id, kind);

-- Documents: versioned per (shipment, doc_type); a new checksum is a new
-- version that supersedes the last, the same checksum is not a version.
CREATE TABLE documents (
	id           INTEGER PRIMARY KEY,
	shipment_id  INTEGER NOT NULL REFERENCES shipments (id),
	doc_type     TEXT NOT NULL,
	version      INTEGER NOT NULL,
	sha256       TEXT NOT NULL,
	name         TEXT NOT NULL,
	superseded   INTEGER NOT NULL DEFAULT 0,
	file_id      INTEGER NOT NULL REFERENCES files (id),
	mapping      TEXT NOT NULL,
	mapping_hash TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	UNIQUE (shipment_id, doc_type, version),
	UNIQUE (shipment_id, doc_type, sha256)
);

-- The human-in-the-loop queue.
CREATE TABLE reviews (
	id          INTEGER PRIMARY KEY,
	kind        TEXT NOT NULL,    -- identifier_conflict, classification_change, …
	status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'approved', 'rejected')),
	shipment_id INTEGER REFERENCES shipments (id),
	summary     TEXT NOT NULL,
	detail      TEXT NOT NULL DEFAULT '{}',  -- JSON: the pending change and why
	file_id     INTEGER REFERENCES files (id),
	created_at  TEXT NOT NULL,
	decided_at  TEXT,
	decided_by  TEXT,
	reason      TEXT,
	note        TEXT
);
CREATE INDEX reviews_status ON reviews (status, id);

-- Who changed what, when, from what to what, and from which file.
CREATE TABLE audit_log (
	id        INTEGER PRIMARY KEY,
	at        TEXT NOT NULL,
	actor     TEXT NOT NULL,    -- partner:<id>, user:<name>, system
	entity    TEXT NOT NULL,    -- shipment, fact, document, review, file
	entity_id INTEGER,
	action    TEXT NOT NULL,    -- create, update, supersede, decide, …
	before    TEXT,             -- JSON
	after     TEXT,             -- JSON
	file_id   INTEGER REFERENCES files (id)
);
CREATE INDEX audit_entity ON audit_log (entity, entity_id);

-- X12 interchange/group control numbers we send, per partner: persistent and increasing.
CREATE TABLE control_numbers (
	partner TEXT NOT NULL,
	kind    TEXT NOT NULL,    -- isa, gs
	last    INTEGER NOT NULL,
	PRIMARY KEY (partner, kind)
);

-- Which mapping processed a file, and what came of it.
ALTER TABLE files ADD COLUMN mapping TEXT NOT NULL DEFAULT '';
ALTER TABLE files ADD COLUMN mapping_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE files ADD COLUMN records INTEGER NOT NULL DEFAULT 0;
