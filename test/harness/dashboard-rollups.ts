/**
 * The dashboards' rollups (migration dashboard-rollups) as they must be: each one a GROUP BY of
 * what visits holds now. Tests call this after every write, erase and maintenance run.
 */
import { expect } from 'vitest';
import type { Pool } from '../../server/src/data-access/pool.js';

const FROM_VISITS = {
  visit_device_hours: `SELECT date_trunc('hour', started_at, 'UTC') AS hour, device_id,
      browser_name, split_part(browser_version, '.', 1) AS browser_major, os_name, device_type,
      sum(active_ms)::bigint AS active_ms, count(*)::bigint AS visits
    FROM visits GROUP BY 1, 2, 3, 4, 5, 6`,
  visit_domain_days: `SELECT date_trunc('day', started_at, 'UTC') AS day, domain,
      sum(active_ms)::bigint AS active_ms, count(*)::bigint AS visits
    FROM visits GROUP BY 1, 2`,
  visit_sessions: `SELECT device_id, session_id, min(started_at_corrected) AS started,
      max(ended_at_corrected) AS ended, max(started_at_corrected) AS last_start,
      count(*)::bigint AS visits, min(started_at) AS first_raw, max(started_at) AS last_raw
    FROM visits GROUP BY 1, 2`,
} as const;

/** Every row of `table`, or of its GROUP BY over visits, in one order. */
async function rowsOf(pool: Pool, from: string): Promise<unknown[]> {
  const r = await pool.query(`SELECT * FROM ${from} AS x ORDER BY x`);
  return r.rows;
}

export async function expectDashboardRollupsMatchVisits(pool: Pool): Promise<void> {
  for (const [table, grouped] of Object.entries(FROM_VISITS)) {
    const kept = await rowsOf(pool, table);
    const expected = await rowsOf(pool, `(${grouped})`);
    expect({ table, rows: kept }).toEqual({ table, rows: expected });
  }
}
