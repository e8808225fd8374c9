-- Up Migration

-- The per-domain rollups without shared row locks (issue 19). visit_domain_days and
-- visit_domain_hours have one row per (day or hour, domain) for every device: writers of a
-- popular domain updated the same rows and held them until commit, so they waited on each other,
-- and two writers of several statements each could take two domains' rows in opposite order and
-- deadlock. Now:
--   visit_domain_*_delta   append-only: a writer's trigger adds one row per (day or hour, domain)
--                          of its statement, an erase one with the negated sums. A plain INSERT
--                          locks no existing row, so writers never wait on each other here;
--   visit_domain_*_folded  the totals, which only the fold (visit_rollups_fold) updates;
--   visit_domain_days,     views of the same names and columns as the tables before: the folded
--   visit_domain_hours     totals plus the unfolded deltas, per key, keys whose visits sum to
--                          zero left out. The fold moves deltas into totals in one transaction,
--                          so a reader sees every committed visit exactly once at any moment.
-- The Grafana queries read the views unchanged. The per-device rollups (visit_rollup and its
-- days, visit_device_hours, visit_sessions) stay upserts: a device's rows are shared only by
-- writers of that device, and each statement takes them in key order.
ALTER TABLE visit_domain_days RENAME TO visit_domain_days_folded;
ALTER TABLE visit_domain_hours RENAME TO visit_domain_hours_folded;

CREATE TABLE visit_domain_days_delta (
  day timestamptz NOT NULL,
  domain text NOT NULL,
  active_ms bigint NOT NULL,
  visits bigint NOT NULL
);
CREATE TABLE visit_domain_hours_delta (
  domain text NOT NULL,
  hour timestamptz NOT NULL,
  active_ms bigint NOT NULL,
  visits bigint NOT NULL
);

-- A panel's range or domains reach both sides: PostgreSQL pushes a condition on the grouped
-- columns into each branch of the UNION ALL, so the folded totals are read by their keys.
CREATE VIEW visit_domain_days AS
SELECT day, domain, sum(active_ms)::bigint AS active_ms, sum(visits)::bigint AS visits
  FROM (SELECT day, domain, active_ms, visits FROM visit_domain_days_folded
        UNION ALL
        SELECT day, domain, active_ms, visits FROM visit_domain_days_delta) t
 GROUP BY day, domain
HAVING sum(visits) > 0;
CREATE VIEW visit_domain_hours AS
SELECT domain, hour, sum(active_ms)::bigint AS active_ms, sum(visits)::bigint AS visits
  FROM (SELECT domain, hour, active_ms, visits FROM visit_domain_hours_folded
        UNION ALL
        SELECT domain, hour, active_ms, visits FROM visit_domain_hours_delta) t
 GROUP BY domain, hour
HAVING sum(visits) > 0;

