-- Failed logins and bans shared by the nodes (as SQLite migration 024).
CREATE TABLE login_failures (
	host TEXT NOT NULL,
	at   TEXT NOT NULL
);
CREATE INDEX login_failures_host ON login_failures (host, at);

CREATE TABLE login_bans (
	host         TEXT PRIMARY KEY,
	banned_until TEXT NOT NULL,
	bans         BIGINT NOT NULL
);
