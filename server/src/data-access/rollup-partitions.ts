import type { PoolClient } from './pool.js';

/**
 * The monthly partitions of visit_rollup, kept in step with those of visits: the rollup counts
 * a visit in the UTC hour of its raw started_at, visits' partition key, so the rollup's month
 * holds exactly the counts of visits' month of the same name, and the two are dropped together.
 */
export function rollupPartitionName(visitsPartition: string): string {
  return visitsPartition.replace(/^visits_/, 'visit_rollup_');
}

/** The names of `parent`'s partitions (visits, visit_rollup, visit_rollup_days). */
export async function partitionsOf(client: PoolClient, parent: string): Promise<Set<string>> {
  const r = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = $1`,
    [parent],
  );
  return new Set(r.rows.map((row) => row.name));
}

/** The names of visit_rollup's partitions. */
export function rollupPartitions(client: PoolClient): Promise<Set<string>> {
  return partitionsOf(client, 'visit_rollup');
}

/**
 * Creates `name` as `parent`'s partition for the `key` range [from, to) unless `existing` has
 * it, moving the rows `parent`_default holds for that range into it first (PostgreSQL refuses
 * to attach a range the default partition holds rows for). `from` and `to` are the bounds as
 * SQL literals of `key`'s type.
 */
export async function ensureRangePartition(
  client: PoolClient,
  existing: Set<string>,
  parent: string,
  key: string,
  name: string,
  from: string,
  to: string,
): Promise<boolean> {
  if (existing.has(name)) return false;
  await client.query(
    `CREATE TABLE ${name} (LIKE ${parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
  );
  await client.query(
    `WITH m AS (DELETE FROM ${parent}_default WHERE ${key} >= $1 AND ${key} < $2 RETURNING *)
     INSERT INTO ${name} SELECT * FROM m`,
    [from, to],
  );
  await client.query(
    `ALTER TABLE ${parent} ATTACH PARTITION ${name} FOR VALUES FROM ('${from}') TO ('${to}')`,
  );
  existing.add(name);
  return true;
}

/**
 * Creates the rollup's partition for [from, to) unless `existing` has it, moving the rows the
 * default partition holds for that range into it first (as for visits).
 */
export async function ensureRollupPartition(
  client: PoolClient,
  existing: Set<string>,
  visitsPartition: string,
  from: Date,
  to: Date,
): Promise<void> {
  await ensureRangePartition(
    client,
    existing,
    'visit_rollup',
    'hour',
    rollupPartitionName(visitsPartition),
    from.toISOString(),
    to.toISOString(),
  );
}

/**
 * Drops the rollup's month along with visits' month `visitsPartition` (retention), and takes
 * that month out of the dashboards' rollups (unpartitioned; migration dashboard-rollups).
 */
export async function dropRollupPartition(
  client: PoolClient,
  visitsPartition: string,
): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${rollupPartitionName(visitsPartition)}`);
  const m = /^visits_(\d{4})_(\d{2})$/.exec(visitsPartition);
  if (m === null) return;
  const from = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  const to = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1));
  await client.query('SELECT visit_dashboard_rollups_forget($1, $2)', [from, to]);
}

/**
 * The dashboards' hour and day sums (migration dashboard-rollups) less the deleted rows `d`, as
 * CTEs uh, ud and udh (the per-domain ones as negative deltas, which the fold takes into the
 * totals: migration rollup-deltas); s: the (device, session) pairs they were in; ur: Pipeline
 * health's receipt histograms less them (migration receipt-hours, as its visit_receipt_append_sql).
 */
const SUBTRACT_DASHBOARD_ROLLUPS = `
          gh AS (SELECT date_trunc('hour', started_at, 'UTC') AS hour, device_id, browser_name,
                        browser_major, os_name, device_type,
                        sum(active_ms)::bigint AS active_ms, count(*) AS visits
                   FROM d GROUP BY 1, 2, 3, 4, 5, 6),
          uh AS (UPDATE visit_device_hours r
                    SET active_ms = r.active_ms - g.active_ms, visits = r.visits - g.visits
                   FROM gh g
                  WHERE r.device_id = g.device_id AND r.hour = g.hour
                    AND r.browser_name IS NOT DISTINCT FROM g.browser_name
                    AND r.browser_major IS NOT DISTINCT FROM g.browser_major
                    AND r.os_name IS NOT DISTINCT FROM g.os_name
                    AND r.device_type IS NOT DISTINCT FROM g.device_type
                 RETURNING 1),
          gd AS (SELECT date_trunc('day', started_at, 'UTC') AS day, domain,
                        sum(active_ms)::bigint AS active_ms, count(*) AS visits
                   FROM d GROUP BY 1, 2),
          ud AS (INSERT INTO visit_domain_days_delta (day, domain, active_ms, visits)
                 SELECT day, domain, -active_ms, -visits FROM gd
                 RETURNING 1),
          gdh AS (SELECT domain, date_trunc('hour', started_at, 'UTC') AS hour,
                         sum(active_ms)::bigint AS active_ms, count(*) AS visits
                    FROM d GROUP BY 1, 2),
          udh AS (INSERT INTO visit_domain_hours_delta (domain, hour, active_ms, visits)
                  SELECT domain, hour, -active_ms, -visits FROM gdh
                  RETURNING 1),
          s AS (SELECT DISTINCT device_id, session_id FROM d),
          ur AS (INSERT INTO visit_receipt_hours_delta (kind, hour, bucket, visits)
                 SELECT k.kind, date_trunc('hour', d.received_at, 'UTC'), k.bucket, -count(*)
                   FROM d CROSS JOIN LATERAL (VALUES
                     (1::smallint, receipt_bucket(extract(epoch FROM d.received_at
                                     - d.ended_at_corrected)::float8 * 1000)),
                     (2::smallint, receipt_bucket(extract(epoch FROM d.written_at
                                     - d.received_at)::float8 * 1000)),
                     (3::smallint, receipt_bucket(d.clock_skew_ms::float8))) AS k (kind, bucket)
                  GROUP BY 1, 2, 3
                 RETURNING 1)`;

/**
 * The summary's change log (migration summary-changes) for the deleted rows' days, as CTE uc: a
 * statement on one partition fires none of the triggers on visits that record them otherwise.
 */
const RECORD_SUMMARY_CHANGES = `
          uc AS (INSERT INTO summary_changes AS c (device_id, day, xid)
                 SELECT DISTINCT device_id, day, pg_current_xact_id() FROM gy ORDER BY 1, 2
                 ON CONFLICT (device_id, day) DO UPDATE SET xid = EXCLUDED.xid
                 RETURNING 1)`;

/**
 * The keys and sums of the deleted rows `d` in the receipt hours and the page days and months
 * (migration pages-device-receipts; t: the newest titled one's corrected start per page day).
 */
const PAGES_RECEIPTS_KEYS = `
          rk AS (SELECT device_id, date_trunc('hour', received_at, 'UTC') AS hour, count(*) AS n
                   FROM d GROUP BY 1, 2),
          pk AS (SELECT domain, date_trunc('day', started_at, 'UTC') AS day, url, count(*) AS n,
                        sum(active_ms)::bigint AS a,
                        max(started_at_corrected) FILTER (WHERE title IS NOT NULL) AS t
                   FROM d WHERE url IS NOT NULL GROUP BY 1, 2, 3)`;

/** The rollups an update of deleteVisitsAndSubtract can empty rows of, and their time column. */
const EMPTIED_ROWS = [
  ['visit_rollup', 'hour'],
  ['visit_device_hours', 'hour'],
] as const;

/**
 * Deletes rows of one partition of visits (`table`: the statement names the partition, so the
 * rollup's trigger on visits does not fire) and takes them out of the rollup in the same
 * transaction; resolves with the rows deleted. `where` uses $1.. of `values`.
 */
export async function deleteVisitsAndSubtract(
  client: PoolClient,
  table: string,
  where: string,
  values: unknown[],
): Promise<number> {
  const r = await client.query<{
    deleted: string;
    first: Date | null;
    last: Date | null;
    devices: string[] | null;
    sessions: string[] | null;
    receipts: Record<string, unknown[] | null>;
    pages: Record<string, unknown[] | null>;
  }>(
    `WITH d AS (DELETE FROM ${table} WHERE ${where}
                RETURNING started_at, device_id, domain, active_ms, session_id, browser_name,
                          split_part(browser_version, '.', 1) AS browser_major, os_name,
                          device_type, received_at, ended_at_corrected, written_at,
                          clock_skew_ms, url, title, started_at_corrected),
          g AS (SELECT date_trunc('hour', started_at, 'UTC') AS hour, device_id, domain,
                       sum(active_ms)::bigint AS active_ms, count(*) AS visits
                  FROM d GROUP BY 1, 2, 3),
          u AS (UPDATE visit_rollup r
                   SET active_ms = r.active_ms - g.active_ms, visits = r.visits - g.visits
                  FROM g
                 WHERE r.device_id = g.device_id AND r.hour = g.hour AND r.domain = g.domain
                RETURNING 1),
          gy AS (SELECT device_id, (hour AT TIME ZONE 'UTC')::date AS day, domain,
                        sum(active_ms)::bigint AS active_ms, sum(visits)::bigint AS visits
                   FROM g GROUP BY 1, 2, 3),
          uy AS (UPDATE visit_rollup_days r
                    SET active_ms = r.active_ms - y.active_ms, visits = r.visits - y.visits
                   FROM gy y
                  WHERE r.device_id = y.device_id AND r.day = y.day AND r.domain = y.domain
                 RETURNING 1),
          ${RECORD_SUMMARY_CHANGES},
          ${SUBTRACT_DASHBOARD_ROLLUPS},
          ${PAGES_RECEIPTS_KEYS}
     SELECT count(*) AS deleted, min(started_at) AS first, max(started_at) AS last,
            (SELECT count(*) FROM u) + (SELECT count(*) FROM uy) + (SELECT count(*) FROM uh)
              + (SELECT count(*) FROM ud)
              + (SELECT count(*) FROM udh) + (SELECT count(*) FROM ur)
              + (SELECT count(*) FROM uc)
              AS updated,
            (SELECT array_agg(device_id ORDER BY device_id, session_id) FROM s) AS devices,
            (SELECT array_agg(session_id ORDER BY device_id, session_id) FROM s) AS sessions,
            (SELECT json_build_object('devs', array_agg(device_id), 'hours', array_agg(hour),
                                      'counts', array_agg(n)) FROM rk) AS receipts,
            (SELECT json_build_object('domains', array_agg(domain), 'days', array_agg(day),
                                      'urls', array_agg(url), 'counts', array_agg(n),
                                      'active', array_agg(a), 'titleAts', array_agg(t))
               FROM pk) AS pages
       FROM d`,
    values,
  );
  const row = r.rows[0];
  // The sessions those visits were in, made again from what is left (a separate statement:
  // one statement does not see its own deletes).
  if (row?.devices) {
    await client.query('SELECT visit_sessions_refresh($1::uuid[], $2::uuid[])', [
      row.devices,
      row.sessions,
    ]);
  }
  // The receipt hours' and page days' keys those visits were in (migration
  // pages-device-receipts): their newest receive time and title are read again from what is
  // left, so after the delete.
  const r2 = row?.receipts;
  if (r2?.devs) {
    await client.query(
      'SELECT visit_device_receipt_take($1::uuid[], $2::timestamptz[], $3::bigint[])',
      [r2.devs, r2.hours, r2.counts],
    );
  }
  const p = row?.pages;
  if (p?.domains) {
    await client.query(
      `SELECT visit_page_days_take($1::text[], $2::timestamptz[], $3::text[], $4::bigint[],
                                   $5::bigint[], $6::timestamptz[])`,
      [p.domains, p.days, p.urls, p.counts, p.active, p.titleAts],
    );
  }
  const deleted = Number(row?.deleted ?? 0);
  // The rows the update emptied (it cannot delete them in the same statement), within the
  // hours it touched, so only those partitions are read.
  if (deleted > 0 && row?.first && row.last) {
    for (const [table, unit] of EMPTIED_ROWS) {
      await client.query(
        `DELETE FROM ${table}
          WHERE visits <= 0 AND ${unit} >= date_trunc('${unit}', $1::timestamptz, 'UTC')
            AND ${unit} <= $2`,
        [row.first, row.last],
      );
    }
  }
  return deleted;
}
