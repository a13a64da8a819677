-- Failed logins and bans shared by the nodes of a cluster (issue 16): a
-- source failing on node A and then on node B is counted once, and banned
-- on every node. A lone daemon keeps them in memory.
CREATE TABLE login_failures (
	host TEXT NOT NULL,
	at   TEXT NOT NULL
);
CREATE INDEX login_failures_host ON login_failures (host, at);

CREATE TABLE login_bans (
	host         TEXT PRIMARY KEY,
	banned_until TEXT NOT NULL,
	bans         INTEGER NOT NULL
);
