-- Up Migration

-- Dashboards that protect people. Two things:
--
-- 1. The admin's dashboards (grafana_reader) get a Cohort variable: grafana_reader may read the
--    cohorts' names and each device's cohort.
--
-- 2. The Study dashboards, for people who should see only aggregates, read through a second,
--    more restricted role, grafana_study_reader, that may read these views and nothing else:
--    not visits, not devices, not cohorts. Every row of a view is a group of at least
--    study_settings.min_group_devices distinct devices (MIN_GROUP_DEVICES, default 5):
--      study_daily    per UTC day and cohort: devices, visits, active time. A (day, cohort)
--                     with fewer devices has no row.
--      study_domains  per UTC day, cohort and domain: a domain visited by fewer devices that
--                     day in that cohort is counted under '(other sites)'; that group, too, has
--                     no row when it holds fewer devices, and a (day, cohort) with fewer
--                     devices has none at all.
--      study_cohort_names  the cohorts with at least one such day (the Cohort variable).
--    The groups are the finest the views expose (a device is in one cohort; a day is a day),
--    and the dashboards only add groups up, so no figure is a difference that singles out a
--    smaller group. Devices without a cohort form the cohort '(none)' (cohort names start with
--    a letter or digit, so no cohort can be called that).
--
-- The views run with their owner's privileges (PostgreSQL views are not security_invoker by
-- default): grafana_study_reader needs SELECT on them only. They aggregate the whole history
-- on each query; should that become slow, make them materialized views refreshed hourly.

DO $$
BEGIN
  CREATE ROLE grafana_study_reader NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

GRANT SELECT (id, name) ON cohorts TO grafana_reader;
GRANT SELECT (cohort_id) ON devices TO grafana_reader;

-- One row: the smallest group a Study view shows. deploy/postgres/grant-logins.sql sets it from
-- MIN_GROUP_DEVICES at every start of the stack.
CREATE TABLE study_settings (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  min_group_devices integer NOT NULL DEFAULT 5 CHECK (min_group_devices >= 2)
);
INSERT INTO study_settings DEFAULT VALUES;

CREATE VIEW study_daily AS
WITH v AS (
  SELECT date_trunc('day', v.started_at_corrected, 'UTC') AS day,
         coalesce(c.name, '(none)') AS cohort,
         v.device_id,
         v.active_ms
  FROM visits v
  JOIN devices d ON d.id = v.device_id
  LEFT JOIN cohorts c ON c.id = d.cohort_id
), g AS (
  SELECT day, cohort, count(DISTINCT device_id) AS devices, count(*) AS visits,
         sum(active_ms) AS active_ms
  FROM v
  GROUP BY day, cohort
)
SELECT g.day, g.cohort, g.devices, g.visits, g.active_ms
FROM g CROSS JOIN study_settings s
WHERE g.devices >= s.min_group_devices;

CREATE VIEW study_domains AS
WITH v AS (
  SELECT date_trunc('day', v.started_at_corrected, 'UTC') AS day,
         coalesce(c.name, '(none)') AS cohort,
         v.domain,
         v.device_id,
         v.active_ms
  FROM visits v
  JOIN devices d ON d.id = v.device_id
  LEFT JOIN cohorts c ON c.id = d.cohort_id
), per_domain AS (
  SELECT day, cohort, domain, count(DISTINCT device_id) AS devices
  FROM v
  GROUP BY day, cohort, domain
), per_day AS (
  SELECT day, cohort, count(DISTINCT device_id) AS devices
  FROM v
  GROUP BY day, cohort
), labelled AS (
  SELECT v.day, v.cohort,
         CASE WHEN p.devices >= s.min_group_devices THEN v.domain ELSE '(other sites)' END
           AS domain,
         v.device_id, v.active_ms
  FROM v
  JOIN per_domain p USING (day, cohort, domain)
  CROSS JOIN study_settings s
), g AS (
  SELECT day, cohort, domain, count(DISTINCT device_id) AS devices, count(*) AS visits,
         sum(active_ms) AS active_ms
  FROM labelled
  GROUP BY day, cohort, domain
)
SELECT g.day, g.cohort, g.domain, g.devices, g.visits, g.active_ms
FROM g
JOIN per_day d USING (day, cohort)
CROSS JOIN study_settings s
WHERE g.devices >= s.min_group_devices
  AND d.devices >= s.min_group_devices;

CREATE VIEW study_cohort_names AS
SELECT DISTINCT cohort FROM study_daily;

GRANT USAGE ON SCHEMA public TO grafana_study_reader;
GRANT SELECT ON study_daily, study_domains, study_cohort_names TO grafana_study_reader;

-- Down Migration
DROP VIEW study_cohort_names;
DROP VIEW study_domains;
DROP VIEW study_daily;
DROP TABLE study_settings;
REVOKE SELECT (cohort_id) ON devices FROM grafana_reader;
REVOKE SELECT (id, name) ON cohorts FROM grafana_reader;
REVOKE USAGE ON SCHEMA public FROM grafana_study_reader;
