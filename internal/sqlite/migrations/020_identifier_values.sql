-- A shipment is found by any of its identifiers' values (a B/L, an entry
-- number, an invoice number) without knowing the kind: by value alone.
CREATE INDEX identifiers_value ON identifiers (value);
CREATE INDEX links_value ON links (value);
