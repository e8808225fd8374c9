/**
 * The summary's daily rollup (visit_rollup_days, migration 1796620000000) under partition
 * maintenance: its months are made and dropped with visits' months, rows moved out of the
 * default partition keep their sums, and what retention deletes row by row (through
 * visit_rollup, whose changes the days follow) leaves the days too. After each run the days
 * equal a GROUP BY of visits.
 */
import { describe, expect, it } from 'vitest';
import { partitionName } from '../../server/src/data-access/partitions.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import {
  insertRowByRowCase,
  maintainAtNow,
  month,
  partitions,
  stored,
  visit,
  withDatabase,
} from '../harness/retention.js';
import { expectSummaryDaysMatchVisits } from '../harness/summary-days.js';

const daysName = (visitsPartition: string) =>
  visitsPartition.replace('visits_', 'visit_rollup_days_');

describe("the summary's daily rollup under partition maintenance", () => {
  it("has a month for each of visits' months, and loses it when retention drops that month", () =>
    withDatabase('days_drop', async (pool, device) => {
      const visitMonths = (await partitions(pool)).filter((n) => n !== 'visits_default');
      expect(await partitions(pool, 'visit_rollup_days')).toEqual(
        [...visitMonths.map(daysName), 'visit_rollup_days_default'].sort(),
      );
      const old = visit(device, month(-5, 3), 0);
      await insertVisits(pool, [
        old,
        visit(device, month(-1, 3), 0),
        visit(device, month(-1, 3), 0),
      ]);
      await expectSummaryDaysMatchVisits(pool);
      const res = await maintainAtNow(pool, 60);
      expect(res.dropped).toEqual([partitionName(month(-5))]);
      expect(await partitions(pool, 'visit_rollup_days')).not.toContain(
        daysName(partitionName(month(-5))),
      );
      expect(await stored(pool, [old])).toEqual([]);
      await expectSummaryDaysMatchVisits(pool);
    }));

  it('takes out the rows retention deletes one by one (a month kept for a later visit, the default partition)', () =>
    withDatabase('days_rows', async (pool, device) => {
      await insertRowByRowCase(pool, device);
      await expectSummaryDaysMatchVisits(pool);
      const res = await maintainAtNow(pool, 60);
      expect(res.deletedRows).toBe(2);
      expect(res.deletedFromDefault).toBe(1);
      await expectSummaryDaysMatchVisits(pool);
    }));

  it("moves a month's sums out of the default partition when that month is made", () =>
    withDatabase('days_move', async (pool, device) => {
      await insertVisits(pool, [visit(device, month(4, 2), 0)]);
      const before = await pool.query('SELECT * FROM visit_rollup_days_default');
      expect(before.rowCount).toBe(1);
      await maintainAtNow(pool, 395, 4);
      const name = daysName(partitionName(month(4)));
      expect(await partitions(pool, 'visit_rollup_days')).toContain(name);
      expect((await pool.query(`SELECT * FROM ${name}`)).rows).toEqual(before.rows);
      expect((await pool.query('SELECT * FROM visit_rollup_days_default')).rowCount).toBe(0);
      await expectSummaryDaysMatchVisits(pool);
    }));
});
