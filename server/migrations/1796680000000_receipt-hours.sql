-- Up Migration

-- Pipeline health at study scale (issue 19). Its series (events received per minute, ingest
-- delay, consumer delay, clock skew) filter visits on received_at: over 90 days they read every
-- visit received, 1.2-2.9 s at a million visits. visit_receipt_hours holds, per UTC hour of
-- receipt, a histogram of each of the three measures per visit:
--   kind 1  ingest delay    received_at - ended_at_corrected
--   kind 2  consumer delay  written_at - received_at
--   kind 3  clock skew      clock_skew_ms
-- over fixed log-spaced buckets (receipt_bucket: an eighth of an octave of milliseconds, signed;
-- |value| under 1 ms in bucket 0). Every visit counts once in each kind, so a kind's counts of
-- an hour are the visits received in it. Percentiles are read from the cumulative counts and
-- shown as the bucket's geometric middle (receipt_bucket_seconds): within 4.5 % of the exact
-- value. No device, cohort or URL: Grafana reads it only with Cohort on All.
--
-- Every writer adds to the current hour's rows, so as visit_domain_* (migration rollup-deltas)
-- the writer only appends: visit_receipt_hours_delta gets one row per (hour, kind, bucket) of
-- its statement (an erase the negated counts), visit_receipt_fold() moves committed deltas into
-- visit_receipt_hours_folded, and the view visit_receipt_hours adds the two, leaving out keys
-- whose counts sum to zero. The triggers are separate from the dashboards' (their own
-- functions): they share the statement's transition tables.
-- Not STRICT (NULL gives NULL anyway): PostgreSQL then inlines both into the panels' queries;
-- a STRICT SQL function whose body it cannot prove strict runs as a call per row.
CREATE FUNCTION receipt_bucket(ms double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN abs(ms) < 1 THEN 0
              ELSE (sign(ms) * (1 + floor(8 * ln(abs(ms)) / ln(2.0::double precision))))::integer
         END
$$;

-- The geometric middle of `bucket`, in seconds: bucket b > 0 holds [2^((b-1)/8), 2^(b/8)) ms.
CREATE FUNCTION receipt_bucket_seconds(bucket integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN bucket = 0 THEN 0
              ELSE sign(bucket) * power(2.0::double precision, (abs(bucket) - 0.5) / 8) / 1000
         END
$$;

CREATE TABLE visit_receipt_hours_folded (
  kind smallint NOT NULL,
  hour timestamptz NOT NULL,
  bucket integer NOT NULL,
  visits bigint NOT NULL,
  PRIMARY KEY (kind, hour, bucket)
);
CREATE TABLE visit_receipt_hours_delta (
  kind smallint NOT NULL,
  hour timestamptz NOT NULL,
  bucket integer NOT NULL,
  visits bigint NOT NULL
);

CREATE VIEW visit_receipt_hours AS
SELECT kind, hour, bucket, sum(visits)::bigint AS visits
  FROM (SELECT kind, hour, bucket, visits FROM visit_receipt_hours_folded
        UNION ALL
        SELECT kind, hour, bucket, visits FROM visit_receipt_hours_delta) t
 GROUP BY kind, hour, bucket
HAVING sum(visits) <> 0;

-- The (kind, hour, bucket) counts of the visits in `rows` (a transition table or a partition),
-- times `sign`, as one statement: the text the triggers and retention run.
CREATE FUNCTION visit_receipt_append_sql(rows text, sign integer) RETURNS text
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

-- The transition tables are visible to the trigger function's own statements (its dynamic
-- ones too), not to a function it calls: each runs the text itself.
CREATE FUNCTION visit_receipt_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE visit_receipt_append_sql('new_visits', 1);
  RETURN NULL;
END $$;

CREATE FUNCTION visit_receipt_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE visit_receipt_append_sql('old_visits', -1);
  RETURN NULL;
END $$;

CREATE TRIGGER visits_receipt_insert AFTER INSERT ON visits
  REFERENCING NEW TABLE AS new_visits FOR EACH STATEMENT
  EXECUTE FUNCTION visit_receipt_add();
CREATE TRIGGER visits_receipt_delete AFTER DELETE ON visits
  REFERENCING OLD TABLE AS old_visits FOR EACH STATEMENT
  EXECUTE FUNCTION visit_receipt_subtract();

-- Retention drops a month of visits by their raw start; its visits were received in any hour,
-- so their counts are taken out from the partition itself, before it is dropped
-- (data-access/partitions.ts).
CREATE FUNCTION visit_receipt_forget(partition regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE visit_receipt_append_sql(partition::text, -1);
END $$;

-- As visit_rollups_fold (migration rollup-deltas): committed deltas into the totals in one
-- transaction, folders taking turns by an advisory lock; resolves with the delta rows moved.
CREATE FUNCTION visit_receipt_fold() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  e_kinds smallint[];
  e_hours timestamptz[];
  e_buckets integer[];
  moved_rows bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('visit_receipt_fold'));
  WITH moved AS (
    DELETE FROM visit_receipt_hours_delta RETURNING kind, hour, bucket, visits
  ), summed AS (
    SELECT kind, hour, bucket, sum(visits)::bigint AS visits, count(*) AS n
      FROM moved GROUP BY kind, hour, bucket
  ), up AS (
    INSERT INTO visit_receipt_hours_folded AS r (kind, hour, bucket, visits)
    SELECT kind, hour, bucket, visits FROM summed ORDER BY kind, hour, bucket
    ON CONFLICT (kind, hour, bucket) DO UPDATE SET visits = r.visits + EXCLUDED.visits
    RETURNING r.kind, r.hour, r.bucket, r.visits
  )
  SELECT (SELECT coalesce(sum(n), 0) FROM summed),
         array_agg(kind) FILTER (WHERE visits = 0), array_agg(hour) FILTER (WHERE visits = 0),
         array_agg(bucket) FILTER (WHERE visits = 0)
    INTO moved_rows, e_kinds, e_hours, e_buckets
    FROM up;
  DELETE FROM visit_receipt_hours_folded r
   USING unnest(e_kinds, e_hours, e_buckets) AS g (kind, hour, bucket)
   WHERE r.kind = g.kind AND r.hour = g.hour AND r.bucket = g.bucket AND r.visits = 0;
  RETURN moved_rows;
END $$;
REVOKE ALL ON FUNCTION visit_receipt_fold() FROM PUBLIC;

-- What is stored already.
DO $$ BEGIN EXECUTE visit_receipt_append_sql('visits', 1); END $$;
SELECT visit_receipt_fold();

-- The writers append (the consumer's role through its trigger, the API's erases and retention
-- too) and fold; Grafana's admin role reads the view. Counts of delays and skews only, and
-- nothing for grafana_study_reader: not even the bucket functions (PUBLIC may run any function
-- by default).
REVOKE ALL ON FUNCTION receipt_bucket(double precision), receipt_bucket_seconds(integer),
  visit_receipt_append_sql(text, integer), visit_receipt_forget(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION receipt_bucket(double precision), receipt_bucket_seconds(integer)
  TO grafana_reader, tracksphere_app, tracksphere_writer;
GRANT EXECUTE ON FUNCTION visit_receipt_append_sql(text, integer)
  TO tracksphere_app, tracksphere_writer;
GRANT EXECUTE ON FUNCTION visit_receipt_forget(regclass) TO tracksphere_app;
GRANT EXECUTE ON FUNCTION visit_receipt_fold() TO tracksphere_writer, tracksphere_app;
GRANT INSERT ON visit_receipt_hours_delta TO tracksphere_writer;
GRANT SELECT, INSERT ON visit_receipt_hours_delta TO tracksphere_app;
GRANT SELECT ON visit_receipt_hours TO grafana_reader;

-- Down Migration
DROP TRIGGER visits_receipt_delete ON visits;
DROP TRIGGER visits_receipt_insert ON visits;
DROP FUNCTION visit_receipt_fold();
DROP FUNCTION visit_receipt_forget(regclass);
DROP FUNCTION visit_receipt_subtract();
DROP FUNCTION visit_receipt_add();
DROP FUNCTION visit_receipt_append_sql(text, integer);
DROP VIEW visit_receipt_hours;
DROP TABLE visit_receipt_hours_delta;
DROP TABLE visit_receipt_hours_folded;
DROP FUNCTION receipt_bucket_seconds(integer);
DROP FUNCTION receipt_bucket(double precision);
