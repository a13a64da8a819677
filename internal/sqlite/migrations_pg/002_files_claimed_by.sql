-- Which node claimed a file being processed (as SQLite migration 023).
ALTER TABLE files ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
