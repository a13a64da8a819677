-- The governance error rate looks up each file's facts: without this
-- index every file read every fact (seconds per file on a large store).
CREATE INDEX facts_file ON facts (file_id, shipment_id);
-- Parties by when they joined (readiness by supplier).
CREATE INDEX parties_since ON parties (since);
-- The portfolio's entries: in progress, or closed since a date.
CREATE INDEX shipments_state_since ON shipments (state, state_since);
-- The day-by-day trend reads the spans of the range from the index alone.
DROP INDEX state_spans_until;
CREATE INDEX state_spans_open ON state_spans (until, since, shipment_id, state) WHERE state NOT IN ('CLOSED', 'CANCELLED');
