-- The intake journal: every complete file a partner sent, in arrival order.
-- Its bytes live in the archive under sha256; the ingest pipeline takes
-- entries from here and is the only writer of the later states.
CREATE TABLE files (
	id          INTEGER PRIMARY KEY,
	partner     TEXT    NOT NULL,
	channel     TEXT    NOT NULL CHECK (channel IN ('sftp', 'watch', 'remote', 'cli')),
	name        TEXT    NOT NULL,
	size        INTEGER NOT NULL CHECK (size >= 0),
	sha256      TEXT    NOT NULL CHECK (length(sha256) = 64),
	state       TEXT    NOT NULL CHECK (state IN ('received', 'processing', 'done', 'rejected', 'duplicate')),
	error       TEXT    NOT NULL DEFAULT '',
	received_at TEXT    NOT NULL,
	updated_at  TEXT    NOT NULL
);

-- The pipeline's work queue and restart scan.
CREATE INDEX files_state ON files (state, id);
-- Duplicate detection: same partner, same bytes.
CREATE INDEX files_partner_sha256 ON files (partner, sha256);
