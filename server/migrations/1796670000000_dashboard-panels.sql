-- Up Migration

-- Dashboards at study scale (issue 19), the panels by receive time (Pipeline health, Devices).
-- They filter visits on received_at and read only the raw start (the late-arrival bound that
-- prunes partitions), the device, the corrected end, the write time and the clock skew. With
-- those columns in the index the panels are index-only scans (visits' pages are all-visible
-- once autovacuum has passed): over 90 days the plain index on received_at fetched every row's
-- heap page, which took longer than reading the whole partitions.
CREATE INDEX visits_received_cover_idx ON visits (received_at)
  INCLUDE (started_at, device_id, ended_at_corrected, written_at, clock_skew_ms);
DROP INDEX visits_received_at_idx;

-- The Study views: the same groups, figures and MIN_GROUP_DEVICES suppression as before, but
-- each view reads its source once, so a filter on the day reaches it instead of grouping the
-- whole history on every query (study_domains read visit_rollup three times over, 6-30 s at a
-- million visits). study_daily stays on visit_device_hours (per hour and device: its rows do not
-- grow with the visits per day); study_domains reads visit_rollup_days (per device, UTC day of
-- the raw start and domain, kept exact by the writer with visit_rollup) and its monthly
-- partitions: a domain's devices that day are its rows (one per device), counted by a window
-- partitioned by day, cohort and domain, through which PostgreSQL pushes a filter on day or
-- cohort. utc_day, the new last column, is the day as a date: the Study dashboards filter on
-- it, which prunes visit_rollup_days' partitions; day (timestamptz) stays for readers that
-- filter on it.
CREATE OR REPLACE VIEW study_daily AS
WITH g AS (
  SELECT (r.hour AT TIME ZONE 'UTC')::date AS day, coalesce(c.name, '(none)') AS cohort,
         count(DISTINCT r.device_id) AS devices, sum(r.visits)::bigint AS visits,
         sum(r.active_ms) AS active_ms
  FROM visit_device_hours r
  JOIN devices d ON d.id = r.device_id
  LEFT JOIN cohorts c ON c.id = d.cohort_id
  GROUP BY 1, 2
)
SELECT g.day::timestamp AT TIME ZONE 'UTC' AS day, g.cohort, g.devices, g.visits, g.active_ms,
       g.day AS utc_day
FROM g CROSS JOIN study_settings s
WHERE g.devices >= s.min_group_devices;

CREATE OR REPLACE VIEW study_domains AS
WITH v AS (
  SELECT r.day, coalesce(c.name, '(none)') AS cohort, r.domain, r.device_id, r.visits,
         r.active_ms,
         count(*) OVER (PARTITION BY r.day, coalesce(c.name, '(none)'), r.domain) AS domain_devices
  FROM visit_rollup_days r
  JOIN devices d ON d.id = r.device_id
  LEFT JOIN cohorts c ON c.id = d.cohort_id
), labelled AS (
  SELECT v.day, v.cohort,
         CASE WHEN v.domain_devices >= s.min_group_devices THEN v.domain ELSE '(other sites)' END
           AS domain,
         v.device_id, v.visits, v.active_ms
  FROM v CROSS JOIN study_settings s
), g AS (
  SELECT day, cohort, domain, count(DISTINCT device_id) AS devices,
         sum(visits)::bigint AS visits, sum(active_ms) AS active_ms
  FROM labelled
  GROUP BY day, cohort, domain
)
-- study_daily has the (day, cohort) groups of enough devices.
SELECT g.day::timestamp AT TIME ZONE 'UTC' AS day, g.cohort, g.domain, g.devices, g.visits,
       g.active_ms, g.day AS utc_day
FROM g
JOIN study_daily d ON d.utc_day = g.day AND d.cohort = g.cohort
CROSS JOIN study_settings s
WHERE g.devices >= s.min_group_devices;

-- Down Migration
-- A view's columns cannot be dropped by CREATE OR REPLACE: made again as migration
-- dashboard-rollups left them.
DROP VIEW study_cohort_names;
DROP VIEW study_domains;
DROP VIEW study_daily;
CREATE VIEW study_daily AS
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
CREATE VIEW study_domains AS
WITH v AS (
  SELECT date_trunc('day', r.hour, 'UTC') AS day,
         coalesce(c.name, '(none)') AS cohort,
         r.domain,
         r.device_id,
         r.visits,
         r.active_ms
  FROM visit_rollup r
  JOIN devices d ON d.id = r.device_id
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
         v.device_id, v.visits, v.active_ms
  FROM v
  JOIN per_domain p USING (day, cohort, domain)
  CROSS JOIN study_settings s
), g AS (
  SELECT day, cohort, domain, count(DISTINCT device_id) AS devices,
         sum(visits)::bigint AS visits, sum(active_ms) AS active_ms
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
GRANT SELECT ON study_daily, study_domains, study_cohort_names TO grafana_study_reader;
CREATE INDEX visits_received_at_idx ON visits (received_at);
DROP INDEX visits_received_cover_idx;
