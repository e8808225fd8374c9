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

-- As migration pages-device-receipts made it, the page statements written out
-- (visit_pages_append_sql's text for the day and the month).
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
  INSERT INTO visit_page_months_delta (domain, month, url, visits, active_ms, title, title_at)
  SELECT n.domain, date_trunc('month', n.started_at, 'UTC'), n.url, count(*),
         sum(n.active_ms)::bigint,
         (array_agg(n.title ORDER BY n.started_at_corrected DESC)
            FILTER (WHERE n.title IS NOT NULL))[1],
         max(n.started_at_corrected) FILTER (WHERE n.title IS NOT NULL)
    FROM new_visits n
   WHERE n.url IS NOT NULL
   GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;

-- Down Migration
-- The bodies of migrations receipt-hours and pages-device-receipts.
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
