-- Acknowledgements (997/999/TA1) decided for a file but not yet written to
-- the partner's outbox. A file's acks are queued in the transaction that
-- settles the file, so a crash between that commit and the write cannot
-- lose one: the pipeline delivers whatever waits here at start.
CREATE TABLE acks_pending (
	id         INTEGER PRIMARY KEY,
	file_id    INTEGER NOT NULL REFERENCES files (id),
	partner    TEXT NOT NULL,
	name       TEXT NOT NULL,   -- file name in the partner's outbox
	body       BLOB NOT NULL,
	created_at TEXT NOT NULL
);
