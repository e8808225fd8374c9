-- Up Migration

-- The incremental summary (GET /api/v1/me/summary?since=<cursor>, issue 18): per device and UTC
-- day (of the raw start, as visit_rollup_days), the transaction that last changed its visits,
-- written in that transaction. A summary's cursor is its reader's snapshot
-- (pg_current_snapshot()); the days changed since are those whose last writer is not visible in
-- it. A transaction id is not in commit order (a writer may take a lower one and commit after a
-- reader saw a higher one), but visibility in a snapshot is exactly "committed before it". One
-- row per day is enough: writers of a day update its row, so the second waits for the first's
-- commit and the row's id is always that of the last to commit; when any writer of the day is
-- not visible in a cursor, the last is not either.
CREATE TABLE summary_changes (
  device_id uuid NOT NULL,
  day date NOT NULL,
  xid xid8 NOT NULL,
  PRIMARY KEY (device_id, day)
);

-- Statement triggers on visits beside the rollups' (their transition tables are the same ones
-- PostgreSQL already keeps for those, so this costs one small upsert per statement). Only rows
-- inserted count: a resend that stores nothing changes nothing. Rows locked in key order, as the
-- rollups'. Deletes from a single partition (retention, rollup-partitions.ts) and dropped
-- months (summary-days-partitions.ts) fire none of these and are recorded there.
CREATE FUNCTION summary_changes_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO summary_changes AS c (device_id, day, xid)
  SELECT DISTINCT n.device_id, (n.started_at AT TIME ZONE 'UTC')::date, pg_current_xact_id()
    FROM new_visits n
   ORDER BY 1, 2
  ON CONFLICT (device_id, day) DO UPDATE SET xid = EXCLUDED.xid WHERE c.xid <> EXCLUDED.xid;
  RETURN NULL;
END $$;

CREATE FUNCTION summary_changes_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO summary_changes AS c (device_id, day, xid)
  SELECT DISTINCT o.device_id, (o.started_at AT TIME ZONE 'UTC')::date, pg_current_xact_id()
    FROM old_visits o
   ORDER BY 1, 2
  ON CONFLICT (device_id, day) DO UPDATE SET xid = EXCLUDED.xid WHERE c.xid <> EXCLUDED.xid;
  RETURN NULL;
END $$;

CREATE TRIGGER visits_summary_changes_insert AFTER INSERT ON visits
  REFERENCING NEW TABLE AS new_visits
  FOR EACH STATEMENT EXECUTE FUNCTION summary_changes_add();
CREATE TRIGGER visits_summary_changes_delete AFTER DELETE ON visits
  REFERENCING OLD TABLE AS old_visits
  FOR EACH STATEMENT EXECUTE FUNCTION summary_changes_subtract();

-- The days already stored count as changed by a transaction every snapshot sees: a cursor
-- cannot be older than this migration.
INSERT INTO summary_changes (device_id, day, xid)
SELECT DISTINCT device_id, day, '1'::xid8 FROM visit_rollup_days;

GRANT SELECT, INSERT, UPDATE, DELETE ON summary_changes TO tracksphere_app;
-- The consumer's inserts into visits record their days as the writer.
GRANT SELECT, INSERT, UPDATE ON summary_changes TO tracksphere_writer;

-- Down Migration
DROP TRIGGER visits_summary_changes_delete ON visits;
DROP TRIGGER visits_summary_changes_insert ON visits;
DROP FUNCTION summary_changes_subtract();
DROP FUNCTION summary_changes_add();
DROP TABLE summary_changes;
