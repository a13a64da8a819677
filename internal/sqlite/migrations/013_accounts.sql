-- The people side (PRODUCT.md §11.1): users, API tokens, server-side
-- sessions, which partners are party to which shipments, and questions.

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	login         TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL DEFAULT '',
	email         TEXT NOT NULL DEFAULT '',
	role          TEXT NOT NULL,
	partner       TEXT NOT NULL DEFAULT '',   -- broker and supplier users act for one partner
	password_hash TEXT NOT NULL,              -- bcrypt
	disabled      INTEGER NOT NULL DEFAULT 0,
	created_at    TEXT NOT NULL
);

-- Only the sha256 of a token or a session id is kept.
CREATE TABLE tokens (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id),
	name         TEXT NOT NULL DEFAULT '',
	hash         TEXT NOT NULL UNIQUE,
	created_at   TEXT NOT NULL,
	last_used_at TEXT,
	revoked_at   TEXT
);

CREATE TABLE sessions (
	hash       TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id),
	created_at TEXT NOT NULL,
	seen_at    TEXT NOT NULL
) WITHOUT ROWID;

-- A partner is party to a shipment when a file it sent contributed to it,
-- an outbound item about it was delivered to it, or an admin assigned it.
-- updated_at mirrors shipments.updated_at, so a partner's portfolio is read
-- in order from one index instead of sorting all its shipments.
CREATE TABLE parties (
	shipment_id INTEGER NOT NULL REFERENCES shipments (id),
	partner     TEXT NOT NULL,
	why         TEXT NOT NULL,   -- file, outbound, assigned
	updated_at  TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (partner, shipment_id)
) WITHOUT ROWID;
CREATE INDEX parties_shipment ON parties (shipment_id);
CREATE INDEX parties_portfolio ON parties (partner, updated_at DESC, shipment_id DESC);

INSERT OR IGNORE INTO parties (shipment_id, partner, why)
SELECT DISTINCT f.shipment_id, fl.partner, 'file' FROM facts f JOIN files fl ON fl.id = f.file_id WHERE f.shipment_id IS NOT NULL;
INSERT OR IGNORE INTO parties (shipment_id, partner, why)
SELECT DISTINCT d.shipment_id, fl.partner, 'file' FROM documents d JOIN files fl ON fl.id = d.file_id;
INSERT OR IGNORE INTO parties (shipment_id, partner, why)
SELECT DISTINCT shipment_id, partner, 'outbound' FROM outbound_packets;
UPDATE parties SET updated_at = (SELECT updated_at FROM shipments WHERE id = parties.shipment_id);

-- Questions on a shipment (optionally about a document or a line) and
-- their answers.
CREATE TABLE questions (
	id          INTEGER PRIMARY KEY,
	shipment_id INTEGER NOT NULL REFERENCES shipments (id),
	about       TEXT NOT NULL DEFAULT '',  -- "document:<id>", "line:<invoice|line>", or ''
	text        TEXT NOT NULL,
	asked_by    TEXT NOT NULL,             -- login
	asked_role  TEXT NOT NULL,
	partner     TEXT NOT NULL DEFAULT '',  -- the asker's partner, if bound
	status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
	created_at  TEXT NOT NULL,
	closed_by   TEXT,
	closed_at   TEXT
);
CREATE INDEX questions_shipment ON questions (shipment_id, status);

CREATE TABLE answers (
	id          INTEGER PRIMARY KEY,
	question_id INTEGER NOT NULL REFERENCES questions (id),
	text        TEXT NOT NULL,
	by          TEXT NOT NULL,
	role        TEXT NOT NULL,
	created_at  TEXT NOT NULL
);
CREATE INDEX answers_question ON answers (question_id);

-- Who uploaded a file through the web workspace (channel web).
ALTER TABLE files ADD COLUMN user TEXT NOT NULL DEFAULT '';

-- When the shipment entered its state (the portfolio's age in state), and
-- the portfolio's order.
ALTER TABLE shipments ADD COLUMN state_since TEXT NOT NULL DEFAULT '';
UPDATE shipments SET state_since = updated_at;
CREATE INDEX shipments_updated ON shipments (updated_at DESC, id DESC);
CREATE INDEX shipments_state ON shipments (state, updated_at DESC, id DESC);
