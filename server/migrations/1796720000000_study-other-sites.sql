-- Up Migration
-- Complementary suppression for the Study sites (issue 19). A day's "(other sites)" group of
-- fewer than MIN_GROUP_DEVICES devices is not shown, but the day's total (study_daily) less
-- the sites shown for it gave that group away: one device's hidden time and visits. Now, on
-- such a day, the shown site with the fewest devices joins "(other sites)": that site alone has
-- at least the minimum, so the merged group has too and is shown, and the day's total less the
-- shown rows hides nothing. Both readers of the rows change: the function the panels and the
-- kept days use (migration study-day-cache) and the view (migration dashboard-panels). The kept
-- days are listed, so readers make them on the spot until the next fold pass makes them again.

CREATE OR REPLACE FUNCTION study_domains_of(days date[])
RETURNS TABLE (day timestamptz, cohort text, domain text, devices bigint, visits bigint,
               active_ms numeric, utc_day date)
LANGUAGE sql STABLE SET search_path = public, pg_temp SET jit = off AS $$
  WITH rd AS (
    SELECT x.d AS day, r.device_id, r.domain, sum(r.visits)::bigint AS visits,
           sum(r.active_ms)::bigint AS active_ms
    FROM unnest(days) AS x(d)
    JOIN visit_rollup r ON r.hour >= x.d::timestamp AT TIME ZONE 'UTC'
                       AND r.hour < (x.d + 1)::timestamp AT TIME ZONE 'UTC'
    GROUP BY 1, 2, 3
  ), v AS (
    SELECT r.day, coalesce(c.name, '(none)') AS cohort, r.domain, r.device_id, r.visits,
           r.active_ms,
           count(*) OVER (PARTITION BY r.day, coalesce(c.name, '(none)'), r.domain)
             AS domain_devices
    FROM rd r
    JOIN devices d ON d.id = r.device_id
    LEFT JOIN cohorts c ON c.id = d.cohort_id
  ), labelled AS (
    SELECT v.day, v.cohort,
           CASE WHEN v.domain_devices >= s.min_group_devices THEN v.domain
                ELSE '(other sites)' END AS domain,
           v.device_id, v.visits, v.active_ms
    FROM v CROSS JOIN study_settings s
  ), small_other AS (
    SELECT l.day, l.cohort, count(DISTINCT l.device_id) AS devices
    FROM labelled l WHERE l.domain = '(other sites)'
    GROUP BY l.day, l.cohort
  ), joining AS (
    -- Where that group is too small to show: the shown site with the fewest devices.
    SELECT DISTINCT ON (p.day, p.cohort) p.day, p.cohort, p.domain
    FROM (SELECT l.day, l.cohort, l.domain, count(DISTINCT l.device_id) AS devices,
                 sum(l.active_ms) AS active_ms
            FROM labelled l WHERE l.domain <> '(other sites)'
           GROUP BY l.day, l.cohort, l.domain) p
    JOIN small_other o ON o.day = p.day AND o.cohort = p.cohort
    CROSS JOIN study_settings s
    WHERE o.devices < s.min_group_devices
    ORDER BY p.day, p.cohort, p.devices, p.active_ms, p.domain
  ), merged AS (
    SELECT l.day, l.cohort,
           CASE WHEN j.domain IS NULL THEN l.domain ELSE '(other sites)' END AS domain,
           l.device_id, l.visits, l.active_ms
    FROM labelled l
    LEFT JOIN joining j ON j.day = l.day AND j.cohort = l.cohort AND j.domain = l.domain
  ), g AS (
    SELECT day, cohort, domain, count(DISTINCT device_id) AS devices,
           sum(visits)::bigint AS visits, sum(active_ms) AS active_ms
    FROM merged
    GROUP BY day, cohort, domain
  )
  SELECT g.day::timestamp AT TIME ZONE 'UTC', g.cohort, g.domain, g.devices, g.visits,
         g.active_ms, g.day
  FROM g
  JOIN study_daily_of(days) d ON d.utc_day = g.day AND d.cohort = g.cohort
  CROSS JOIN study_settings s
  WHERE g.devices >= s.min_group_devices