-- Moves every committed delta into the totals; one call is one transaction. DELETE ...
-- RETURNING takes each delta row once (a second folder waits for the first's rows and then
-- finds them gone), and a writer's rows not yet committed stay for the next fold. The advisory
-- lock makes folders (and visit_dashboard_rollups_forget) take turns, so two never lock the
-- totals' rows in different orders. SECURITY DEFINER: the consumer's role may fold (it can
-- neither delete nor update otherwise), and the function does nothing but move sums.
CREATE FUNCTION visit_rollups_fold() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  d_days timestamptz[];
  d_domains text[];
  h_domains text[];
  h_hours timestamptz[];
  n_days bigint;
  n_hours bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('visit_rollups_fold'));
  WITH moved AS (
    DELETE FROM visit_domain_days_delta RETURNING day, domain, active_ms, visits
  ), summed AS (
    SELECT day, domain, sum(active_ms)::bigint AS active_ms, sum(visits)::bigint AS visits,
           count(*) AS n
      FROM moved GROUP BY day, domain
  ), up AS (
    INSERT INTO visit_domain_days_folded AS r (day, domain, active_ms, visits)
    SELECT day, domain, active_ms, visits FROM summed ORDER BY day, domain
    ON CONFLICT (day, domain) DO UPDATE
      SET active_ms = r.active_ms + EXCLUDED.active_ms, visits = r.visits + EXCLUDED.visits
    RETURNING r.day, r.domain, r.visits
  )
  SELECT (SELECT coalesce(sum(n), 0) FROM summed),
         array_agg(day) FILTER (WHERE visits <= 0), array_agg(domain) FILTER (WHERE visits <= 0)
    INTO n_days, d_days, d_domains
    FROM up;
  DELETE FROM visit_domain_days_folded r
   USING unnest(d_days, d_domains) AS g (day, domain)
   WHERE r.day = g.day AND r.domain = g.domain AND r.visits <= 0;

  WITH moved AS (
    DELETE FROM visit_domain_hours_delta RETURNING domain, hour, active_ms, visits
  ), summed AS (
    SELECT domain, hour, sum(active_ms)::bigint AS active_ms, sum(visits)::bigint AS visits,
           count(*) AS n
      FROM moved GROUP BY domain, hour
  ), up AS (
    INSERT INTO visit_domain_hours_folded AS r (domain, hour, active_ms, visits)
    SELECT domain, hour, active_ms, visits FROM summed ORDER BY domain, hour
    ON CONFLICT (domain, hour) DO UPDATE
      SET active_ms = r.active_ms + EXCLUDED.active_ms, visits = r.visits + EXCLUDED.visits
    RETURNING r.domain, r.hour, r.visits
  )
  SELECT (SELECT coalesce(sum(n), 0) FROM summed),
         array_agg(domain) FILTER (WHERE visits <= 0), array_agg(hour) FILTER (WHERE visits <= 0)
    INTO n_hours, h_domains, h_hours
    FROM up;
  DELETE FROM visit_domain_hours_folded r
   USING unnest(h_domains, h_hours) AS g (domain, hour)
   WHERE r.domain = g.domain AND r.hour = g.hour AND r.visits <= 0;
  RETURN n_days + n_hours;
END $$;
REVOKE ALL ON FUNCTION visit_rollups_fold() FROM PUBLIC;

-- The writer's triggers: the per-device rollups as before (rows in key order), the per-domain
-- ones appended.
CREATE OR REPLACE FUNCTION visit_dashboard_rollups_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO visit_device_hours AS r
    (hour, device_id, browser_name, browser_major, os_name, device_type, active_ms, visits)
  SELECT date_trunc('hour', n.started_at, 'UTC'), n.device_id, n.browser_name,
         split_part(n.browser_version, '.', 1), n.os_name, n.device_type,
         sum(n.active_ms)::bigint, count(*)
    FROM new_visits n
   GROUP BY 1, 2, 3, 4, 5, 6
   ORDER BY 2, 1, 3, 4, 5, 6
  ON CONFLICT (device_id, hour, browser_name, browser_major, os_name, device_type) DO UPDATE
    SET active_ms = r.active_ms + EXCLUDED.active_ms, visits = r.visits + EXCLUDED.visits;
  INSERT INTO visit_sessions AS r
    (device_id, session_id, started, ended, last_start, visits, first_raw, last_raw)
  SELECT n.device_id, n.session_id, min(n.started_at_corrected), max(n.ended_at_corrected),
         max(n.started_at_corrected), count(*), min(n.started_at), max(n.started_at)
    FROM new_visits n
   GROUP BY 1, 2
   ORDER BY 1, 2
  ON CONFLICT (device_id, session_id) DO UPDATE
    SET started = least(r.started, EXCLUDED.started), ended = greatest(r.ended, EXCLUDED.ended),
        last_start = greatest(r.last_start, EXCLUDED.last_start),
        visits = r.visits + EXCLUDED.visits, first_raw = least(r.first_raw, EXCLUDED.first_raw),
        last_raw = greatest(r.last_raw, EXCLUDED.last_raw);
  INSERT INTO visit_domain_days_delta (day, domain, active_ms, visits)
  SELECT date_trunc('day', n.started_at, 'UTC'), n.domain, sum(n.active_ms)::bigint, count(*)
    FROM new_visits n
   GROUP BY 1, 2;
  INSERT INTO visit_domain_hours_delta (domain, hour, active_ms, visits)
  SELECT n.domain, date_trunc('hour', n.started_at, 'UTC'), sum(n.active_ms)::bigint, count(*)
    FROM new_visits n
   GROUP BY 1, 2;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION visit_dashboard_rollups_subtract() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  devs uuid[];
  sess uuid[];
