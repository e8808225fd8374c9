/**
 * The hourly rollup (visit_rollup, issue 18) under partition maintenance: its months are made
 * and dropped with visits' months, rows moved out of the default partition keep their counts,
 * and what retention deletes row by row leaves the rollup too. After each run the rollup equals
 * a GROUP BY of visits.
 */
import { describe, expect, it } from 'vitest';
import { partitionName } from '../../server/src/data-access/partitions.js';
import type { Pool } from '../../server/src/data-access/pool.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import { expectDashboardRollupsMatchVisits } from '../harness/dashboard-rollups.js';
import {
  insertRowByRowCase,
  maintainAtNow,
  month,
  partitions,
  stored,
  visit,
  withDatabase,
} from '../harness/retention.js';

async function expectRollupMatchesVisits(pool: Pool): Promise<void> {
  const sql = (from: string) => `SELECT hour, device_id, domain, active_ms::bigint, visits::bigint
    FROM ${from} ORDER BY 1, 2, 3`;
  const rollup = await pool.query(sql('visit_rollup'));
  const fromVisits = await pool.query(
    sql(`(SELECT date_trunc('hour', started_at, 'UTC') AS hour, device_id, domain,
                 sum(active_ms) AS active_ms, count(*) AS visits FROM visits GROUP BY 1, 2, 3) v`),
  );
  expect(rollup.rows).toEqual(fromVisits.rows);
  await expectDashboardRollupsMatchVisits(pool);
}

describe('the rollup under partition maintenance', () => {
  it("has a month for each of visits' months, and loses it when retention drops that month", () =>
    withDatabase('rollup_drop', async (pool, device) => {
      const visitMonths = (await partitions(pool)).filter((n) => n !== 'visits_default');
      expect(await partitions(pool, 'visit_rollup')).toEqual(
        [
          ...visitMonths.map((n) => n.replace('visits_', 'visit_rollup_')),
          'visit_rollup_default',
        ].sort(),
      );
      const old = visit(device, month(-5, 3), 0);
      await insertVisits(pool, [old, visit(device, month(-1, 3), 0)]);
      await expectRollupMatchesVisits(pool);
      const res = await maintainAtNow(pool, 60);
      expect(res.dropped).toEqual([partitionName(month(-5))]);
      expect(await partitions(pool, 'visit_rollup')).not.toContain(
        partitionName(month(-5)).replace('visits_', 'visit_rollup_'),
      );
      expect(await stored(pool, [old])).toEqual([]);
      await expectRollupMatchesVisits(pool);
    }));

  it('takes out the rows retention deletes one by one (a month kept for a later visit, the default partition)', () =>
    withDatabase('rollup_rows', async (pool, device) => {
      const { all, young, skewedIntoWindow } = await insertRowByRowCase(pool, device);
      await expectRollupMatchesVisits(pool);
      const res = await maintainAtNow(pool, 60);
      expect(res.deletedRows).toBe(2);
      expect(res.deletedFromDefault).toBe(1);
      expect(await stored(pool, all)).toEqual([young.id, skewedIntoWindow.id]);
      await expectRollupMatchesVisits(pool);
    }));

  it("moves a month's counts out of the default partition when that month is made", () =>
    withDatabase('rollup_move', async (pool, device) => {
      const future = visit(device, month(4, 2), 0);
      await insertVisits(pool, [future]);
      const before = await pool.query('SELECT * FROM visit_rollup_default');
      expect(before.rowCount).toBe(1);
      await maintainAtNow(pool, 395, 4);
      const name = partitionName(month(4)).replace('visits_', 'visit_rollup_');
      expect(await partitions(pool, 'visit_rollup')).toContain(name);
      expect((await pool.query(`SELECT * FROM ${name}`)).rows).toEqual(before.rows);
      expect((await pool.query('SELECT * FROM visit_rollup_default')).rowCount).toBe(0);
      await expectRollupMatchesVisits(pool);
    }));
});
