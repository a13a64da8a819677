-- Files taken from partners' own SFTP servers. The key (partner, remote
-- path, size, mtime, sha256) names one file the hub claimed there; it keeps a
-- file that a crash left claimed on the server from being journaled twice.
-- journal_mark is the highest files.id when the hand-off to the intake began:
-- a 'taking' entry cut short by a crash is settled by looking for its
-- journal entry after that mark.
CREATE TABLE remote_pulls (
	id           INTEGER PRIMARY KEY,
	partner      TEXT    NOT NULL,
	remote_path  TEXT    NOT NULL,   -- where the file was before it was claimed
	name         TEXT    NOT NULL,   -- its partner-relative journal name
	size         INTEGER NOT NULL CHECK (size >= 0),
	mtime        TEXT    NOT NULL,
	sha256       TEXT    NOT NULL CHECK (length(sha256) = 64),
	state        TEXT    NOT NULL CHECK (state IN ('taking', 'accepted', 'done', 'failed')),
	file_id      INTEGER REFERENCES files (id),
	journal_mark INTEGER NOT NULL DEFAULT 0,
	attempts     INTEGER NOT NULL DEFAULT 0,
	error        TEXT    NOT NULL DEFAULT '',
	created_at   TEXT    NOT NULL,
	updated_at   TEXT    NOT NULL,
	UNIQUE (partner, remote_path, size, mtime, sha256)
);

-- Files delivered to partners' own SFTP servers: the same bytes under the
-- same remote path are sent once. 'uploaded' means the temp file is complete
-- and only the rename may be missing.
CREATE TABLE remote_pushes (
	id          INTEGER PRIMARY KEY,
	partner     TEXT    NOT NULL,
	remote_path TEXT    NOT NULL,
	size        INTEGER NOT NULL CHECK (size >= 0),
	sha256      TEXT    NOT NULL CHECK (length(sha256) = 64),
	state       TEXT    NOT NULL CHECK (state IN ('sending', 'uploaded', 'sent')),
	attempts    INTEGER NOT NULL DEFAULT 0,
	error       TEXT    NOT NULL DEFAULT '',
	created_at  TEXT    NOT NULL,
	updated_at  TEXT    NOT NULL,
	UNIQUE (partner, remote_path, sha256)
);
