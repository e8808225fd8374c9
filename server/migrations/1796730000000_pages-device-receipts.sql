-- Up Migration

-- The last three panels over a second at study scale (issue 19: 3,000,000 visits over 90 days).
--
-- visit_device_receipt_hours: per device and UTC hour of receipt, the visits received and the
-- last receive time. Devices / Devices (last sync, visits) and Pipeline health / Events received
-- counted every visit received in the range (1.1-1.5 s over 90 days); they read these rows for
-- the whole hours and visits only for the partial hours at the edges. last_received is the
-- newest receive time of the visits still stored: an erase or retention that takes the newest
-- visit of a key out reads it again from the hour's visits (the received_at index).
--
-- visit_page_days and visit_page_months: per domain, UTC day (month) of the raw start and URL,
-- the visits, active time and the newest title (title_at: that visit's corrected start).
-- visit_page_domain_months: per month and domain, the largest active time one URL of it had
-- that month when last folded, never lowered by a delete (an upper bound, not a figure anyone
-- sees). Top pages grouped every visit of the range by URL (11.7 s over 90 days). A page's
-- active time in a range is at most its domain's bound: the sum of the domain's maxima over the
-- months the range touches plus the month deltas not folded yet. So Top pages sums the pages of
-- the few domains with the largest bound, takes the 50th best of those as a floor, and then sums
-- only the domains whose bound reaches it (whole months from the month rows, the other whole
-- days from the day rows): the same 50 as grouping every visit.
--
-- A popular page's rows are shared by every device, so as visit_domain_* (migration
-- rollup-deltas) the writer only appends: visit_page_days_delta and visit_page_months_delta get
-- the statement's sums, visit_pages_fold() moves committed deltas into the _folded totals (and
-- raises the maxima to the new month totals), and the views visit_page_days and
-- visit_page_months add the two. Erases and retention fold first and then take their visits out
-- of the totals, holding the fold's lock: only they and the fold change the totals.
CREATE TABLE visit_device_receipt_hours (
  device_id uuid NOT NULL,
  hour timestamptz NOT NULL,
  visits bigint NOT NULL,
  last_received timestamptz NOT NULL,
  PRIMARY KEY (device_id, hour)
);
-- Events received sums every device's hours of the range.
CREATE INDEX visit_device_receipt_hours_hour_idx ON visit_device_receipt_hours (hour)
  INCLUDE (device_id, visits, last_received);

CREATE TABLE visit_page_days_folded (
  domain text NOT NULL,
  day timestamptz NOT NULL,
  url text NOT NULL,
  visits bigint NOT NULL,
  active_ms bigint NOT NULL,
  title text,
  title_at timestamptz,
  PRIMARY KEY (domain, day, url)
);
CREATE TABLE visit_page_days_delta (LIKE visit_page_days_folded);
CREATE TABLE visit_page_months_folded (LIKE visit_page_days_folded);
ALTER TABLE visit_page_months_folded RENAME COLUMN day TO month;
ALTER TABLE visit_page_months_folded ADD PRIMARY KEY (domain, month, url);
CREATE TABLE visit_page_months_delta (LIKE visit_page_months_folded);
CREATE TABLE visit_page_domain_months (
  month timestamptz NOT NULL,
  domain text NOT NULL,
  max_active_ms bigint NOT NULL,
  PRIMARY KEY (month, domain)
);

-- Totals plus deltas, the newest title of either (for tests and for reading by hand; Top pages
-- reads the tables, so that its filters reach them).
CREATE VIEW visit_page_days AS
SELECT domain, day, url, sum(visits)::bigint AS visits, sum(active_ms)::bigint AS active_ms,
       (array_agg(title ORDER BY title_at DESC) FILTER (WHERE title IS NOT NULL))[1] AS title,
       max(title_at) FILTER (WHERE title IS NOT NULL) AS title_at
  FROM (SELECT * FROM visit_page_days_folded UNION ALL SELECT * FROM visit_page_days_delta) t
 GROUP BY domain, day, url
HAVING sum(visits) <> 0;
CREATE VIEW visit_page_months AS
SELECT domain, month, url, sum(visits)::bigint AS visits, sum(active_ms)::bigint AS active_ms,
       (array_agg(title ORDER BY title_at DESC) FILTER (WHERE title IS NOT NULL))[1] AS title,
       max(title_at) FILTER (WHERE title IS NOT NULL) AS title_at
  FROM (SELECT * FROM visit_page_months_folded UNION ALL SELECT * FROM visit_page_months_delta) t
 GROUP BY domain, month, url
HAVING sum(visits) <> 0;

