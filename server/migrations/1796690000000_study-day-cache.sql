-- Up Migration

-- The Study dashboard at study scale (issue 19). study_domains counts the distinct devices of
-- every (UTC day, cohort, domain) to suppress small groups; over 90 days it read every
-- visit_rollup_days row of the range (3-4 s at a million visits), and study_daily every
-- visit_device_hours row (about 1 s). The counts are not additive, so no sum rollup answers
-- them; but a day's groups change only when that day's visits do. So:
--
--   study_day_groups, study_day_domains  the rows study_daily and study_domains have for a day,
--                     suppression applied (the same groups and MIN_GROUP_DEVICES rule), kept
--                     per day.
--   study_dirty_days  the days whose rows may be stale. Statement triggers on
--                     visit_device_hours add the days every statement there touches: every
--                     insert, resend, erase and retention delete of visits moves that rollup's
--                     hours in the same transaction (migration dashboard-rollups), so a day
--                     whose visits changed is listed from the commit of that change on. A
--                     change of study_settings lists every day with visits.
--   study_days_refresh()  makes the listed days' rows again (from visit_device_hours and
--                     visit_rollup, by their hour indexes) and takes the days off the list
--                     (those it saw; today stays listed); every writing process runs it with
--                     the fold.
--   study_daily_in(from, to), study_domains_in(from, to)  the rows of the days in [from, to]:
--                     kept rows for days not listed, rows made on the spot for listed days
--                     (today, while visits arrive). So a panel is exact at any moment, refreshed
--                     or not, and reads about one row per shown group instead of one per device.
--
-- Reading a range never differences days: the groups are still per day and cohort, so no
-- comparison of two ranges singles out a smaller group than a day's. The functions are
-- SECURITY DEFINER with a fixed search_path and do nothing but read: grafana_study_reader may
-- execute the two readers and still reads no table. They run without JIT: their queries read
-- a few thousand rows, and compiling them took 1-3 s of a 10 ms query on a loaded machine.

CREATE TABLE study_dirty_days (day date NOT NULL);
CREATE INDEX study_dirty_days_day_idx ON study_dirty_days (day);

CREATE TABLE study_day_groups (
  day timestamptz NOT NULL,
  cohort text NOT NULL,
  devices bigint NOT NULL,
  visits bigint NOT NULL,
  active_ms numeric NOT NULL,
  utc_day date NOT NULL,
  PRIMARY KEY (utc_day, cohort)
);

CREATE TABLE study_day_domains (
  day timestamptz NOT NULL,
  cohort text NOT NULL,
  domain text NOT NULL,
  devices bigint NOT NULL,
  visits bigint NOT NULL,
  active_ms numeric NOT NULL,
  utc_day date NOT NULL,
  PRIMARY KEY (utc_day, cohort, domain)
);

CREATE FUNCTION study_days_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO study_dirty_days (day)
  SELECT DISTINCT (hour AT TIME ZONE 'UTC')::date FROM touched_hours;
  RETURN NULL;
END $$;

CREATE TRIGGER visit_device_hours_study_insert AFTER INSERT ON visit_device_hours
  REFERENCING NEW TABLE AS touched_hours FOR EACH STATEMENT EXECUTE FUNCTION study_days_touched();
CREATE TRIGGER visit_device_hours_study_update AFTER UPDATE ON visit_device_hours
  REFERENCING NEW TABLE AS touched_hours FOR EACH STATEMENT EXECUTE FUNCTION study_days_touched();
CREATE TRIGGER visit_device_hours_study_delete AFTER DELETE ON visit_device_hours
  REFERENCING OLD TABLE AS touched_hours FOR EACH STATEMENT EXECUTE FUNCTION study_days_touched();

CREATE FUNCTION study_settings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO study_dirty_days (day)
  SELECT DISTINCT (hour AT TIME ZONE 'UTC')::date FROM visit_device_hours;
  INSERT INTO study_dirty_days (day) SELECT utc_day FROM study_day_groups;
  RETURN NULL;
END $$;
-- Only a change of the value: the stack sets it at every start (deploy/postgres/grant-logins.sql).
CREATE TRIGGER study_settings_study_days AFTER UPDATE ON study_settings FOR EACH ROW
  WHEN (OLD.min_group_devices IS DISTINCT FROM NEW.min_group_devices)
  EXECUTE FUNCTION study_settings_changed();

-- study_daily of the days `days` (migration dashboard-panels), each day read by the hour index.
CREATE FUNCTION study_daily_of(days date[])
RETURNS TABLE (day timestamptz, cohort text, devices bigint, visits bigint, active_ms numeric,
               utc_day date)
LANGUAGE sql STABLE SET search_path = public, pg_temp SET jit = off AS $$
  WITH g AS (
    SELECT x.d AS day, coalesce(c.name, '(none)') AS cohort,
           count(DISTINCT r.device_id) AS devices, sum(r.visits)::bigint AS visits,
           sum(r.active_ms) AS active_ms
    FROM unnest(days) AS x(d)
    JOIN visit_device_hours r ON r.hour >= x.d::timestamp AT TIME ZONE 'UTC'
                             AND r.hour < (x.d + 1)::timestamp AT TIME ZONE 'UTC'
    JOIN devices d ON d.id = r.device_id
    LEFT JOIN cohorts c ON c.id = d.cohort_id
    GROUP BY 1, 2
  )
  SELECT g.day::timestamp AT TIME ZONE 'UTC', g.cohort, g.devices, g.visits, g.active_ms, g.day
  FROM g CROSS JOIN study_settings s
  WHERE g.devices >= s.min_group_devices
