-- Up Migration

-- Dashboards at study scale (issue 19).
--
-- 1. Pipeline health counts what the server received in the dashboard range (received_at,
--    within visits' partitions pruned by the raw start widened by 7 days each side): without an
--    index on received_at it read every visit of those two weeks and more to keep a day's.
CREATE INDEX visits_received_at_idx ON visits (received_at);

-- 2. The Study views read visit_rollup (per UTC hour, device and domain, kept by the writer in
--    the same statement as the visits) instead of visits: the same groups and the same
--    MIN_GROUP_DEVICES suppression, from far fewer and narrower rows. A visit now counts on the
--    UTC day of its raw client start (the rollup's hour), not of its clock-corrected start: the
--    two differ only for a device whose clock is off across midnight. grafana_study_reader keeps
--    reading these views and nothing else (a view reads with its owner's rights): it gets no
--    grant on visit_rollup.
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

CREATE OR REPLACE VIEW study_domains AS
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

-- Down Migration
CREATE OR REPLACE VIEW study_domains AS
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

CREATE OR REPLACE VIEW study_daily AS
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

DROP INDEX visits_received_at_idx;