BEGIN
  WITH gone AS (
    SELECT date_trunc('hour', o.started_at, 'UTC') AS hour, o.device_id, o.browser_name,
           split_part(o.browser_version, '.', 1) AS browser_major, o.os_name, o.device_type,
           sum(o.active_ms)::bigint AS active_ms, count(*) AS visits
      FROM old_visits o
     GROUP BY 1, 2, 3, 4, 5, 6
  ), locked AS MATERIALIZED (
    SELECT r.ctid AS row_id, g.active_ms, g.visits
      FROM visit_device_hours r
      JOIN gone g ON r.device_id = g.device_id AND r.hour = g.hour
       AND r.browser_name IS NOT DISTINCT FROM g.browser_name
       AND r.browser_major IS NOT DISTINCT FROM g.browser_major
       AND r.os_name IS NOT DISTINCT FROM g.os_name
       AND r.device_type IS NOT DISTINCT FROM g.device_type
     ORDER BY r.device_id, r.hour
       FOR UPDATE OF r
  )
  UPDATE visit_device_hours r
     SET active_ms = r.active_ms - l.active_ms, visits = r.visits - l.visits
    FROM locked l
   WHERE r.ctid = l.row_id;
  DELETE FROM visit_device_hours r
   USING (SELECT DISTINCT date_trunc('hour', o.started_at, 'UTC') AS hour, o.device_id
            FROM old_visits o) g
   WHERE r.device_id = g.device_id AND r.hour = g.hour AND r.visits <= 0;

  INSERT INTO visit_domain_days_delta (day, domain, active_ms, visits)
  SELECT date_trunc('day', o.started_at, 'UTC'), o.domain, -sum(o.active_ms)::bigint, -count(*)
    FROM old_visits o
   GROUP BY 1, 2;
  INSERT INTO visit_domain_hours_delta (domain, hour, active_ms, visits)
  SELECT o.domain, date_trunc('hour', o.started_at, 'UTC'), -sum(o.active_ms)::bigint, -count(*)
    FROM old_visits o
   GROUP BY 1, 2;

  SELECT array_agg(device_id), array_agg(session_id) INTO devs, sess
    FROM (SELECT DISTINCT device_id, session_id FROM old_visits ORDER BY 1, 2) k;
  PERFORM visit_sessions_refresh(devs, sess);
  RETURN NULL;
END $$;

-- A dropped month leaves the domain sums too: its deltas and totals go, after any fold running
-- (the fold's lock), so a fold cannot bring back what this deleted.
CREATE OR REPLACE FUNCTION visit_dashboard_rollups_forget(from_at timestamptz, to_at timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  devs uuid[];
  sess uuid[];
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('visit_rollups_fold'));
  DELETE FROM visit_device_hours WHERE hour >= from_at AND hour < to_at;
  DELETE FROM visit_domain_days_delta WHERE day >= from_at AND day < to_at;
  DELETE FROM visit_domain_days_folded WHERE day >= from_at AND day < to_at;
  DELETE FROM visit_domain_hours_delta WHERE hour >= from_at AND hour < to_at;
  DELETE FROM visit_domain_hours_folded WHERE hour >= from_at AND hour < to_at;
  SELECT array_agg(device_id), array_agg(session_id) INTO devs, sess
    FROM (SELECT device_id, session_id FROM visit_sessions
           WHERE first_raw < to_at AND last_raw >= from_at ORDER BY 1, 2) k;
  PERFORM visit_sessions_refresh(devs, sess);
END $$;

-- The writer appends deltas and folds (through the function); it no longer updates the totals.
REVOKE INSERT, UPDATE ON visit_domain_days_folded, visit_domain_hours_folded
  FROM tracksphere_writer;
GRANT INSERT ON visit_domain_days_delta, visit_domain_hours_delta TO tracksphere_writer;
GRANT EXECUTE ON FUNCTION visit_rollups_fold() TO tracksphere_writer, tracksphere_app;
GRANT SELECT, INSERT, DELETE ON visit_domain_days_delta, visit_domain_hours_delta
  TO tracksphere_app;
-- Grafana reads the views (which read the tables as their owner).
REVOKE SELECT ON visit_domain_days_folded, visit_domain_hours_folded FROM grafana_reader;
GRANT SELECT ON visit_domain_days, visit_domain_hours TO grafana_reader;

-- The summary's daily rollup from the visits themselves, in the same pass as the hours. It was
-- kept by statement triggers on visit_rollup, from the hours' transition tables: every upsert
-- of hours captured each row it inserted or updated twice (old and new), and a second trigger
-- joined them to find the change. Half the writer's cost of its rollups went there (docs/
-- performance.md). Now visit_rollup_add and visit_rollup_subtract move the days by the same
-- sums as the hours, and partition maintenance's row deletes do too (rollup-partitions.ts).
-- visit_rollup's DELETE trigger stays: deleting an emptied hour deletes its day once empty.
DROP TRIGGER visit_rollup_days_insert ON visit_rollup;
DROP TRIGGER visit_rollup_days_update ON visit_rollup;
DROP FUNCTION visit_rollup_days_add();
DROP FUNCTION visit_rollup_days_change();

