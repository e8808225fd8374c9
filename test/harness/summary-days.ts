/** The summary's daily rollup (visit_rollup_days) against what visits hold. */
import { expect } from 'vitest';
import type { Pool } from '../../server/src/data-access/pool.js';

/** visit_rollup_days equals a GROUP BY of visits per device, UTC day of the raw start and domain. */
export async function expectSummaryDaysMatchVisits(pool: Pool): Promise<void> {
  const sql = (from: string) => `SELECT device_id, day::text, domain, active_ms::bigint,
      visits::bigint FROM ${from} ORDER BY 1, 2, 3`;
  const days = await pool.query(sql('visit_rollup_days'));
  const fromVisits = await pool.query(
    sql(`(SELECT device_id, (started_at AT TIME ZONE 'UTC')::date AS day, domain,
                 sum(active_ms) AS active_ms, count(*) AS visits FROM visits GROUP BY 1, 2, 3) v`),
  );
  expect(days.rows).toEqual(fromVisits.rows);
}

/** The names of visit_rollup_days' partitions, sorted. */
export async function summaryDaysPartitions(pool: Pool): Promise<string[]> {
  const r = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'visit_rollup_days' ORDER BY 1`,
  );
  return r.rows.map((row) => row.name);
}
