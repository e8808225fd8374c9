-- Up Migration

-- Dashboards at study scale (issue 19): rollups at the grain the panels read, kept by statement
-- triggers on visits in the statement that writes or deletes the visits (as visit_rollup). At a
-- study's density (tens of visits per device and day over thousands of domains) visit_rollup's
-- (hour, device, domain) rows are nearly as many as the visits; these drop a dimension each:
--   visit_device_hours  per UTC hour of the raw start, device and parsed User-Agent (browser,
--                       its major version, OS, device type): the Overview totals and series,
--                       the Audience shares, the Study days' devices;
--   visit_domain_days   per UTC day of the raw start and domain: top domains, the Domains count,
--                       the Domain variable;
--   visit_domain_hours  per UTC hour and domain: the chosen domains' series (a few domains over
--                       many hours, by its key);
--   visit_sessions      one row per (device, session): first corrected start, last corrected
--                       end, last corrected start, visits, and the raw start span its visits lie
--                       in (which maintenance uses to find a session's visits again).
-- Like visit_rollup they count a visit in the hour or day of its RAW client start. Statements on
-- a partition of visits fire none of the triggers: partition maintenance subtracts what it
-- deletes there itself (data-access/rollup-partitions.ts).
CREATE TABLE visit_device_hours (
  hour timestamptz NOT NULL,
  device_id uuid NOT NULL,
  browser_name text,
  browser_major text,
  os_name text,
  device_type text,
  active_ms bigint NOT NULL,
  visits bigint NOT NULL
);
-- NULLS NOT DISTINCT: a visit whose User-Agent did not parse adds to one row, not a new one.
CREATE UNIQUE INDEX visit_device_hours_key ON visit_device_hours
  (device_id, hour, browser_name, browser_major, os_name, device_type) NULLS NOT DISTINCT;
CREATE INDEX visit_device_hours_hour_idx ON visit_device_hours (hour);

CREATE TABLE visit_domain_days (
  day timestamptz NOT NULL,
  domain text NOT NULL,
  active_ms bigint NOT NULL,
  visits bigint NOT NULL,
  PRIMARY KEY (day, domain)
);

CREATE TABLE visit_domain_hours (
  domain text NOT NULL,
  hour timestamptz NOT NULL,
  active_ms bigint NOT NULL,
  visits bigint NOT NULL,
  PRIMARY KEY (domain, hour)
);

CREATE TABLE visit_sessions (
  device_id uuid NOT NULL,
  session_id uuid NOT NULL,
  started timestamptz NOT NULL,
  ended timestamptz NOT NULL,
  last_start timestamptz NOT NULL,
  visits bigint NOT NULL,
  first_raw timestamptz NOT NULL,
  last_raw timestamptz NOT NULL,
  PRIMARY KEY (device_id, session_id)
);
CREATE INDEX visit_sessions_started_idx ON visit_sessions (started);
-- A session is in a range when one of its visits started there: its first or last start is.
CREATE INDEX visit_sessions_last_start_idx ON visit_sessions (last_start);
CREATE INDEX visit_sessions_raw_idx ON visit_sessions (first_raw);

-- Sessions of (devices[i], sessions[i]) made again from visits: a minimum and a maximum cannot
-- be subtracted. A session's visits lie within its raw start span, so each is found by the
-- (device_id, started_at) index; a session left with no visits goes.
CREATE FUNCTION visit_sessions_refresh(devices uuid[], sessions uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  -- The sessions' rows first, in key order, in a statement of their own: a writer that added a
  -- visit to one holds its row until it commits, and the statements below (each with a fresh
  -- snapshot: the function is volatile) then see that visit. Read before the lock, it would be
  -- missed and its count overwritten.
  PERFORM 1 FROM visit_sessions s
     JOIN unnest(devices, sessions) AS g (device_id, session_id) USING (device_id, session_id)
   ORDER BY s.device_id, s.session_id
     FOR UPDATE OF s;
  WITH k AS (
    SELECT s.device_id, s.session_id, s.first_raw, s.last_raw
      FROM visit_sessions s
      JOIN unnest(devices, sessions) AS g (device_id, session_id) USING (device_id, session_id)
  ), fresh AS (
    SELECT v.device_id, v.session_id, min(v.started_at_corrected) AS started,
           max(v.ended_at_corrected) AS ended, max(v.started_at_corrected) AS last_start,
           count(*) AS visits, min(v.started_at) AS first_raw, max(v.started_at) AS last_raw
      FROM k JOIN visits v
        ON v.device_id = k.device_id AND v.session_id = k.session_id
       AND v.started_at BETWEEN k.first_raw AND k.last_raw
     GROUP BY 1, 2
  )
  UPDATE visit_sessions s
     SET started = f.started, ended = f.ended, last_start = f.last_start, visits = f.visits,
         first_raw = f.first_raw, last_raw = f.last_raw
    FROM fresh f
   WHERE s.device_id = f.device_id AND s.session_id = f.session_id;
  DELETE FROM visit_sessions s
   USING unnest(devices, sessions) AS g (device_id, session_id)
   WHERE s.device_id = g.device_id AND s.session_id = g.session_id
     AND NOT EXISTS (
       SELECT 1 FROM visits v
        WHERE v.device_id = s.device_id AND v.session_id = s.session_id
          AND v.started_at BETWEEN s.first_raw AND s.last_raw);
END $$;

-- Each statement's rows locked in key order, as visit_rollup's, so concurrent writers and an
-- erase cannot deadlock on them.
CREATE FUNCTION visit_dashboard_rollups_add() RETURNS trigger LANGUAGE plpgsql AS $$
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
  INSERT INTO visit_domain_days AS r (day, domain, active_ms, visits)
  SELECT date_trunc('day', n.started_at, 'UTC'), n.domain, sum(n.active_ms)::bigint, count(*)
    FROM new_visits n
   GROUP BY 1, 2
   ORDER BY 1, 2
  ON CONFLICT (day, domain) DO UPDATE
    SET active_ms = r.active_ms + EXCLUDED.active_ms, visits = r.visits + EXCLUDED.visits;
  INSERT INTO visit_domain_hours AS r (domain, hour, active_ms, visits)
  SELECT n.domain, date_trunc('hour', n.started_at, 'UTC'), sum(n.active_ms)::bigint, count(*)
    FROM new_visits n
   GROUP BY 1, 2
   ORDER BY 1, 2
  ON CONFLICT (domain, hour) DO UPDATE
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
  RETURN NULL;
END $$;

CREATE FUNCTION visit_dashboard_rollups_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
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

  WITH gone AS (
    SELECT date_trunc('day', o.started_at, 'UTC') AS day, o.domain,
           sum(o.active_ms)::bigint AS active_ms, count(*) AS visits
      FROM old_visits o
     GROUP BY 1, 2
  ), locked AS MATERIALIZED (
    SELECT r.day, r.domain
      FROM visit_domain_days r JOIN gone g USING (day, domain)
     ORDER BY r.day, r.domain
       FOR UPDATE OF r
  )
  UPDATE visit_domain_days r
     SET active_ms = r.active_ms - g.active_ms, visits = r.visits - g.visits
    FROM gone g, locked l
   WHERE r.day = g.day AND r.domain = g.domain AND l.day = g.day AND l.domain = g.domain;
  DELETE FROM visit_domain_days r
   USING (SELECT DISTINCT date_trunc('day', o.started_at, 'UTC') AS day, o.domain
            FROM old_visits o) g
   WHERE r.day = g.day AND r.domain = g.domain AND r.visits <= 0;

  WITH gone AS (
    SELECT o.domain, date_trunc('hour', o.started_at, 'UTC') AS hour,
           sum(o.active_ms)::bigint AS active_ms, count(*) AS visits
      FROM old_visits o
     GROUP BY 1, 2
  ), locked AS MATERIALIZED (
    SELECT r.domain, r.hour
      FROM visit_domain_hours r JOIN gone g USING (domain, hour)
     ORDER BY r.domain, r.hour
       FOR UPDATE OF r
  )
  UPDATE visit_domain_hours r
     SET active_ms = r.active_ms - g.active_ms, visits = r.visits - g.visits
    FROM gone g, locked l
   WHERE r.domain = g.domain AND r.hour = g.hour AND l.domain = g.domain AND l.hour = g.hour;
  DELETE FROM visit_domain_hours r
   USING (SELECT DISTINCT o.domain, date_trunc('hour', o.started_at, 'UTC') AS hour
            FROM old_visits o) g
   WHERE r.domain = g.domain AND r.hour = g.hour AND r.visits <= 0;

  SELECT array_agg(device_id), array_agg(session_id) INTO devs, sess
    FROM (SELECT DISTINCT device_id, session_id FROM old_visits ORDER BY 1, 2) k;
  PERFORM visit_sessions_refresh(devs, sess);
  RETURN NULL;
END $$;

CREATE TRIGGER visits_dashboard_rollups_insert AFTER INSERT ON visits
  REFERENCING NEW TABLE AS new_visits FOR EACH STATEMENT
  EXECUTE FUNCTION visit_dashboard_rollups_add();
CREATE TRIGGER visits_dashboard_rollups_delete AFTER DELETE ON visits
  REFERENCING OLD TABLE AS old_visits FOR EACH STATEMENT
  EXECUTE FUNCTION visit_dashboard_rollups_subtract();

-- What partition maintenance calls after it dropped visits' month [from_at, to_at) (no trigger
-- fires for a DROP): the sums of that month go, and the sessions with a visit in it are made
-- again from what is left.
CREATE FUNCTION visit_dashboard_rollups_forget(from_at timestamptz, to_at timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  devs uuid[];
  sess uuid[];
BEGIN
  DELETE FROM visit_device_hours WHERE hour >= from_at AND hour < to_at;
  DELETE FROM visit_domain_days WHERE day >= from_at AND day < to_at;
  DELETE FROM visit_domain_hours WHERE hour >= from_at AND hour < to_at;
  SELECT array_agg(device_id), array_agg(session_id) INTO devs, sess
    FROM (SELECT device_id, session_id FROM visit_sessions
           WHERE first_raw < to_at AND last_raw >= from_at ORDER BY 1, 2) k;
  PERFORM visit_sessions_refresh(devs, sess);
END $$;

-- What is stored already.
INSERT INTO visit_device_hours
  (hour, device_id, browser_name, browser_major, os_name, device_type, active_ms, visits)
SELECT date_trunc('hour', started_at, 'UTC'), device_id, browser_name,
       split_part(browser_version, '.', 1), os_name, device_type, sum(active_ms)::bigint, count(*)
  FROM visits GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO visit_domain_days (day, domain, active_ms, visits)
SELECT date_trunc('day', started_at, 'UTC'), domain, sum(active_ms)::bigint, count(*)
  FROM visits GROUP BY 1, 2;
INSERT INTO visit_domain_hours (domain, hour, active_ms, visits)
SELECT domain, date_trunc('hour', started_at, 'UTC'), sum(active_ms)::bigint, count(*)
  FROM visits GROUP BY 1, 2;
INSERT INTO visit_sessions
  (device_id, session_id, started, ended, last_start, visits, first_raw, last_raw)
SELECT device_id, session_id, min(started_at_corrected), max(ended_at_corrected),
       max(started_at_corrected), count(*), min(started_at), max(started_at)
  FROM visits GROUP BY 1, 2;

-- The API (embedded writer, erase) and the consumer's writer add; erases and maintenance take
-- out. Aggregates and session bounds only: no URLs or titles.
GRANT SELECT, INSERT, UPDATE, DELETE ON visit_device_hours, visit_domain_days, visit_domain_hours,
  visit_sessions
  TO tracksphere_app;
GRANT SELECT, INSERT, UPDATE ON visit_device_hours, visit_domain_days, visit_domain_hours,
  visit_sessions
  TO tracksphere_writer;
GRANT SELECT ON visit_device_hours, visit_domain_days, visit_domain_hours,
  visit_sessions TO grafana_reader;

-- The Study view of days counts each day's devices from the device hours (far fewer rows than
-- visit_rollup's); the same groups and suppression as before.
CREATE OR REPLACE VIEW study_daily AS
WITH v AS (
  SELECT date_trunc('day', r.hour, 'UTC') AS day,
         coalesce(c.name, '(none)') AS cohort,
         r.device_id,
         r.visits,
         r.active_ms
  FROM visit_device_hours r
  JOIN devices d ON d.id = r.device_id
  LEFT JOIN cohorts c ON c.id = d.cohort_id
), g AS (
  SELECT day, cohort, count(DISTINCT device_id) AS devices, sum(visits)::bigint AS visits,
         sum(active_ms) AS active_ms
  FROM v
  GROUP BY day, cohort
)
SELECT g.day, g.cohort, g.devices, g.visits, g.active_ms
FROM g CROSS JOIN study_settings s
WHERE g.devices >= s.min_group_devices;

-- Down Migration
CREATE OR REPLACE VIEW study_daily AS
WITH v AS (
  SELECT date_trunc('day', r.hour, 'UTC') AS day,
         coalesce(c.name, '(none)') AS cohort,
         r.device_id,
         r.visits,
         r.active_ms
  FROM visit_rollup r
  JOIN devices d ON d.id = r.device_id
  LEFT JOIN cohorts c ON c.id = d.cohort_id
), g AS (
  SELECT day, cohort, count(DISTINCT device_id) AS devices, sum(visits)::bigint AS visits,
         sum(active_ms) AS active_ms
  FROM v
  GROUP BY day, cohort
)
SELECT g.day, g.cohort, g.devices, g.visits, g.active_ms
FROM g CROSS JOIN study_settings s
WHERE g.devices >= s.min_group_devices;
DROP TRIGGER visits_dashboard_rollups_delete ON visits;
DROP TRIGGER visits_dashboard_rollups_insert ON visits;
DROP FUNCTION visit_dashboard_rollups_forget(timestamptz, timestamptz);
DROP FUNCTION visit_dashboard_rollups_subtract();
DROP FUNCTION visit_dashboard_rollups_add();
DROP FUNCTION visit_sessions_refresh(uuid[], uuid[]);
DROP TABLE visit_sessions;
DROP TABLE visit_domain_hours;
DROP TABLE visit_domain_days;
DROP TABLE visit_device_hours;
