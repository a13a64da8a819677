-- What facts refer to, checked a statement at a time (issue 16).
--
-- A foreign key checks, and locks, the file and the shipment of every row
-- added: a million-line file paid ~7 s of server time for a million
-- checks of the one file row it was itself adding (measured: psql \copy of
-- the finished rows into facts, 10.6 s with the foreign keys, 4.7 s
-- without). The same guarantees, per statement instead:
--   * rows added: the files and shipments they name must exist, and are
--     locked FOR KEY SHARE, once each, as a foreign key would lock them;
--   * a row's file or shipment changed: checked and locked the same way;
--   * a file or shipment deleted (a shipment merged away) or renumbered
--     while lines still name it: refused.
-- SQLite keeps its foreign keys: its checks cost a lookup, not a lock.
-- (No question marks in the bodies below: the store numbers them as
-- parameters.)
ALTER TABLE facts DROP CONSTRAINT facts_file_id_fkey;
ALTER TABLE facts DROP CONSTRAINT facts_shipment_id_fkey;

-- facts_refs_exist locks the given files and shipments and fails naming
-- the first one missing.
CREATE FUNCTION facts_refs_exist(file_ids BIGINT[], shipment_ids BIGINT[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	missing BIGINT;
BEGIN
	PERFORM 1 FROM files WHERE id = ANY (file_ids) FOR KEY SHARE;
	SELECT w.id INTO missing FROM unnest(file_ids) AS w (id)
		WHERE w.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM files WHERE files.id = w.id) LIMIT 1;
	IF FOUND THEN
		RAISE foreign_key_violation USING TABLE = 'facts',
			MESSAGE = format('insert or update on table "facts" violates foreign key facts.file_id: file %s does not exist', missing);
	END IF;
	PERFORM 1 FROM shipments WHERE id = ANY (shipment_ids) FOR KEY SHARE;
	SELECT w.id INTO missing FROM unnest(shipment_ids) AS w (id)
		WHERE w.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM shipments WHERE shipments.id = w.id) LIMIT 1;
	IF FOUND THEN
		RAISE foreign_key_violation USING TABLE = 'facts',
			MESSAGE = format('insert or update on table "facts" violates foreign key facts.shipment_id: shipment %s does not exist', missing);
	END IF;
END $$;

CREATE FUNCTION facts_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM facts_refs_exist(
		ARRAY(SELECT DISTINCT file_id FROM added_facts),
		ARRAY(SELECT DISTINCT shipment_id FROM added_facts WHERE shipment_id IS NOT NULL));
	RETURN NULL;
END $$;

CREATE TRIGGER facts_added AFTER INSERT ON facts
	REFERENCING NEW TABLE AS added_facts FOR EACH STATEMENT EXECUTE FUNCTION facts_added();

CREATE FUNCTION facts_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM facts_refs_exist(ARRAY[NEW.file_id], ARRAY[NEW.shipment_id]);
	RETURN NULL;
END $$;

CREATE TRIGGER facts_moved AFTER UPDATE OF file_id, shipment_id ON facts FOR EACH ROW
	WHEN (NEW.file_id IS DISTINCT FROM OLD.file_id OR NEW.shipment_id IS DISTINCT FROM OLD.shipment_id)
	EXECUTE FUNCTION facts_moved();

-- An AFTER trigger, as a foreign key's own: it runs once the row is gone
-- (after waiting for a transaction that locked it), and its query sees
-- the lines that transaction committed.
CREATE FUNCTION facts_referent_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
		RETURN NULL;
	END IF;
	IF TG_TABLE_NAME = 'files' AND EXISTS (SELECT 1 FROM facts WHERE file_id = OLD.id) THEN
		RAISE foreign_key_violation USING TABLE = 'facts',
			MESSAGE = format('update or delete on table "files" violates foreign key facts.file_id: file %s is still named by lines in facts', OLD.id);
	END IF;
	IF TG_TABLE_NAME = 'shipments' AND EXISTS (SELECT 1 FROM facts WHERE shipment_id = OLD.id) THEN
		RAISE foreign_key_violation USING TABLE = 'facts',
			MESSAGE = format('update or delete on table "shipments" violates foreign key facts.shipment_id: shipment %s is still named by lines in facts', OLD.id);
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER facts_file_gone AFTER DELETE OR UPDATE OF id ON files
	FOR EACH ROW EXECUTE FUNCTION facts_referent_gone();
CREATE TRIGGER facts_shipment_gone AFTER DELETE OR UPDATE OF id ON shipments
	FOR EACH ROW EXECUTE FUNCTION facts_referent_gone();
