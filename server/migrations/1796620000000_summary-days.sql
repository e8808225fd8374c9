-- Up Migration

-- The summary's daily rollup (issue 18): per UTC day (of the raw start, as visit_rollup's
-- hours), device and domain. GET /api/v1/me/summary read visit_rollup's hours and grouped them
-- by local day: at a year of dense history that is 415,000 hours regrouped for 171,000 days,
-- most of the request's time. A local day is a UTC day's totals, less the hours of it that fall
-- on a neighbouring local day, plus those of the neighbouring UTC day that fall on it: the
-- summary reads one row per day and only the few "moved" hours near local midnight from
-- visit_rollup (visit_summary below), exactly for every zone with a whole-hour offset.
CREATE TABLE visit_rollup_days (
  device_id uuid NOT NULL,
  day date NOT NULL,
  domain text NOT NULL,
  active_ms bigint NOT NULL,
  visits bigint NOT NULL,
  PRIMARY KEY (device_id, day, domain)
) PARTITION BY RANGE (day);
CREATE TABLE visit_rollup_days_default PARTITION OF visit_rollup_days DEFAULT;

-- Kept from visit_rollup's own changes, by statement triggers on it: every statement that adds
-- to, subtracts from or deletes hours through visit_rollup (the triggers on visits, retention's
-- row deletes) moves its days by the same amounts in the same transaction, so the two never
-- disagree. Statements on one partition (partition maintenance moving rows out of the default
-- partition, dropping a month) fire none: maintenance does the same to this table's months
-- (data-access/summary-days-partitions.ts). Rows are locked in key order, after the hours.
CREATE FUNCTION visit_rollup_days_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO visit_rollup_days AS r (device_id, day, domain, active_ms, visits)
  SELECT n.device_id, (n.hour AT TIME ZONE 'UTC')::date, n.domain, sum(n.active_ms)::bigint,
         sum(n.visits)::bigint
    FROM new_hours n
   GROUP BY 1, 2, 3
   ORDER BY 1, 2, 3
  ON CONFLICT (device_id, day, domain) DO UPDATE
    SET active_ms = r.active_ms + EXCLUDED.active_ms, visits = r.visits + EXCLUDED.visits;
  RETURN NULL;
END $$;

CREATE FUNCTION visit_rollup_days_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO visit_rollup_days AS r (device_id, day, domain, active_ms, visits)
  SELECT n.device_id, (n.hour AT TIME ZONE 'UTC')::date, n.domain,
         sum(n.active_ms - o.active_ms)::bigint, sum(n.visits - o.visits)::bigint
    FROM new_hours n JOIN old_hours o USING (device_id, hour, domain)
   GROUP BY 1, 2, 3
   ORDER BY 1, 2, 3
  ON CONFLICT (device_id, day, domain) DO UPDATE
    SET active_ms = r.active_ms + EXCLUDED.active_ms, visits = r.visits + EXCLUDED.visits;
  RETURN NULL;
END $$;

