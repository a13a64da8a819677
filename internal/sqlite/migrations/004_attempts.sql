-- How often processing a file failed for an internal reason: after a few
-- attempts it is set aside (rejected, with the error) so it cannot block
-- the files behind it.
ALTER TABLE files ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
