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
