-- Notifications (PRODUCT.md §11.5): an outbox written in the transaction
-- of the event that causes them, delivered from there, so a crash between
-- the commit and the send neither loses nor doubles one.
CREATE TABLE notifications (
	id           INTEGER PRIMARY KEY,
	event_key    TEXT NOT NULL,     -- notify.Event.Key: the same happening, the same key
	event        TEXT NOT NULL,     -- event type
	rule         TEXT NOT NULL,     -- the rule, or the escalation step, that asked for it
	channel      TEXT NOT NULL CHECK (channel IN ('inbox', 'email', 'webhook')),
	recipient    TEXT NOT NULL,     -- user:<login>, email:<address>, webhook:<id>
	shipment_id  INTEGER REFERENCES shipments (id),
	subject      TEXT NOT NULL,
	body         TEXT NOT NULL,     -- the event as JSON
	digest       INTEGER NOT NULL DEFAULT 0,  -- gathered into the recipient's daily mail
	state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_at      TEXT NOT NULL,     -- not before
	last_error   TEXT NOT NULL DEFAULT '',
	created_at   TEXT NOT NULL,
	delivered_at TEXT,
	acked_at     TEXT,              -- inbox: acknowledged by its user
	escalated    INTEGER NOT NULL DEFAULT 0,  -- ladder steps taken for it
	UNIQUE (event_key, channel, recipient)
);
CREATE INDEX notifications_due ON notifications (next_at) WHERE state = 'pending' AND channel != 'inbox';
CREATE INDEX notifications_inbox ON notifications (recipient, id) WHERE channel = 'inbox';

-- Every delivery attempt, for notify list and the admins' view of failures.
CREATE TABLE notification_attempts (
	notification_id INTEGER NOT NULL REFERENCES notifications (id),
	at              TEXT NOT NULL,
	error           TEXT NOT NULL DEFAULT ''   -- '' for the attempt that delivered
);
CREATE INDEX notification_attempts_of ON notification_attempts (notification_id);

-- Reviews climb the escalation ladder too, and review_overdue fires once.
ALTER TABLE reviews ADD COLUMN escalated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reviews ADD COLUMN overdue_notified INTEGER NOT NULL DEFAULT 0;

-- A user may take mail as one daily digest.
ALTER TABLE users ADD COLUMN digest TEXT NOT NULL DEFAULT '';