$$;

-- study_domains of the days `days` (migration dashboard-panels): its visit_rollup_days rows
-- are visit_rollup's hours summed per UTC day, made here from the hours of those days only.
CREATE FUNCTION study_domains_of(days date[])
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

-- Takes the listed days before today (UTC) off the list (those committed when it starts) and
-- makes their rows again; resolves with the number of days made. Today and later days stay
-- listed, once each: visits arrive all day, so readers make today on the spot anyway, and
-- making it again every few seconds in every writing process would cost more than that. A day
-- listed again meanwhile stays listed. The lock makes refreshers take turns. SECURITY DEFINER:
-- the writers' roles may run it and nothing more on these tables.
CREATE FUNCTION study_days_refresh() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
DECLARE
  today date := (now() AT TIME ZONE 'UTC')::date;
  listed date[];
  days date[];
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('study_days_refresh'));
  WITH taken AS (DELETE FROM study_dirty_days RETURNING study_dirty_days.day)
  SELECT array_agg(DISTINCT taken.day ORDER BY taken.day) INTO listed FROM taken;
  IF listed IS NULL THEN
    RETURN 0;
  END IF;
  INSERT INTO study_dirty_days (day) SELECT d FROM unnest(listed) AS x(d) WHERE d >= today;
  days := ARRAY(SELECT d FROM unnest(listed) AS x(d) WHERE d < today);
  DELETE FROM study_day_groups WHERE study_day_groups.utc_day = ANY (days);
  DELETE FROM study_day_domains WHERE study_day_domains.utc_day = ANY (days);
  INSERT INTO study_day_groups SELECT * FROM study_daily_of(days);
  INSERT INTO study_day_domains SELECT * FROM study_domains_of(days);
  RETURN cardinality(days);
END $$;

CREATE FUNCTION study_daily_in(from_day date, to_day date)
RETURNS TABLE (day timestamptz, cohort text, devices bigint, visits bigint, active_ms numeric,
               utc_day date)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
DECLARE
  listed date[];
BEGIN
  SELECT coalesce(array_agg(DISTINCT x.day), '{}') INTO listed
  FROM study_dirty_days x WHERE x.day BETWEEN from_day AND to_day;
  RETURN QUERY
    SELECT k.day, k.cohort, k.devices, k.visits, k.active_ms, k.utc_day
    FROM study_day_groups k
    WHERE k.utc_day BETWEEN from_day AND to_day AND k.utc_day <> ALL (listed)
    UNION ALL
    SELECT * FROM study_daily_of(listed);
END $$;

CREATE FUNCTION study_domains_in(from_day date, to_day date)
RETURNS TABLE (day timestamptz, cohort text, domain text, devices bigint, visits bigint,
               active_ms numeric, utc_day date)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
DECLARE
  listed date[];
BEGIN
  SELECT coalesce(array_agg(DISTINCT x.day), '{}') INTO listed
  FROM study_dirty_days x WHERE x.day BETWEEN from_day AND to_day;
  RETURN QUERY
    SELECT k.day, k.cohort, k.domain, k.devices, k.visits, k.active_ms, k.utc_day
    FROM study_day_domains k
    WHERE k.utc_day BETWEEN from_day AND to_day AND k.utc_day <> ALL (listed)
    UNION ALL
    SELECT * FROM study_domains_of(listed);
END $$;

-- The cohorts with a shown day (the Cohort variable), from the kept days.
CREATE OR REPLACE VIEW study_cohort_names AS
SELECT DISTINCT cohort FROM study_daily_in('-infinity', 'infinity');

REVOKE ALL ON FUNCTION study_daily_of(date[]), study_domains_of(date[]), study_days_refresh(),
  study_daily_in(date, date), study_domains_in(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION study_daily_in(date, date), study_domains_in(date, date)
  TO grafana_study_reader;
GRANT EXECUTE ON FUNCTION study_days_refresh() TO tracksphere_writer, tracksphere_app;
GRANT INSERT ON study_dirty_days TO tracksphere_writer, tracksphere_app;

-- Every day with visits is listed, then made: the panels read kept rows from the start.
INSERT INTO study_dirty_days (day)
SELECT DISTINCT (hour AT TIME ZONE 'UTC')::date FROM visit_device_hours;
SELECT study_days_refresh();

-- Down Migration
CREATE OR REPLACE VIEW study_cohort_names AS
SELECT DISTINCT cohort FROM study_daily;
DROP FUNCTION study_domains_in(date, date);
DROP FUNCTION study_daily_in(date, date);
DROP FUNCTION study_days_refresh();
DROP FUNCTION study_domains_of(date[]);
DROP FUNCTION study_daily_of(date[]);
DROP TRIGGER study_settings_study_days ON study_settings;
DROP FUNCTION study_settings_changed();
DROP TRIGGER visit_device_hours_study_delete ON visit_device_hours;
DROP TRIGGER visit_device_hours_study_update ON visit_device_hours;
DROP TRIGGER visit_device_hours_study_insert ON visit_device_hours;
DROP FUNCTION study_days_touched();
DROP TABLE study_day_domains;
DROP TABLE study_day_groups;
DROP TABLE study_dirty_days;
