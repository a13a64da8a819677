-- X12 interchanges already applied, per partner: a resent interchange (same
-- sender, receiver and ISA13) is a duplicate even when its bytes differ
-- (a new ISA date, other line breaks).
CREATE TABLE interchanges (
	partner  TEXT NOT NULL,
	sender   TEXT NOT NULL,
	receiver TEXT NOT NULL,
	control  TEXT NOT NULL,   -- ISA13 without leading zeros
	file_id  INTEGER NOT NULL REFERENCES files (id),
	PRIMARY KEY (partner, sender, receiver, control)
);