$$;

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
), small_other AS (
  SELECT l.day, l.cohort, count(DISTINCT l.device_id) AS devices
  FROM labelled l WHERE l.domain = '(other sites)'
  GROUP BY l.day, l.cohort
), joining AS (
  -- Where that group is too small to show: the shown site with the fewest devices.
  SELECT DISTINCT ON (p.day, p.cohort) p.day, p.cohort, p.domain
  FROM (SELECT l.day, l.cohort, l.domain, count(DISTINCT l.device_id) AS devices,
               sum(l.active_ms) AS active_ms
          FROM labelled l WHERE l.domain <> '(other sites)'
         GROUP BY l.day, l.cohort, l.domain) p
  JOIN small_other o ON o.day = p.day AND o.cohort = p.cohort
  CROSS JOIN study_settings s
  WHERE o.devices < s.min_group_devices
  ORDER BY p.day, p.cohort, p.devices, p.active_ms, p.domain
), merged AS (
  SELECT l.day, l.cohort,
         CASE WHEN j.domain IS NULL THEN l.domain ELSE '(other sites)' END AS domain,
         l.device_id, l.visits, l.active_ms
  FROM labelled l
  LEFT JOIN joining j ON j.day = l.day AND j.cohort = l.cohort AND j.domain = l.domain
), g AS (
  SELECT day, cohort, domain, count(DISTINCT device_id) AS devices,
         sum(visits)::bigint AS visits, sum(active_ms) AS active_ms
  FROM merged
  GROUP BY day, cohort, domain
)
-- study_daily has the (day, cohort) groups of enough devices.
SELECT g.day::timestamp AT TIME ZONE 'UTC' AS day, g.cohort, g.domain, g.devices, g.visits,
       g.active_ms, g.day AS utc_day
FROM g
JOIN study_daily d ON d.utc_day = g.day AND d.cohort = g.cohort
CROSS JOIN study_settings s
WHERE g.devices >= s.min_group_devices;

INSERT INTO study_dirty_days (day) SELECT DISTINCT utc_day FROM study_day_domains;

-- Down Migration
CREATE OR REPLACE FUNCTION study_domains_of(days date[])
RETURNS TABLE (day timestamptz, cohort text, domain text, devices bigint, visits bigint,
               active_ms numeric, utc_day date)
LANGUAGE sql STABLE SET search_path = public, pg_temp SET jit = off AS $$
  WITH rd AS (
    SELECT x.d AS day, r.device_id, r.domain, sum(r.visits)::bigint AS visits,
           sum(r.active_ms)::bigint AS active_ms
    FROM unnest(days) AS x(d)
    JOIN visit_rollup r ON r.hour >= x.d::timestamp AT TIME ZONE 'UTC'
                       AND r.hour < (x.d + 1)::timestamp AT TIME ZONE 'UTC'
    GROUP BY 1, 2, 3
  ), v AS (
    SELECT r.day, coalesce(c.name, '(none)') AS cohort, r.domain, r.device_id, r.visits,
           r.active_ms,
           count(*) OVER (PARTITION BY r.day, coalesce(c.name, '(none)'), r.domain)
             AS domain_devices
    FROM rd r
    JOIN devices d ON d.id = r.device_id
    LEFT JOIN cohorts c ON c.id = d.cohort_id
  ), labelled AS (
    SELECT v.day, v.cohort,
           CASE WHEN v.domain_devices >= s.min_group_devices THEN v.domain
                ELSE '(other sites)' END AS domain,
           v.device_id, v.visits, v.active_ms
    FROM v CROSS JOIN study_settings s
  ), g AS (
    SELECT day, cohort, domain, count(DISTINCT device_id) AS devices,
           sum(visits)::bigint AS visits, sum(active_ms) AS active_ms
    FROM labelled
    GROUP BY day, cohort, domain
  )
  SELECT g.day::timestamp AT TIME ZONE 'UTC', g.cohort, g.domain, g.devices, g.visits,
         g.active_ms, g.day
  FROM g
  JOIN study_daily_of(days) d ON d.utc_day = g.day AND d.cohort = g.cohort
  CROSS JOIN study_settings s
  WHERE g.devices >= s.min_group_devices
$$;

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

INSERT INTO study_dirty_days (day) SELECT DISTINCT utc_day FROM study_day_domains;
