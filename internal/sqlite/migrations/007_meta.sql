-- Small facts about the store itself, such as the fingerprint of the rules
-- the shipments were last assessed with.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
