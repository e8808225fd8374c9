-- Up Migration

-- The writer's cost per event (issue 20: 100 events per request). Measured on a scratch database
-- (docs/performance.md, "The writer's triggers per 1,000 events"), two insert triggers on visits
-- took most of PostgreSQL's trigger time per COPY of a few hundred rows:
--   visit_receipt_add  called receipt_bucket with the delay expression as its argument. The
--                      argument is used three times in the function's body, so PostgreSQL does
--                      not inline a SQL function with an expensive argument and ran it as a
--                      function call per value (three per visit), and the statement was planned
--                      again on every call (EXECUTE).
--   visit_pages_receipts_add  planned its two page statements again on every call (EXECUTE).
-- Now the milliseconds are computed in the VALUES list and receipt_bucket is called with the
-- column (inlined: the same expression on the same value, so the same buckets), and the
-- triggers' statements are plain statements of their functions, planned once per session. What
-- each writes is unchanged; visit_receipt_append_sql (retention's visit_receipt_forget) builds
-- the same statement as the receipt triggers run.
CREATE OR REPLACE FUNCTION visit_receipt_append_sql(rows text, sign integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT format(
    'INSERT INTO visit_receipt_hours_delta (kind, hour, bucket, visits)
     SELECT k.kind, date_trunc(''hour'', v.received_at, ''UTC''), receipt_bucket(k.ms),
            %s * count(*)
       FROM %s v
      CROSS JOIN LATERAL (VALUES
        (1::smallint, extract(epoch FROM v.received_at - v.ended_at_corrected)::float8 * 1000),
        (2::smallint, extract(epoch FROM v.written_at - v.received_at)::float8 * 1000),
        (3::smallint, v.clock_skew_ms::float8)) AS k (kind, ms)
      GROUP BY 1, 2, 3', sign, rows)
$$;

CREATE OR REPLACE FUNCTION visit_receipt_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO visit_receipt_hours_delta (kind, hour, bucket, visits)
  SELECT k.kind, date_trunc('hour', v.received_at, 'UTC'), receipt_bucket(k.ms), count(*)
    FROM new_visits v
   CROSS JOIN LATERAL (VALUES
     (1::smallint, extract(epoch FROM v.received_at - v.ended_at_corrected)::float8 * 1000),
     (2::smallint, extract(epoch FROM v.written_at - v.received_at)::float8 * 1000),
     (3::smallint, v.clock_skew_ms::float8)) AS k (kind, ms)
   GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION visit_receipt_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO visit_receipt_hours_delta (kind, hour, bucket, visits)
  SELECT k.kind, date_trunc('hour', v.received_at, 'UTC'), receipt_bucket(k.ms), -count(*)
    FROM old_visits v
   CROSS JOIN LATERAL (VALUES
     (1::smallint, extract(epoch FROM v.received_at - v.ended_at_corrected)::float8 * 1000),
     (2::smallint, extract(epoch FROM v.written_at - v.received_at)::float8 * 1000),
     (3::smallint, v.clock_skew_ms::float8)) AS k (kind, ms)
   GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;

-- The page rollups' month deltas were a second copy of the day deltas: with most pages visited
-- once a month, each visit appended a day row and a month row, and the fold deleted both and
-- upserted both. Now the writer appends the day rows only; visit_page_months_delta is a view of
-- them by month (same name and columns, so the readers and the view visit_page_months read it
-- unchanged: a month's deltas are the sums of its days' deltas, its newest title the newest of
-- theirs), and the fold moves each day delta once, into the day totals and, summed by month,
-- the month totals. The table's rows are folded first, with writers kept out until commit.
-- The fold's lock first, as the fold takes it (then the tables): a fold running meanwhile (the
-- writers' timer, an erase, retention) would otherwise wait for these tables while holding it.
SELECT pg_advisory_xact_lock(hashtext('visit_pages_fold'));
LOCK TABLE visit_page_days_delta, visit_page_months_delta IN SHARE ROW EXCLUSIVE MODE;
SELECT visit_pages_fold();
DROP VIEW visit_page_months;
DROP TABLE visit_page_months_delta;
CREATE VIEW visit_page_months_delta AS
SELECT domain, date_trunc('month', day, 'UTC') AS month, url, visits, active_ms, title, title_at
  FROM visit_page_days_delta;
CREATE VIEW visit_page_months AS
SELECT domain, month, url, sum(visits)::bigint AS visits, sum(active_ms)::bigint AS active_ms,
       (array_agg(title ORDER BY title_at DESC) FILTER (WHERE title IS NOT NULL))[1] AS title,
       max(title_at) FILTER (WHERE title IS NOT NULL) AS title_at
  FROM (SELECT * FROM visit_page_months_folded UNION ALL SELECT * FROM visit_page_months_delta) t
 GROUP BY domain, month, url
HAVING sum(visits) <> 0;
GRANT SELECT ON visit_page_months_delta, visit_page_months TO grafana_reader;
GRANT SELECT ON visit_page_months_delta TO tracksphere_app;

-- Committed day deltas into the day totals and, by month, the month totals (raising their
-- domain's maximum), in one statement: the rows it deletes are the rows both sums are made of.
-- Totals are locked in the order the two statements before took them (days, months, maxima),
-- each in key order. Resolves with the delta rows moved.
CREATE OR REPLACE FUNCTION visit_pages_fold() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  moved_rows bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('visit_pages_fold'));
  WITH moved AS (
    DELETE FROM visit_page_days_delta RETURNING *
  ), days AS MATERIALIZED (
    SELECT domain, day, url, sum(visits)::bigint AS visits, sum(active_ms)::bigint AS active_ms,
           (array_agg(title ORDER BY title_at DESC) FILTER (WHERE title IS NOT NULL))[1] AS title,
           max(title_at) FILTER (WHERE title IS NOT NULL) AS title_at, count(*) AS n
      FROM moved GROUP BY 1, 2, 3
  ), up_days AS (
    INSERT INTO visit_page_days_folded AS r (domain, day, url, visits, active_ms, title, title_at)
    SELECT domain, day, url, visits, active_ms, title, title_at FROM days ORDER BY 1, 2, 3
    ON CONFLICT (domain, day, url) DO UPDATE
      SET visits = r.visits + EXCLUDED.visits, active_ms = r.active_ms + EXCLUDED.active_ms,
          title = CASE WHEN r.title_at IS NULL OR EXCLUDED.title_at > r.title_at
                       THEN coalesce(EXCLUDED.title, r.title) ELSE r.title END,
          title_at = CASE WHEN r.title_at IS NULL OR EXCLUDED.title_at > r.title_at
                          THEN coalesce(EXCLUDED.title_at, r.title_at) ELSE r.title_at END
    RETURNING 1
  ), months AS (
    SELECT domain, date_trunc('month', day, 'UTC') AS month, url, sum(visits)::bigint AS visits,
           sum(active_ms)::bigint AS active_ms,
           (array_agg(title ORDER BY title_at DESC) FILTER (WHERE title IS NOT NULL))[1] AS title,
           max(title_at) FILTER (WHERE title IS NOT NULL) AS title_at
      FROM days GROUP BY 1, 2, 3
  ), up_months AS (
    INSERT INTO visit_page_months_folded AS r
      (domain, month, url, visits, active_ms, title, title_at)
    SELECT domain, month, url, visits, active_ms, title, title_at FROM months ORDER BY 1, 2, 3
    ON CONFLICT (domain, month, url) DO UPDATE
      SET visits = r.visits + EXCLUDED.visits, active_ms = r.active_ms + EXCLUDED.active_ms,
          title = CASE WHEN r.title_at IS NULL OR EXCLUDED.title_at > r.title_at
                       THEN coalesce(EXCLUDED.title, r.title) ELSE r.title END,
          title_at = CASE WHEN r.title_at IS NULL OR EXCLUDED.title_at > r.title_at
                          THEN coalesce(EXCLUDED.title_at, r.title_at) ELSE r.title_at END
    RETURNING r.month, r.domain, r.active_ms
  ), raised AS (
    INSERT INTO visit_page_domain_months AS m (month, domain, max_active_ms)
    SELECT month, domain, max(active_ms) FROM up_months GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (month, domain) DO UPDATE
      SET max_active_ms = greatest(m.max_active_ms, EXCLUDED.max_active_ms)
    RETURNING 1
  )
  SELECT coalesce(sum(n), 0) + 0 * (SELECT count(*) FROM up_days)
         + 0 * (SELECT count(*) FROM raised)
    INTO moved_rows FROM days;
  RETURN moved_rows;
END $$;

-- As migration pages-device-receipts made it, the day statement written out
-- (visit_pages_append_sql's text for the day); no month rows.
CREATE OR REPLACE FUNCTION visit_pages_receipts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO visit_device_receipt_hours AS r (device_id, hour, visits, last_received)
  SELECT n.device_id, date_trunc('hour', n.received_at, 'UTC'), count(*), max(n.received_at)
    FROM new_visits n
   GROUP BY 1, 2
   ORDER BY 1, 2
  ON CONFLICT (device_id, hour) DO UPDATE
    SET visits = r.visits + EXCLUDED.visits,
        last_received = greatest(r.last_received, EXCLUDED.last_received);
  INSERT INTO visit_page_days_delta (domain, day, url, visits, active_ms, title, title_at)
  SELECT n.domain, date_trunc('day', n.started_at, 'UTC'), n.url, count(*),
         sum(n.active_ms)::bigint,
         (array_agg(n.title ORDER BY n.started_at_corrected DESC)
            FILTER (WHERE n.title IS NOT NULL))[1],
         max(n.started_at_corrected) FILTER (WHERE n.title IS NOT NULL)
    FROM new_visits n
   WHERE n.url IS NOT NULL
   GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;

-- As migration pages-device-receipts made it, less the month deltas' delete: they are the day
-- deltas', and a dropped partition's month has no visits outside its first and last day.
CREATE OR REPLACE FUNCTION visit_pages_receipts_forget(partition regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  devs uuid[];
  hours timestamptz[];
  counts bigint[];
  first_day timestamptz;
  last_day timestamptz;
BEGIN
  EXECUTE format(
    'SELECT array_agg(device_id), array_agg(hour), array_agg(n)
       FROM (SELECT device_id, date_trunc(''hour'', received_at, ''UTC'') AS hour, count(*) AS n
               FROM %s GROUP BY 1, 2) g', partition)
    INTO devs, hours, counts;
  PERFORM visit_device_receipt_take(devs, hours, counts, partition);
  EXECUTE format(
    'SELECT date_trunc(''day'', min(started_at), ''UTC''), max(started_at) FROM %s', partition)
    INTO first_day, last_day;
  PERFORM pg_advisory_xact_lock(hashtext('visit_pages_fold'));
  DELETE FROM visit_page_days_folded WHERE day >= first_day AND day <= last_day;
  DELETE FROM visit_page_days_delta WHERE day >= first_day AND day <= last_day;
  DELETE FROM visit_page_months_folded WHERE month >= date_trunc('month', first_day, 'UTC')
                                         AND month <= last_day;
  DELETE FROM visit_page_domain_months WHERE month >= date_trunc('month', first_day, 'UTC')
                                         AND month <= last_day;
END $$;

-- Down Migration
-- The month deltas a table again (every day delta folded first, writers kept out until commit),
-- and the bodies of migrations receipt-hours and pages-device-receipts.
SELECT pg_advisory_xact_lock(hashtext('visit_pages_fold'));
LOCK TABLE visit_page_days_delta IN SHARE ROW EXCLUSIVE MODE;
SELECT visit_pages_fold();
DROP VIEW visit_page_months;
DROP VIEW visit_page_months_delta;
CREATE TABLE visit_page_months_delta (LIKE visit_page_months_folded);
CREATE VIEW visit_page_months AS
SELECT domain, month, url, sum(visits)::bigint AS visits, sum(active_ms)::bigint AS active_ms,
       (array_agg(title ORDER BY title_at DESC) FILTER (WHERE title IS NOT NULL))[1] AS title,
       max(title_at) FILTER (WHERE title IS NOT NULL) AS title_at
  FROM (SELECT * FROM visit_page_months_folded UNION ALL SELECT * FROM visit_page_months_delta) t
 GROUP BY domain, month, url
HAVING sum(visits) <> 0;
GRANT INSERT ON visit_page_months_delta TO tracksphere_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON visit_page_months_delta TO tracksphere_app;
GRANT SELECT ON visit_page_months_delta, visit_page_months TO grafana_reader;

CREATE OR REPLACE FUNCTION visit_pages_fold() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  moved_days bigint;
  moved_months bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('visit_pages_fold'));
  WITH moved AS (
    DELETE FROM visit_page_days_delta RETURNING *
  ), summed AS (
    SELECT domain, day, url, sum(visits)::bigint AS visits, sum(active_ms)::bigint AS active_ms,
           (array_agg(title ORDER BY title_at DESC) FILTER (WHERE title IS NOT NULL))[1] AS title,
           max(title_at) FILTER (WHERE title IS NOT NULL) AS title_at, count(*) AS n
      FROM moved GROUP BY 1, 2, 3
  ), up AS (
    INSERT INTO visit_page_days_folded AS r (domain, day, url, visits, active_ms, title, title_at)
    SELECT domain, day, url, visits, active_ms, title, title_at FROM summed ORDER BY 1, 2, 3
    ON CONFLICT (domain, day, url) DO UPDATE
      SET visits = r.visits + EXCLUDED.visits, active_ms = r.active_ms + EXCLUDED.active_ms,
          title = CASE WHEN r.title_at IS NULL OR EXCLUDED.title_at > r.title_at
                       THEN coalesce(EXCLUDED.title, r.title) ELSE r.title END,
          title_at = CASE WHEN r.title_at IS NULL OR EXCLUDED.title_at > r.title_at
                          THEN coalesce(EXCLUDED.title_at, r.title_at) ELSE r.title_at END
    RETURNING 1
  )
  SELECT coalesce(sum(n), 0) + 0 * (SELECT count(*) FROM up) INTO moved_days FROM summed;
  WITH moved AS (
    DELETE FROM visit_page_months_delta RETURNING *
  ), summed AS (
    SELECT domain, month, url, sum(visits)::bigint AS visits,
           sum(active_ms)::bigint AS active_ms,
           (array_agg(title ORDER BY title_at DESC) FILTER (WHERE title IS NOT NULL))[1] AS title,
           max(title_at) FILTER (WHERE title IS NOT NULL) AS title_at, count(*) AS n
      FROM moved GROUP BY 1, 2, 3
  ), up AS (
    INSERT INTO visit_page_months_folded AS r
      (domain, month, url, visits, active_ms, title, title_at)
    SELECT domain, month, url, visits, active_ms, title, title_at FROM summed ORDER BY 1, 2, 3
    ON CONFLICT (domain, month, url) DO UPDATE
      SET visits = r.visits + EXCLUDED.visits, active_ms = r.active_ms + EXCLUDED.active_ms,
          title = CASE WHEN r.title_at IS NULL OR EXCLUDED.title_at > r.title_at
                       THEN coalesce(EXCLUDED.title, r.title) ELSE r.title END,
          title_at = CASE WHEN r.title_at IS NULL OR EXCLUDED.title_at > r.title_at
                          THEN coalesce(EXCLUDED.title_at, r.title_at) ELSE r.title_at END
    RETURNING r.month, r.domain, r.active_ms
  ), raised AS (
    INSERT INTO visit_page_domain_months AS m (month, domain, max_active_ms)
    SELECT month, domain, max(active_ms) FROM up GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (month, domain) DO UPDATE
      SET max_active_ms = greatest(m.max_active_ms, EXCLUDED.max_active_ms)
    RETURNING 1
  )
  SELECT coalesce(sum(n), 0) + 0 * (SELECT count(*) FROM raised) INTO moved_months FROM summed;
  RETURN moved_days + moved_months;
END $$;

CREATE OR REPLACE FUNCTION visit_pages_receipts_forget(partition regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  devs uuid[];
  hours timestamptz[];
  counts bigint[];
  first_day timestamptz;
  last_day timestamptz;
BEGIN
  EXECUTE format(
    'SELECT array_agg(device_id), array_agg(hour), array_agg(n)
       FROM (SELECT device_id, date_trunc(''hour'', received_at, ''UTC'') AS hour, count(*) AS n
               FROM %s GROUP BY 1, 2) g', partition)
    INTO devs, hours, counts;
  PERFORM visit_device_receipt_take(devs, hours, counts, partition);
  EXECUTE format(
    'SELECT date_trunc(''day'', min(started_at), ''UTC''), max(started_at) FROM %s', partition)
    INTO first_day, last_day;
  PERFORM pg_advisory_xact_lock(hashtext('visit_pages_fold'));
  DELETE FROM visit_page_days_folded WHERE day >= first_day AND day <= last_day;
  DELETE FROM visit_page_days_delta WHERE day >= first_day AND day <= last_day;
  DELETE FROM visit_page_months_folded WHERE month >= date_trunc('month', first_day, 'UTC')
                                         AND month <= last_day;
  DELETE FROM visit_page_months_delta WHERE month >= date_trunc('month', first_day, 'UTC')
                                        AND month <= last_day;
  DELETE FROM visit_page_domain_months WHERE month >= date_trunc('month', first_day, 'UTC')
                                         AND month <= last_day;
END $$;

CREATE OR REPLACE FUNCTION visit_receipt_append_sql(rows text, sign integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT format(
    'INSERT INTO visit_receipt_hours_delta (kind, hour, bucket, visits)
     SELECT k.kind, date_trunc(''hour'', v.received_at, ''UTC''), k.bucket, %s * count(*)
       FROM %s v
      CROSS JOIN LATERAL (VALUES
        (1::smallint,
         receipt_bucket(extract(epoch FROM v.received_at - v.ended_at_corrected)::float8 * 1000)),
        (2::smallint,
         receipt_bucket(extract(epoch FROM v.written_at - v.received_at)::float8 * 1000)),
        (3::smallint, receipt_bucket(v.clock_skew_ms::float8))) AS k (kind, bucket)
      GROUP BY 1, 2, 3', sign, rows)
$$;

CREATE OR REPLACE FUNCTION visit_receipt_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE visit_receipt_append_sql('new_visits', 1);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION visit_receipt_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE visit_receipt_append_sql('old_visits', -1);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION visit_pages_receipts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO visit_device_receipt_hours AS r (device_id, hour, visits, last_received)
  SELECT n.device_id, date_trunc('hour', n.received_at, 'UTC'), count(*), max(n.received_at)
    FROM new_visits n
   GROUP BY 1, 2
   ORDER BY 1, 2
  ON CONFLICT (device_id, hour) DO UPDATE
    SET visits = r.visits + EXCLUDED.visits,
        last_received = greatest(r.last_received, EXCLUDED.last_received);
  EXECUTE visit_pages_append_sql('visit_page_days_delta', 'day');
  EXECUTE visit_pages_append_sql('visit_page_months_delta', 'month');
  RETURN NULL;
END $$;
