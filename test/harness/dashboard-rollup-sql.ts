/**
 * Each dashboard rollup (migration dashboard-rollups) as a GROUP BY of visits, in the table's
 * column order: what the tests compare the rollups with, and what bench/dashboards.ts fills
 * them with after seeding with the triggers off.
 */
export const DASHBOARD_ROLLUPS: Readonly<Record<string, string>> = {
  visit_device_hours: `SELECT date_trunc('hour', started_at, 'UTC') AS hour, device_id,
      browser_name, split_part(browser_version, '.', 1) AS browser_major, os_name, device_type,
      sum(active_ms)::bigint AS active_ms, count(*)::bigint AS visits
    FROM visits GROUP BY 1, 2, 3, 4, 5, 6`,
  visit_domain_days: `SELECT date_trunc('day', started_at, 'UTC') AS day, domain,
      sum(active_ms)::bigint AS active_ms, count(*)::bigint AS visits
    FROM visits GROUP BY 1, 2`,
  visit_domain_hours: `SELECT domain, date_trunc('hour', started_at, 'UTC') AS hour,
      sum(active_ms)::bigint AS active_ms, count(*)::bigint AS visits
    FROM visits GROUP BY 1, 2`,
  visit_sessions: `SELECT device_id, session_id, min(started_at_corrected) AS started,
      max(ended_at_corrected) AS ended, max(started_at_corrected) AS last_start,
      count(*)::bigint AS visits, min(started_at) AS first_raw, max(started_at) AS last_raw
    FROM visits GROUP BY 1, 2`,
  // Pipeline health's histograms by hour of receipt (migration receipt-hours).
  visit_receipt_hours: `SELECT k.kind, date_trunc('hour', v.received_at, 'UTC') AS hour, k.bucket,
      count(*)::bigint AS visits
    FROM visits v CROSS JOIN LATERAL (VALUES
      (1::smallint,
       receipt_bucket(extract(epoch FROM v.received_at - v.ended_at_corrected)::float8 * 1000)),
      (2::smallint, receipt_bucket(extract(epoch FROM v.written_at - v.received_at)::float8 * 1000)),
      (3::smallint, receipt_bucket(v.clock_skew_ms::float8))) AS k (kind, bucket)
    GROUP BY 1, 2, 3`,
};

/** The table each rollup is stored in: the per-domain ones are views of folded totals. */
const STORED_IN: Readonly<Record<string, string>> = {
  visit_domain_days: 'visit_domain_days_folded',
  visit_domain_hours: 'visit_domain_hours_folded',
  visit_receipt_hours: 'visit_receipt_hours_folded',
};

/** Fills every dashboard rollup from visits (on a database whose rollups are empty). */
export async function fillDashboardRollups(client: {
  query(sql: string): Promise<unknown>;
}): Promise<void> {
  for (const [table, grouped] of Object.entries(DASHBOARD_ROLLUPS)) {
    await client.query(`INSERT INTO ${STORED_IN[table] ?? table} ${grouped}`);
  }
}