CREATE OR REPLACE FUNCTION visit_rollup_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO visit_rollup AS r (hour, device_id, domain, active_ms, visits)
  SELECT date_trunc('hour', n.started_at, 'UTC'), n.device_id, n.domain,
         sum(n.active_ms)::bigint, count(*)
    FROM new_visits n
   GROUP BY 1, 2, 3
   ORDER BY 2, 1, 3
  ON CONFLICT (device_id, hour, domain) DO UPDATE
    SET active_ms = r.active_ms + EXCLUDED.active_ms, visits = r.visits + EXCLUDED.visits;
  INSERT INTO visit_rollup_days AS r (device_id, day, domain, active_ms, visits)
  SELECT n.device_id, (n.started_at AT TIME ZONE 'UTC')::date, n.domain,
         sum(n.active_ms)::bigint, count(*)
    FROM new_visits n
   GROUP BY 1, 2, 3
   ORDER BY 1, 2, 3
  ON CONFLICT (device_id, day, domain) DO UPDATE
    SET active_ms = r.active_ms + EXCLUDED.active_ms, visits = r.visits + EXCLUDED.visits;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION visit_rollup_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
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
  WITH gone AS (
    SELECT o.device_id, (o.started_at AT TIME ZONE 'UTC')::date AS day, o.domain,
           sum(o.active_ms)::bigint AS active_ms, count(*) AS visits
      FROM old_visits o
     GROUP BY 1, 2, 3
  ), locked AS MATERIALIZED (
    SELECT r.device_id, r.day, r.domain
      FROM visit_rollup_days r JOIN gone g USING (device_id, day, domain)
     ORDER BY r.device_id, r.day, r.domain
       FOR UPDATE OF r
  )
  UPDATE visit_rollup_days r
     SET active_ms = r.active_ms - g.active_ms, visits = r.visits - g.visits
    FROM gone g, locked l
   WHERE r.device_id = g.device_id AND r.day = g.day AND r.domain = g.domain
     AND l.device_id = g.device_id AND l.day = g.day AND l.domain = g.domain;
  -- Emptied hours go; visit_rollup's DELETE trigger then deletes the days left empty.
  DELETE FROM visit_rollup r
   USING (SELECT DISTINCT date_trunc('hour', o.started_at, 'UTC') AS hour, o.device_id, o.domain
            FROM old_visits o) g
   WHERE r.device_id = g.device_id AND r.hour = g.hour AND r.domain = g.domain
     AND r.visits <= 0;
  RETURN NULL;
END $$;

-- Down Migration
-- Not undone in place: undoing it means folding the deltas, turning the views back into tables
-- and restoring the trigger functions it replaced exactly as they were. Without this section the
-- tool would record it as undone and leave everything in place (and redoing it would then fail
-- at the first RENAME), so it refuses instead: restore the backup taken before it.
DO $$ BEGIN
  RAISE EXCEPTION 'migration rollup-deltas cannot be undone in place: restore the backup taken before it';
END $$;
