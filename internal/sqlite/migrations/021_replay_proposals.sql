-- Replays and mapping proposals (issue 15). A replay re-reads an archived
-- file through a mapping version; the file keeps its journal entry and
-- each replay that changed something is recorded here.
CREATE TABLE replays (
	id                INTEGER PRIMARY KEY,
	file_id           INTEGER NOT NULL REFERENCES files (id),
	at                TEXT    NOT NULL,
	by                TEXT    NOT NULL,   -- user:LOGIN, or cli:USER for a shell
	mapping           TEXT    NOT NULL,
	mapping_hash      TEXT    NOT NULL,   -- the version it read the file with
	from_mapping_hash TEXT    NOT NULL,   -- the version behind the file before
	from_state        TEXT    NOT NULL,
	to_state          TEXT    NOT NULL,
	summary           TEXT    NOT NULL    -- JSON: lines added, changed, removed, reviews
);
CREATE INDEX replays_file ON replays (file_id, id);

-- A proposed mapping version waits here until a second person approves it
-- (governance.mapping_changes: four_eyes). Decided and withdrawn proposals
-- stay: they are the change board's record.
CREATE TABLE mapping_proposals (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL,          -- the mapping's name
	file          TEXT NOT NULL,          -- its file name in mappings_dir
	base_hash     TEXT NOT NULL,          -- the version it edits ('' for a new mapping)
	hash          TEXT NOT NULL REFERENCES mapping_versions (hash),
	status        TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected', 'withdrawn')),
	note          TEXT NOT NULL DEFAULT '',
	proposed_by   TEXT NOT NULL,
	proposed_at   TEXT NOT NULL,
	decided_by    TEXT NOT NULL DEFAULT '',
	decided_at    TEXT NOT NULL DEFAULT '',
	decision_note TEXT NOT NULL DEFAULT '',
	trial         TEXT NOT NULL DEFAULT '' -- JSON: the dry run shown when it was submitted
);
CREATE INDEX mapping_proposals_status ON mapping_proposals (status, id);
