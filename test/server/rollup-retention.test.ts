/**
 * The hourly rollup (visit_rollup, issue 18) under partition maintenance: its months are made
 * and dropped with visits' months, rows moved out of the default partition keep their counts,
 * and what retention deletes row by row leaves the rollup too. After each run the rollup equals
 * a GROUP BY of visits.
 */
import { describe, expect, it } from 'vitest';
import { maintainPartitions, partitionName } from '../../server/src/data-access/partitions.js';
import type { Pool } from '../../server/src/data-access/pool.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import { expectDashboardRollupsMatchVisits } from '../harness/dashboard-rollups.js';
import { DAY, month, NOW, partitions, stored, visit, withDatabase } from '../harness/retention.js';

async function rollupPartitions(pool: Pool): Promise<string[]> {
  const r = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'visit_rollup' ORDER BY 1`,
  );
  return r.rows.map((row) => row.name);
}

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

const run = (pool: Pool, retentionDays: number, monthsAhead = 0) =>
  maintainPartitions(pool, { now: new Date(NOW), monthsAhead, monthsBack: 0, retentionDays });

describe('the rollup under partition maintenance', () => {
  it("has a month for each of visits' months, and loses it when retention drops that month", () =>
    withDatabase('rollup_drop', async (pool, device) => {
      const visitMonths = (await partitions(pool)).filter((n) => n !== 'visits_default');
      expect(await rollupPartitions(pool)).toEqual(
        [
          ...visitMonths.map((n) => n.replace('visits_', 'visit_rollup_')),
          'visit_rollup_default',
        ].sort(),
      );
      const old = visit(device, month(-5, 3), 0);
      await insertVisits(pool, [old, visit(device, month(-1, 3), 0)]);
      await expectRollupMatchesVisits(pool);
      const res = await run(pool, 60);
      expect(res.dropped).toEqual([partitionName(month(-5))]);
      expect(await rollupPartitions(pool)).not.toContain(
        partitionName(month(-5)).replace('visits_', 'visit_rollup_'),
      );
      expect(await stored(pool, [old])).toEqual([]);
      await expectRollupMatchesVisits(pool);
    }));

  it('takes out the rows retention deletes one by one (a month kept for a later visit, the default partition)', () =>
    withDatabase('rollup_rows', async (pool, device) => {
      const raw = month(-5, 10);
      const old = visit(device, raw, 0);
      const young = visit(device, raw, NOW - 7_200_000 - raw.getTime(), new Date(NOW));
      const ancientRaw = new Date(Date.UTC(2001, 0, 1));
      const ancient = visit(device, ancientRaw, 0);
      const skewedIntoWindow = visit(device, ancientRaw, NOW - 3 * DAY - ancientRaw.getTime());
      // A device clock ahead: deleted through visits (the trigger takes it out).
      const ahead = visit(device, new Date(NOW + 10 * DAY), -110 * DAY, new Date(NOW));
      await insertVisits(pool, [old, young, ancient, skewedIntoWindow, ahead]);
      await expectRollupMatchesVisits(pool);
      const res = await run(pool, 60);
      expect(res.deletedRows).toBe(2);
      expect(res.deletedFromDefault).toBe(1);
      expect(await stored(pool, [old, young, ancient, skewedIntoWindow, ahead])).toEqual([
        young.id,
        skewedIntoWindow.id,
      ]);
      await expectRollupMatchesVisits(pool);
    }));

  it("moves a month's counts out of the default partition when that month is made", () =>
    withDatabase('rollup_move', async (pool, device) => {
      const future = visit(device, month(4, 2), 0);
      await insertVisits(pool, [future]);
      const before = await pool.query('SELECT * FROM visit_rollup_default');
      expect(before.rowCount).toBe(1);
      await run(pool, 395, 4);
      const name = partitionName(month(4)).replace('visits_', 'visit_rollup_');
      expect(await rollupPartitions(pool)).toContain(name);
      expect((await pool.query(`SELECT * FROM ${name}`)).rows).toEqual(before.rows);
      expect((await pool.query('SELECT * FROM visit_rollup_default')).rowCount).toBe(0);
      await expectRollupMatchesVisits(pool);
    }));
});
