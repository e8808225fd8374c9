/**
 * The dashboards' rollups (migration dashboard-rollups) as they must be: each one a GROUP BY of
 * what visits holds now. Tests call this after every write, erase and maintenance run.
 */
import { expect } from 'vitest';
import type { Pool } from '../../server/src/data-access/pool.js';
import { DASHBOARD_ROLLUPS } from './dashboard-rollup-sql.js';
import { PAGE_RECEIPT_ROLLUPS } from './page-receipt-rollup-sql.js';

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
  // Migration pages-device-receipts: the receipt hours and page days and months exactly; the
  // pages' monthly maxima plus the month deltas not folded yet are a bound, so at least each
  // month's largest page and no key without a page.
  const { visit_page_domain_months: maxima, ...exact } = PAGE_RECEIPT_ROLLUPS;
  for (const [table, grouped] of Object.entries(exact)) {
    const kept = await rowsOf(pool, table);
    const expected = await rowsOf(pool, `(${grouped})`);
    expect({ table, rows: kept }).toEqual({ table, rows: expected });
  }
  const below = await pool.query(
    `SELECT e.month, e.domain, e.max_active_ms, m.a AS kept
       FROM (${maxima}) e
       LEFT JOIN (SELECT month, domain, sum(a) AS a
                    FROM (SELECT month, domain, max_active_ms AS a FROM visit_page_domain_months
                          UNION ALL
                          SELECT month, domain, active_ms FROM visit_page_months_delta) x
                   GROUP BY 1, 2) m ON m.month = e.month AND m.domain = e.domain
      WHERE m.a IS NULL OR m.a < e.max_active_ms`,
  );
  expect(below.rows).toEqual([]);
}
