-- Which node claimed a file being processed (issue 16): in a cluster, a
-- node starting, or the cluster's orphan check, takes back only the files
-- of nodes that are gone. '' on a lone daemon.
ALTER TABLE files ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
