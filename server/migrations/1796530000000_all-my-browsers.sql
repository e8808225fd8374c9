-- Up Migration

-- All my browsers (issue 18): devices linked into one person, single-use link codes, and an
-- hourly rollup of visits the person's devices read their combined figures from.

-- The person a device belongs to. No table of persons: a person is the set of devices sharing
-- the id. NULL: the device is alone (it sees its own figures only).
ALTER TABLE devices ADD COLUMN person_id uuid;
CREATE INDEX devices_person_id_idx ON devices (person_id) WHERE person_id IS NOT NULL;

-- Link codes: only SHA-256 of the code is kept. A code is used once (used_at), expires, and
-- goes with the device that issued it (ON DELETE CASCADE: an erase).
CREATE TABLE link_codes (
  code_hash bytea PRIMARY KEY CHECK (octet_length(code_hash) = 32),
  device_id uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX link_codes_device_id_idx ON link_codes (device_id);
CREATE INDEX link_codes_expires_at_idx ON link_codes (expires_at);

-- The rollup of visits per UTC hour, device and domain. A visit counts in the hour of its
-- started_at (the browser's clock, as the extension's own daily figures count it and as
-- visits is partitioned), so the rollup's month M holds exactly the visits of visits' month M:
-- partition maintenance creates and drops both together (data-access/rollup-partitions.ts).
-- Whole hours give the days of any zone with a whole-hour offset exactly.
CREATE TABLE visit_rollup (
  hour timestamptz NOT NULL,
  device_id uuid NOT NULL,
  domain text NOT NULL,
  active_ms bigint NOT NULL,
  visits bigint NOT NULL,
  PRIMARY KEY (device_id, hour, domain)
) PARTITION BY RANGE (hour);
CREATE TABLE visit_rollup_default PARTITION OF visit_rollup DEFAULT;
-- Dashboards read all devices over a range of hours.
CREATE INDEX visit_rollup_hour_idx ON visit_rollup (hour);

-- The rollup is kept by triggers on visits, in the statement that inserts or deletes the
-- visits: every insert path (COPY, INSERT ... ON CONFLICT DO NOTHING, in the API's embedded
-- writer or the consumer) counts exactly the rows it inserted (a resent row is not inserted, so
-- adds nothing), and every DELETE through visits (an erase, whole or selective; retention's
-- row deletes) takes its rows back out. Statements on a partition itself (partition
-- maintenance moving rows out of the default partition, retention's deletes from one
-- partition) fire neither: maintenance subtracts what it deletes there itself.
-- Rows are locked in key order (device, hour, domain) on both sides, so an insert and a
-- concurrent erase of the same device cannot deadlock on them.
CREATE FUNCTION visit_rollup_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO visit_rollup AS r (hour, device_id, domain, active_ms, visits)
  SELECT date_trunc('hour', n.started_at, 'UTC'), n.device_id, n.domain,
         sum(n.active_ms)::bigint, count(*)
    FROM new_visits n
   GROUP BY 1, 2, 3
   ORDER BY 2, 1, 3
  ON CONFLICT (device_id, hour, domain) DO UPDATE
    SET active_ms = r.active_ms + EXCLUDED.active_ms, visits = r.visits + EXCLUDED.visits;
  RETURN NULL;
END $$;

CREATE FUNCTION visit_rollup_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH gone AS (
    SELECT date_trunc('hour', o.started_at, 'UTC') AS hour, o.device_id, o.domain,
           sum(o.active_ms)::bigint AS active_ms, count(*) AS visits
      FROM old_visits o
     GROUP BY 1, 2, 3
  ), locked AS MATERIALIZED (
    SELECT r.device_id, r.hour, r.domain
      FROM visit_rollup r JOIN gone g USING (device_id, hour, domain)
     ORDER BY r.device_id, r.hour, r.domain
       FOR UPDATE OF r
  )
  UPDATE visit_rollup r
     SET active_ms = r.active_ms - g.active_ms, visits = r.visits - g.visits
    FROM gone g, locked l
   WHERE r.device_id = g.device_id AND r.hour = g.hour AND r.domain = g.domain
     AND l.device_id = g.device_id AND l.hour = g.hour AND l.domain = g.domain;
  DELETE FROM visit_rollup r
   USING (SELECT DISTINCT date_trunc('hour', o.started_at, 'UTC') AS hour, o.device_id, o.domain
            FROM old_visits o) g
   WHERE r.device_id = g.device_id AND r.hour = g.hour AND r.domain = g.domain
     AND r.visits <= 0;
  RETURN NULL;
END $$;

CREATE TRIGGER visits_rollup_insert AFTER INSERT ON visits
  REFERENCING NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION visit_rollup_add();
CREATE TRIGGER visits_rollup_delete AFTER DELETE ON visits
  REFERENCING OLD TABLE AS old_visits FOR EACH STATEMENT EXECUTE FUNCTION visit_rollup_subtract();

-- What is stored already: each month of visits gets its month of the rollup, then the counts.
DO $$
DECLARE
  p record;
  m text[];
  from_at timestamptz;
BEGIN
  FOR p IN
    SELECT c.relname AS name FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class pc ON pc.oid = i.inhparent
     WHERE pc.relname = 'visits'
  LOOP
    m := regexp_match(p.name, '^visits_(\d{4})_(\d{2})$');
    CONTINUE WHEN m IS NULL;
    from_at := make_timestamptz(m[1]::int, m[2]::int, 1, 0, 0, 0, 'UTC');
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF visit_rollup FOR VALUES FROM (%L) TO (%L)',
      'visit_rollup_' || m[1] || '_' || m[2], from_at, from_at + interval '1 month');
  END LOOP;
END $$;
INSERT INTO visit_rollup (hour, device_id, domain, active_ms, visits)
SELECT date_trunc('hour', started_at, 'UTC'), device_id, domain, sum(active_ms)::bigint, count(*)
  FROM visits GROUP BY 1, 2, 3;

GRANT SELECT, INSERT, UPDATE, DELETE ON link_codes, visit_rollup TO tracksphere_app;
-- The consumer's inserts into visits run the trigger as the writer: it adds to the rollup
-- (INSERT ... ON CONFLICT DO UPDATE reads the row it updates). Aggregates only; no DELETE.
GRANT SELECT, INSERT, UPDATE ON visit_rollup TO tracksphere_writer;
-- Grafana's long-range panels may read the rollup (hour, device, domain: no URLs or titles).
GRANT SELECT ON visit_rollup TO grafana_reader;

-- Down Migration
DROP TRIGGER visits_rollup_delete ON visits;
DROP TRIGGER visits_rollup_insert ON visits;
DROP FUNCTION visit_rollup_subtract();
DROP FUNCTION visit_rollup_add();
DROP TABLE visit_rollup;
DROP TABLE link_codes;
DROP INDEX devices_person_id_idx;
ALTER TABLE devices DROP COLUMN person_id;
