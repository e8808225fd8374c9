/**
 * The dashboards' rollups (migration dashboard-rollups) as they must be: each one a GROUP BY of
 * what visits holds now. Tests call this after every write, erase and maintenance run.
 */
import { expect } from 'vitest';
import type { Pool } from '../../server/src/data-access/pool.js';
import { DASHBOARD_ROLLUPS } from './dashboard-rollup-sql.js';

/** Every row of `table`, or of its GROUP BY over visits, in one order. */
async function rowsOf(pool: Pool, from: string): Promise<unknown[]> {
  const r = await pool.query(`SELECT * FROM ${from} AS x ORDER BY x`);
  return r.rows;
}

export async function expectDashboardRollupsMatchVisits(pool: Pool): Promise<void> {
  for (const [table, grouped] of Object.entries(DASHBOARD_ROLLUPS)) {
    const kept = await rowsOf(pool, table);
    const expected = await rowsOf(pool, `(${grouped})`);
    expect({ table, rows: kept }).toEqual({ table, rows: expected });
  }
}
