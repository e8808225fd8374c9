/**
 * The summary's change log (migration summary-changes) under retention and erases: every day
 * they take visits from is recorded as changed by their transaction, so an incremental summary
 * (GET /api/v1/me/summary?since) replaces it. Retention drops whole months and deletes from
 * single partitions, which fire none of the triggers on visits: it records those days itself.
 */
import { describe, expect, it } from 'vitest';
import { eraseDevice } from '../../server/src/data-access/devices-repo.js';
import { partitionName } from '../../server/src/data-access/partitions.js';
import type { Pool } from '../../server/src/data-access/pool.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import {
  insertRowByRowCase,
  maintainAtNow,
  month,
  visit,
  withDatabase,
} from '../harness/retention.js';

const isoDay = (at: Date | string): string => new Date(at).toISOString().slice(0, 10);

async function snapshot(pool: Pool): Promise<string> {
  const r = await pool.query<{ s: string }>('SELECT pg_current_snapshot()::text AS s');
  return r.rows[0]?.s ?? '';
}

/** The device's UTC days changed by a transaction the snapshot `since` does not see. */
async function changedSince(pool: Pool, device: string, since: string): Promise<string[]> {
  const r = await pool.query<{ day: string }>(
    `SELECT day::text AS day FROM summary_changes
      WHERE device_id = $1 AND NOT pg_visible_in_snapshot(xid, $2::pg_snapshot) ORDER BY 1`,
    [device, since],
  );
  return r.rows.map((row) => row.day);
}

describe("the summary's change log under retention and erases", () => {
  it('records the days of a month retention drops', () =>
    withDatabase('changes_drop', async (pool, device) => {
      const old = visit(device, month(-5, 3), 0);
      await insertVisits(pool, [old, visit(device, month(-1, 3), 0)]);
      const before = await snapshot(pool);
      expect(await changedSince(pool, device, before)).toEqual([]);
      const res = await maintainAtNow(pool, 60);
      expect(res.dropped).toEqual([partitionName(month(-5))]);
      expect(await changedSince(pool, device, before)).toEqual([isoDay(old.startedAt)]);
    }));

  it('records the days of the rows retention deletes one by one', () =>
    withDatabase('changes_rows', async (pool, device) => {
      const { all, young, skewedIntoWindow } = await insertRowByRowCase(pool, device);
      const before = await snapshot(pool);
      await maintainAtNow(pool, 60);
      const gone = all.filter((v) => v !== young && v !== skewedIntoWindow);
      // young and skewedIntoWindow share their raw day with a visit that went.
      expect(await changedSince(pool, device, before)).toEqual(
        [...new Set(gone.map((v) => isoDay(v.startedAt)))].sort(),
      );
    }));

  it("records the days of an erased device's visits", () =>
    withDatabase('changes_erase', async (pool, device, recent) => {
      await insertVisits(pool, [visit(device, month(-1, 3), 0)]);
      const before = await snapshot(pool);
      expect(await eraseDevice(pool, device)).toBe(2);
      expect(await changedSince(pool, device, before)).toEqual(
        [isoDay(month(-1, 3)), isoDay(recent.startedAt)].sort(),
      );
    }));
});
