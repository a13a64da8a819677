-- migrate: foreign_keys off
-- The journal takes the web workspace's channels: web (an upload) and api
-- (a posted status event). SQLite cannot alter a CHECK, so the table is
-- rebuilt the documented way: with foreign keys off for this migration
-- only (the runner checks them before it commits), new table, copy, drop,
-- rename; the tables that refer to files keep referring to it by name.
CREATE TABLE files_v2 (
	id           INTEGER PRIMARY KEY,
	partner      TEXT    NOT NULL,
	channel      TEXT    NOT NULL CHECK (channel IN ('sftp', 'watch', 'remote', 'cli', 'web', 'api')),
	name         TEXT    NOT NULL,
	size         INTEGER NOT NULL CHECK (size >= 0),
	sha256       TEXT    NOT NULL CHECK (length(sha256) = 64),
	state        TEXT    NOT NULL CHECK (state IN ('received', 'processing', 'done', 'rejected', 'duplicate')),
	error        TEXT    NOT NULL DEFAULT '',
	received_at  TEXT    NOT NULL,
	updated_at   TEXT    NOT NULL,
	mapping      TEXT    NOT NULL DEFAULT '',
	mapping_hash TEXT    NOT NULL DEFAULT '',
	records      INTEGER NOT NULL DEFAULT 0,
	attempts     INTEGER NOT NULL DEFAULT 0,
	user         TEXT    NOT NULL DEFAULT ''
);
INSERT INTO files_v2 (id, partner, channel, name, size, sha256, state, error, received_at, updated_at, mapping, mapping_hash, records, attempts, user)
SELECT id, partner, channel, name, size, sha256, state, error, received_at, updated_at, mapping, mapping_hash, records, attempts, user FROM files;
DROP TABLE files;
ALTER TABLE files_v2 RENAME TO files;
CREATE INDEX files_state ON files (state, id);
CREATE INDEX files_partner_sha256 ON files (partner, sha256);