-- The statement's pages appended to `tbl` (a _delta table) by `unit` (day or month) of the raw
-- start, each with its newest title. Run by the trigger function's own EXECUTE, so the
-- transition table new_visits is visible to it.
CREATE FUNCTION visit_pages_append_sql(tbl text, unit text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT format(
    'INSERT INTO %1$I (domain, %2$I, url, visits, active_ms, title, title_at)
     SELECT n.domain, date_trunc(%2$L, n.started_at, ''UTC''), n.url, count(*),
            sum(n.active_ms)::bigint,
            (array_agg(n.title ORDER BY n.started_at_corrected DESC)
               FILTER (WHERE n.title IS NOT NULL))[1],
            max(n.started_at_corrected) FILTER (WHERE n.title IS NOT NULL)
       FROM new_visits n
      WHERE n.url IS NOT NULL
      GROUP BY 1, 2, 3', tbl, unit)
$$;

-- Committed page deltas into the totals, in one transaction, folders (and erases) taking turns
-- by an advisory lock, as visit_rollups_fold; the month totals it makes raise their domain's
-- maximum. SECURITY DEFINER: the consumer's role folds but cannot change the totals itself.
-- Resolves with the delta rows moved.
CREATE FUNCTION visit_pages_fold() RETURNS bigint
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

-- Each statement's rows in key order, as the other rollups', so concurrent writers and an erase
-- cannot deadlock on them. Visits without a URL (the "domain" privacy level) have no page.
CREATE FUNCTION visit_pages_receipts_add() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- Takes visits out of visit_device_receipt_hours: `counts` visits of each (device, hour) key.
-- Keys left empty go; the others read their newest receive time again from the visits still
-- stored, less those of `skip` (a partition about to be dropped), so it must run after the
-- delete it follows (a statement does not see its own deletes).
CREATE FUNCTION visit_device_receipt_take(devs uuid[], hours timestamptz[], counts bigint[],
                                          skip regclass DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  WITH g AS (
    SELECT device_id, hour, sum(n)::bigint AS n
      FROM unnest(devs, hours, counts) AS k (device_id, hour, n) GROUP BY 1, 2
  ), locked AS MATERIALIZED (
    SELECT r.ctid AS row_id, r.device_id, r.hour, r.visits - g.n AS visits
      FROM visit_device_receipt_hours r JOIN g USING (device_id, hour)
     ORDER BY r.device_id, r.hour
       FOR UPDATE OF r
  ), gone AS (
    DELETE FROM visit_device_receipt_hours r USING locked l
     WHERE r.ctid = l.row_id AND l.visits <= 0
  )
  UPDATE visit_device_receipt_hours r
     SET visits = l.visits,
         last_received = coalesce((
           SELECT max(v.received_at) FROM visits v
            WHERE v.received_at >= l.hour AND v.received_at < l.hour + interval '1 hour'
              AND v.device_id = l.device_id
              AND (skip IS NULL OR v.tableoid <> skip)), r.last_received)
    FROM locked l
   WHERE r.ctid = l.row_id AND l.visits > 0;
END $$;

-- Takes visits out of the page days and months (after folding their deltas, holding the fold's
-- lock until commit, so no fold moves others' meanwhile): per (domain, day, url) key
-- `counts` visits, `active` ms, and `title_ats` the newest corrected start of those with a
-- title. Keys left empty go; a key whose title may have been one of them reads it again from
-- what is still stored (run after the delete): a day from its visits, a month from its days.
-- The monthly maxima stay: a bound that is too high costs only reading a domain's pages that
-- cannot make the list.
CREATE FUNCTION visit_page_days_take(domains text[], days timestamptz[], urls text[],
                                     counts bigint[], active bigint[], title_ats timestamptz[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM visit_pages_fold();
  PERFORM pg_advisory_xact_lock(hashtext('visit_pages_fold'));
  WITH g AS (
    SELECT domain, day, url, sum(n)::bigint AS n, sum(a)::bigint AS a, max(t) AS t
      FROM unnest(domains, days, urls, counts, active, title_ats) AS k (domain, day, url, n, a, t)
     GROUP BY 1, 2, 3
  ), locked AS MATERIALIZED (
    SELECT r.ctid AS row_id, r.domain, r.day, r.url, r.visits - g.n AS visits,
           r.active_ms - g.a AS active_ms, coalesce(g.t >= r.title_at, false) AS retitle
      FROM visit_page_days_folded r JOIN g USING (domain, day, url)
     ORDER BY r.domain, r.day, r.url
       FOR UPDATE OF r
  ), gone AS (
    DELETE FROM visit_page_days_folded r USING locked l
     WHERE r.ctid = l.row_id AND l.visits <= 0
  )
  UPDATE visit_page_days_folded r
     SET visits = l.visits, active_ms = l.active_ms,
         title = CASE WHEN l.retitle THEN t.title ELSE r.title END,
         title_at = CASE WHEN l.retitle THEN t.title_at ELSE r.title_at END
    FROM locked l
    LEFT JOIN LATERAL (
      SELECT v.title, v.started_at_corrected AS title_at FROM visits v
       WHERE l.retitle AND v.domain = l.domain AND v.started_at >= l.day
         AND v.started_at < l.day + interval '1 day' AND v.url = l.url AND v.title IS NOT NULL
       ORDER BY v.started_at_corrected DESC LIMIT 1) t ON true
   WHERE r.ctid = l.row_id AND l.visits > 0;

  WITH g AS (
    SELECT domain, date_trunc('month', day, 'UTC') AS month, url, sum(n)::bigint AS n,
           sum(a)::bigint AS a, max(t) AS t
      FROM unnest(domains, days, urls, counts, active, title_ats) AS k (domain, day, url, n, a, t)
     GROUP BY 1, 2, 3
  ), locked AS MATERIALIZED (
    SELECT r.ctid AS row_id, r.domain, r.month, r.url, r.visits - g.n AS visits,
           r.active_ms - g.a AS active_ms, coalesce(g.t >= r.title_at, false) AS retitle
      FROM visit_page_months_folded r JOIN g USING (domain, month, url)
     ORDER BY r.domain, r.month, r.url
       FOR UPDATE OF r
  ), gone AS (
    DELETE FROM visit_page_months_folded r USING locked l
     WHERE r.ctid = l.row_id AND l.visits <= 0
  )
  UPDATE visit_page_months_folded r
     SET visits = l.visits, active_ms = l.active_ms,
         title = CASE WHEN l.retitle THEN t.title ELSE r.title END,
         title_at = CASE WHEN l.retitle THEN t.title_at ELSE r.title_at END
    FROM locked l
    LEFT JOIN LATERAL (
      SELECT p.title, p.title_at FROM visit_page_days_folded p
       WHERE l.retitle AND p.domain = l.domain AND p.day >= l.month
         AND p.day < ((l.month AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC'
         AND p.url = l.url AND p.title IS NOT NULL
       ORDER BY p.title_at DESC LIMIT 1) t ON true
   WHERE r.ctid = l.row_id AND l.visits > 0;
END $$;

CREATE FUNCTION visit_pages_receipts_subtract() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  devs uuid[];
  hours timestamptz[];
  counts bigint[];
  domains text[];
  days timestamptz[];
  urls text[];
  active bigint[];
  title_ats timestamptz[];
BEGIN
  SELECT array_agg(device_id), array_agg(hour), array_agg(n) INTO devs, hours, counts
    FROM (SELECT o.device_id, date_trunc('hour', o.received_at, 'UTC') AS hour, count(*) AS n
            FROM old_visits o GROUP BY 1, 2) g;
  PERFORM visit_device_receipt_take(devs, hours, counts);
  SELECT array_agg(domain), array_agg(day), array_agg(url), array_agg(n), array_agg(a),
         array_agg(t)
    INTO domains, days, urls, counts, active, title_ats
    FROM (SELECT o.domain, date_trunc('day', o.started_at, 'UTC') AS day, o.url, count(*) AS n,
                 sum(o.active_ms)::bigint AS a,
                 max(o.started_at_corrected) FILTER (WHERE o.title IS NOT NULL) AS t
            FROM old_visits o WHERE o.url IS NOT NULL GROUP BY 1, 2, 3) g;
  PERFORM visit_page_days_take(domains, days, urls, counts, active, title_ats);
  RETURN NULL;
END $$;

CREATE TRIGGER visits_pages_receipts_insert AFTER INSERT ON visits
  REFERENCING NEW TABLE AS new_visits FOR EACH STATEMENT
  EXECUTE FUNCTION visit_pages_receipts_add();
CREATE TRIGGER visits_pages_receipts_delete AFTER DELETE ON visits
  REFERENCING OLD TABLE AS old_visits FOR EACH STATEMENT
  EXECUTE FUNCTION visit_pages_receipts_subtract();

-- Retention drops a month of visits by their raw start (data-access/partitions.ts), before the
-- DROP: its page days and month are that month's; its visits were received in any hour, so their
-- receipt counts are taken from the partition itself.
CREATE FUNCTION visit_pages_receipts_forget(partition regclass) RETURNS void
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

-- What is stored already.
INSERT INTO visit_device_receipt_hours (device_id, hour, visits, last_received)
SELECT device_id, date_trunc('hour', received_at, 'UTC'), count(*), max(received_at)
  FROM visits GROUP BY 1, 2;
INSERT INTO visit_page_days_folded (domain, day, url, visits, active_ms, title, title_at)
SELECT domain, date_trunc('day', started_at, 'UTC'), url, count(*), sum(active_ms)::bigint,
       (array_agg(title ORDER BY started_at_corrected DESC) FILTER (WHERE title IS NOT NULL))[1],
       max(started_at_corrected) FILTER (WHERE title IS NOT NULL)
  FROM visits WHERE url IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO visit_page_months_folded (domain, month, url, visits, active_ms, title, title_at)
SELECT domain, date_trunc('month', started_at, 'UTC'), url, count(*), sum(active_ms)::bigint,
       (array_agg(title ORDER BY started_at_corrected DESC) FILTER (WHERE title IS NOT NULL))[1],
       max(started_at_corrected) FILTER (WHERE title IS NOT NULL)
  FROM visits WHERE url IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO visit_page_domain_months (month, domain, max_active_ms)
SELECT month, domain, max(active_ms) FROM visit_page_months_folded GROUP BY 1, 2;

-- The writing processes fold every 10 s by calling visit_rollups_fold() and
-- visit_receipt_fold() (data-access/rollup-fold.ts): the page deltas are folded with the
-- receipt hours' (migration receipt-hours' body, then visit_pages_fold()).
CREATE OR REPLACE FUNCTION visit_receipt_fold() RETURNS bigint
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
  RETURN moved_rows + visit_pages_fold();
END $$;

-- The consumer's writer adds its device's receipt hours and appends page deltas; the API
-- (embedded writer, erases, retention) also takes out. Grafana's admin role reads them (it reads
-- visits' URLs and titles already); the Study role reads none of it.
GRANT SELECT, INSERT, UPDATE, DELETE ON visit_device_receipt_hours TO tracksphere_app;
GRANT SELECT, INSERT, UPDATE ON visit_device_receipt_hours TO tracksphere_writer;
GRANT INSERT ON visit_page_days_delta, visit_page_months_delta TO tracksphere_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON visit_page_days_folded, visit_page_days_delta,
  visit_page_months_folded, visit_page_months_delta, visit_page_domain_months TO tracksphere_app;
GRANT SELECT ON visit_device_receipt_hours, visit_page_days_folded, visit_page_days_delta,
  visit_page_months_folded, visit_page_months_delta, visit_page_domain_months, visit_page_days,
  visit_page_months TO grafana_reader;
REVOKE ALL ON FUNCTION visit_pages_append_sql(text, text), visit_pages_fold() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION visit_pages_append_sql(text, text)
  TO tracksphere_app, tracksphere_writer;
GRANT EXECUTE ON FUNCTION visit_pages_fold() TO tracksphere_app, tracksphere_writer;
REVOKE ALL ON FUNCTION visit_device_receipt_take(uuid[], timestamptz[], bigint[], regclass),
  visit_page_days_take(text[], timestamptz[], text[], bigint[], bigint[], timestamptz[]),
  visit_pages_receipts_forget(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION visit_device_receipt_take(uuid[], timestamptz[], bigint[], regclass),
  visit_page_days_take(text[], timestamptz[], text[], bigint[], bigint[], timestamptz[]),
  visit_pages_receipts_forget(regclass) TO tracksphere_app;

-- Down Migration
-- visit_receipt_fold as migration receipt-hours made it.
CREATE OR REPLACE FUNCTION visit_receipt_fold() RETURNS bigint
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

DROP TRIGGER visits_pages_receipts_delete ON visits;
DROP TRIGGER visits_pages_receipts_insert ON visits;
DROP FUNCTION visit_pages_receipts_forget(regclass);
DROP FUNCTION visit_pages_receipts_subtract();
DROP FUNCTION visit_page_days_take(text[], timestamptz[], text[], bigint[], bigint[], timestamptz[]);
DROP FUNCTION visit_device_receipt_take(uuid[], timestamptz[], bigint[], regclass);
DROP FUNCTION visit_pages_receipts_add();
DROP FUNCTION visit_pages_fold();
DROP FUNCTION visit_pages_append_sql(text, text);
DROP VIEW visit_page_months;
DROP VIEW visit_page_days;
DROP TABLE visit_page_domain_months;
DROP TABLE visit_page_months_delta;
DROP TABLE visit_page_months_folded;
DROP TABLE visit_page_days_delta;
DROP TABLE visit_page_days_folded;
DROP TABLE visit_device_receipt_hours;
