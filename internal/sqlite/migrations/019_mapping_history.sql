-- Every mapping version Clearway has used (issue 15, mapping history): the
-- content by its hash (files.mapping_hash names it), and each time a
-- version became the active one of its name.
CREATE TABLE mapping_versions (
	hash       TEXT PRIMARY KEY,   -- sha256 of the YAML bytes
	name       TEXT NOT NULL,
	content    TEXT NOT NULL,
	first_seen TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE mapping_activations (
	id     INTEGER PRIMARY KEY,
	name   TEXT NOT NULL,
	hash   TEXT NOT NULL REFERENCES mapping_versions (hash),
	at     TEXT NOT NULL,
	by     TEXT NOT NULL,     -- start, reload, cli, or a login
	file   TEXT NOT NULL      -- the file it was read from
);
CREATE INDEX mapping_activations_name ON mapping_activations (name, id);
