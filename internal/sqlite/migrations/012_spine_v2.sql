-- Identifier spine v2 (DOMAIN.md §4.8). Strong identifiers stay in
-- identifiers (one shipment each); weak ones link: a container is reused
-- voyage after voyage, a PO ships in several shipments, and an invoice
-- number is unique per supplier only (scope = the partner that sent it).
CREATE TABLE links (
	kind        TEXT NOT NULL,              -- container_number, po_number, invoice_number
	scope       TEXT NOT NULL DEFAULT '',   -- invoice_number: the supplier that issued it
	value       TEXT NOT NULL,
	shipment_id INTEGER NOT NULL REFERENCES shipments (id),
	file_id     INTEGER REFERENCES files (id),
	PRIMARY KEY (kind, value, scope, shipment_id)
) WITHOUT ROWID;
CREATE INDEX links_shipment ON links (shipment_id);

INSERT INTO links (kind, scope, value, shipment_id, file_id)
SELECT i.kind, CASE WHEN i.kind = 'invoice_number' THEN COALESCE(f.partner, '') ELSE '' END, i.value, i.shipment_id, i.file_id
FROM identifiers i LEFT JOIN files f ON f.id = i.file_id
WHERE i.kind IN ('container_number', 'po_number', 'invoice_number');
DELETE FROM identifiers WHERE kind IN ('container_number', 'po_number', 'invoice_number');

-- Purchase-order lines belong to the purchase order, not to a shipment:
-- shipment_id becomes optional (NULL for them).
DROP VIEW fact_fields;
CREATE TABLE facts_v2 (
	id           INTEGER PRIMARY KEY,
	kind         TEXT NOT NULL,
	key          TEXT NOT NULL,
	shipment_id  INTEGER REFERENCES shipments (id),
	fields       TEXT NOT NULL,
	file_id      INTEGER NOT NULL REFERENCES files (id),
	source       TEXT NOT NULL,
	UNIQUE (kind, key)
);
INSERT INTO facts_v2 (id, kind, key, shipment_id, fields, file_id, source)
SELECT id, kind, key, shipment_id, fields, file_id, source FROM facts;
DROP TABLE facts;
ALTER TABLE facts_v2 RENAME TO facts;
-- Only lines on a shipment: PO lines (NULL) cost no second index entry.
CREATE INDEX facts_shipment ON facts (shipment_id, kind) WHERE shipment_id IS NOT NULL;
CREATE VIEW fact_fields AS
SELECT f.id AS fact_id, f.kind, f.key, f.shipment_id, n.value AS field, v.value AS value
FROM facts f
JOIN fact_layouts l ON l.id = f.fields ->> '$[0]'
JOIN json_each(l.names) n
JOIN json_each(f.fields) v ON v.key = n.key + 1
WHERE v.value != '';

-- Review statuses gain 'superseded' (the cause went away) and reviews
-- record what a decision did. SQLite cannot alter a CHECK: rebuild.
CREATE TABLE reviews_v2 (
	id          INTEGER PRIMARY KEY,
	kind        TEXT NOT NULL,
	status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'approved', 'rejected', 'superseded')),
	shipment_id INTEGER REFERENCES shipments (id),
	summary     TEXT NOT NULL,
	detail      TEXT NOT NULL DEFAULT '{}',
	file_id     INTEGER REFERENCES files (id),
	created_at  TEXT NOT NULL,
	decided_at  TEXT,
	decided_by  TEXT,
	reason      TEXT,
	note        TEXT,
	subject     TEXT NOT NULL DEFAULT '',
	decision    TEXT NOT NULL DEFAULT ''   -- approve, reject, merge, separate, superseded
);
INSERT INTO reviews_v2 (id, kind, status, shipment_id, summary, detail, file_id, created_at, decided_at, decided_by, reason, note, subject, decision)
SELECT id, kind, status, shipment_id, summary, detail, file_id, created_at, decided_at, decided_by, reason, note, subject,
	CASE status WHEN 'approved' THEN 'approve' WHEN 'rejected' THEN 'reject' ELSE '' END FROM reviews;
DROP TABLE reviews;
ALTER TABLE reviews_v2 RENAME TO reviews;
CREATE INDEX reviews_status ON reviews (status, id);
CREATE INDEX reviews_subject ON reviews (shipment_id, kind, subject);
CREATE INDEX reviews_shipment ON reviews (shipment_id, status);

-- Files a person attached to a review (evidence for a decision), stored in
-- the archive by checksum and listed in the audit packet.
CREATE TABLE review_attachments (
	id         INTEGER PRIMARY KEY,
	review_id  INTEGER NOT NULL REFERENCES reviews (id),
	name       TEXT NOT NULL,
	size       INTEGER NOT NULL,
	sha256     TEXT NOT NULL,
	added_by   TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX review_attachments_review ON review_attachments (review_id);

-- Pairs of shipments a person decided apart (identifier_conflict →
-- separate): the same pair does not ask again.
CREATE TABLE separations (
	a INTEGER NOT NULL REFERENCES shipments (id),
	b INTEGER NOT NULL REFERENCES shipments (id),
	review_id INTEGER REFERENCES reviews (id),
	PRIMARY KEY (a, b)
) WITHOUT ROWID;

-- State events a person recorded (`shipment set-state`: the broker phoned):
-- evidence beside the partners' status messages, replayed with them.
CREATE TABLE manual_events (
	id           INTEGER PRIMARY KEY,
	shipment_id  INTEGER NOT NULL REFERENCES shipments (id),
	at           TEXT NOT NULL,
	state        TEXT NOT NULL,
	entry_number TEXT NOT NULL DEFAULT '',
	reason       TEXT NOT NULL,
	note         TEXT NOT NULL DEFAULT '',
	by           TEXT NOT NULL
);
CREATE INDEX manual_events_shipment ON manual_events (shipment_id);
