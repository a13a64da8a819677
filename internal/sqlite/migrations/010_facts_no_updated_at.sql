-- A line's changes are in the audit log with their time, and its lineage
-- (file_id) names the file that wrote it last: a timestamp on every row
-- was 30 bytes of a million-line file's transaction that nothing read.
ALTER TABLE facts DROP COLUMN updated_at;