-- visit_rollup deletes the hours an erase emptied (0 visits left): the day goes when it is
-- empty too.
CREATE FUNCTION visit_rollup_days_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH gone AS (
    SELECT o.device_id, (o.hour AT TIME ZONE 'UTC')::date AS day, o.domain,
           sum(o.active_ms)::bigint AS active_ms, sum(o.visits)::bigint AS visits
      FROM old_hours o
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
     AND l.device_id = g.device_id AND l.day = g.day AND l.domain = g.domain
     AND (g.visits <> 0 OR g.active_ms <> 0);
  DELETE FROM visit_rollup_days r
   USING (SELECT DISTINCT o.device_id, (o.hour AT TIME ZONE 'UTC')::date AS day, o.domain
            FROM old_hours o) g
   WHERE r.device_id = g.device_id AND r.day = g.day AND r.domain = g.domain
     AND r.visits <= 0;
  RETURN NULL;
END $$;

CREATE TRIGGER visit_rollup_days_insert AFTER INSERT ON visit_rollup
  REFERENCING NEW TABLE AS new_hours FOR EACH STATEMENT EXECUTE FUNCTION visit_rollup_days_add();
CREATE TRIGGER visit_rollup_days_update AFTER UPDATE ON visit_rollup
  REFERENCING OLD TABLE AS old_hours NEW TABLE AS new_hours
  FOR EACH STATEMENT EXECUTE FUNCTION visit_rollup_days_change();
CREATE TRIGGER visit_rollup_days_delete AFTER DELETE ON visit_rollup
  REFERENCING OLD TABLE AS old_hours
  FOR EACH STATEMENT EXECUTE FUNCTION visit_rollup_days_subtract();

-- The figures of devices `devices` per day from_day..to_day (both included) in zone tz, domain
-- and device: each UTC day's row counts on the local day most of its hours fall on, and each
-- hour that falls on another local day (near local midnight: none in UTC, one or two in
-- Europe, up to twelve far from UTC) moves from that day to its own. An hour counts on the
-- local day its start falls on (so in a zone with a :30 or :45 offset an hour that straddles
-- midnight counts whole on the day it starts, as before). The days and hours are computed
-- first (arrays), so the main query is planned with their real sizes; `sorted` orders the rows
-- by day, domain and device (the first version of the answer), which costs a sort.
CREATE FUNCTION visit_summary_rows(devices uuid[], from_day date, to_day date, locals date[],
                                   moved timestamptz[], moved_to date[], moved_from date[])
RETURNS TABLE (day date, domain text, device_id uuid, active_ms bigint, visits bigint)
LANGUAGE sql STABLE AS $$
  WITH adj AS (
    SELECT x.day, r.domain, r.device_id, sum(x.active_ms)::bigint AS active_ms,
           sum(x.visits)::bigint AS visits
      FROM unnest(moved, moved_to, moved_from) AS m (hour, local, major)
     -- One probe of the key per moved hour (OFFSET 0 keeps it one): a hash join would read
     -- every hour of the range.
     CROSS JOIN LATERAL (SELECT h.domain, h.device_id, h.active_ms, h.visits
                           FROM visit_rollup h
                          WHERE h.device_id = ANY (devices) AND h.hour = m.hour OFFSET 0) r
     CROSS JOIN LATERAL (VALUES (m.local, r.active_ms, r.visits),
                                (m.major, -r.active_ms, -r.visits)) AS x (day, active_ms, visits)
     WHERE x.day BETWEEN from_day AND to_day
     GROUP BY 1, 2, 3
  ), base AS (
    -- locals[i]: the local day of UTC day from_day - 2 + i; a subscript, not a join, so the
    -- rows are read in one range scan of the key.
    SELECT locals[r.day - from_day + 2] AS day, r.domain, r.device_id, r.active_ms, r.visits
      FROM visit_rollup_days r
     WHERE r.device_id = ANY (devices) AND r.day BETWEEN from_day - 1 AND to_day + 1
  )
  -- Summed, not joined: two UTC days can have the same main local day (the day a zone far
  -- east of UTC leaves summer time: Pacific/Auckland on 2026-04-05), and a join would return
  -- that day twice, each with the moved hours added.
  SELECT u.day, u.domain, u.device_id, sum(u.active_ms)::bigint, sum(u.visits)::bigint
    FROM (SELECT * FROM base WHERE base.day BETWEEN from_day AND to_day
          UNION ALL
          SELECT * FROM adj) u
   GROUP BY 1, 2, 3
  HAVING sum(u.visits) > 0
$$;

-- work_mem: a year's rows sort and join in memory; jit: a plan of this size compiles for far
-- longer than it runs.
CREATE FUNCTION visit_summary(devices uuid[], from_day date, to_day date, tz text,
                              sorted boolean)
RETURNS TABLE (day date, domain text, device_id uuid, active_ms bigint, visits bigint)
LANGUAGE plpgsql STABLE SET work_mem = '64MB' SET jit = off AS $$
DECLARE
  days date[];
  locals date[];
  moved timestamptz[];
  moved_to date[];
  moved_from date[];
BEGIN
  SELECT array_agg(c.d ORDER BY c.d), array_agg(c.l ORDER BY c.d) INTO days, locals
    FROM (SELECT g::date AS d,
                 (SELECT mode() WITHIN GROUP (ORDER BY (h AT TIME ZONE tz)::date)
                    FROM generate_series(g AT TIME ZONE 'UTC',
                                         (g AT TIME ZONE 'UTC') + interval '23 hours',
                                         interval '1 hour') h) AS l
            FROM generate_series((from_day - 1)::timestamp, (to_day + 1)::timestamp,
                                 interval '1 day') g) c;
  SELECT coalesce(array_agg(h), '{}'), coalesce(array_agg((h AT TIME ZONE tz)::date), '{}'),
         coalesce(array_agg(c.l), '{}')
    INTO moved, moved_to, moved_from
    FROM unnest(days, locals) AS c (d, l),
         generate_series(c.d::timestamp AT TIME ZONE 'UTC',
                         c.d::timestamp AT TIME ZONE 'UTC' + interval '23 hours',
                         interval '1 hour') h
   WHERE (h AT TIME ZONE tz)::date <> c.l;
  IF sorted THEN
    RETURN QUERY SELECT s.* FROM visit_summary_rows(devices, from_day, to_day, locals,
                                                     moved, moved_to, moved_from) s
                  ORDER BY 1, 2, 3;
  ELSE
    RETURN QUERY SELECT s.* FROM visit_summary_rows(devices, from_day, to_day, locals,
                                                     moved, moved_to, moved_from) s;
  END IF;
END $$;

-- What is stored already: a month of days for each month of the rollup, then the sums.
DO $$
DECLARE
  p record;
  m text[];
  from_day date;
BEGIN
  FOR p IN
    SELECT c.relname AS name FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class pc ON pc.oid = i.inhparent
     WHERE pc.relname = 'visit_rollup'
  LOOP
    m := regexp_match(p.name, '^visit_rollup_(\d{4})_(\d{2})$');
    CONTINUE WHEN m IS NULL;
    from_day := make_date(m[1]::int, m[2]::int, 1);
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF visit_rollup_days FOR VALUES FROM (%L) TO (%L)',
      'visit_rollup_days_' || m[1] || '_' || m[2], from_day, from_day + interval '1 month');
  END LOOP;
END $$;
INSERT INTO visit_rollup_days (device_id, day, domain, active_ms, visits)
SELECT device_id, (hour AT TIME ZONE 'UTC')::date, domain, sum(active_ms)::bigint,
       sum(visits)::bigint
  FROM visit_rollup GROUP BY 1, 2, 3;

GRANT SELECT, INSERT, UPDATE, DELETE ON visit_rollup_days TO tracksphere_app;
-- The consumer's inserts into visits add to visit_rollup as the writer, and so to the days.
GRANT SELECT, INSERT, UPDATE ON visit_rollup_days TO tracksphere_writer;

-- Down Migration
DROP FUNCTION visit_summary(uuid[], date, date, text, boolean);
DROP FUNCTION visit_summary_rows(uuid[], date, date, date[], timestamptz[], date[], date[]);
DROP TRIGGER visit_rollup_days_delete ON visit_rollup;
DROP TRIGGER visit_rollup_days_update ON visit_rollup;
DROP TRIGGER visit_rollup_days_insert ON visit_rollup;
DROP FUNCTION visit_rollup_days_subtract();
DROP FUNCTION visit_rollup_days_change();
DROP FUNCTION visit_rollup_days_add();
DROP TABLE visit_rollup_days;
