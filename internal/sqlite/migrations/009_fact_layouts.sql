-- Stored lines keep their fields as [layout, value, …] (see layout.go):
-- the field names live here once instead of on every row.
CREATE TABLE fact_layouts (
	id    INTEGER PRIMARY KEY,
	kind  TEXT NOT NULL,
	names TEXT NOT NULL,    -- JSON array of the kind's field names, in stored order
	UNIQUE (kind, names)
);

-- The stored lines one field a row, for reading the store with SQL:
-- SELECT field, value FROM fact_fields WHERE fact_id = 42.
CREATE VIEW fact_fields AS
SELECT f.id AS fact_id, f.kind, f.key, f.shipment_id, n.value AS field, v.value AS value
FROM facts f
JOIN fact_layouts l ON l.id = f.fields ->> '$[0]'
JOIN json_each(l.names) n
JOIN json_each(f.fields) v ON v.key = n.key + 1
WHERE v.value != '';
