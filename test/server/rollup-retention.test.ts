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
import { waitFor } from '../harness/client.js';
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

  it('makes a month while a writer holds the default partition, without a deadlock', () =>
    withDatabase('rollup_lock_order', async (pool, device) => {
      // A writer's transaction has touched visits' default partition (a month not made yet)
      // and has not reached its rollup trigger; maintenance then makes that month.
      const writer = await pool.connect();
      try {
        await writer.query('BEGIN');
        await writer.query('SELECT 1 FROM visits_default FOR UPDATE');
        const maintaining = maintainAtNow(pool, 395, 4).then(
          () => 'done',
          (err: Error) => err.message,
        );
        // Asked on the writer's own connection (the test's pool has no other one free); the
        // statistics snapshot is per transaction, so it is cleared before each look.
        await waitFor(async () => {
          await writer.query('SELECT pg_stat_clear_snapshot()');
          const r = await writer.query(
            `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
          );
          return (r.rowCount ?? 0) > 0;
        }, 'maintenance to wait for the writer');
        // The writer's insert lands in the default partition, its trigger in the rollup's.
        await writer.query(
          `INSERT INTO visits (id, started_at, ended_at, device_id, session_id, batch_id, url,
             domain, title, active_ms, transition, started_at_corrected, ended_at_corrected,
             clock_skew_ms, received_at)
           VALUES (gen_random_uuid(), $2, $2::timestamptz + interval '1 minute', $1,
             gen_random_uuid(), gen_random_uuid(), 'https://example.com/', 'example.com', NULL,
             1000, 'link', $2, $2::timestamptz + interval '1 minute', 0, now())`,
          [device, month(4, 2).toISOString()],
        );
        await writer.query('COMMIT');
        expect(await maintaining).toBe('done');
      } finally {
        await writer.query('ROLLBACK').catch(() => undefined);
        writer.release();
      }
      expect(await partitions(pool, 'visit_rollup')).toContain(
        partitionName(month(4)).replace('visits_', 'visit_rollup_'),
      );
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
