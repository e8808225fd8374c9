/**
 * The summary's change log (migration summary-changes) under retention and erases: every day
 * they take visits from is recorded as changed by their transaction, so an incremental summary
 * (GET /api/v1/me/summary?since) replaces it. Retention drops whole months and deletes from
 * single partitions, which fire none of the triggers on visits: it records those days itself.
 * Then it prunes the log (migration summary-changes-pruned): the rows of days before its cutoff
 * and of erased devices go, and a cursor read before is still told those days changed.
 */
import { describe, expect, it } from 'vitest';
import { eraseDevice } from '../../server/src/data-access/devices-repo.js';
import { partitionName } from '../../server/src/data-access/partitions.js';
import type { Pool } from '../../server/src/data-access/pool.js';
import { readSummary, type SummaryDbRow } from '../../server/src/data-access/summary-repo.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import {
  DAY,
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

/** The UTC days of `days` a summary read with the cursor snapshot `since` lists as changed. */
async function toldChanged(pool: Pool, device: string, since: string, days: string[]) {
  const told: string[] = [];
  for (const day of days) {
    const range = { snapshot: since, from: day, to: day };
    const read = await readSummary(pool, [device], day, day, 'UTC', false, range);
    if ((read.changed ?? []).length > 0) told.push(day);
  }
  return told;
}

/** The first UTC day retention keeps: the log's rows before it are pruned. */
async function prunedBefore(pool: Pool): Promise<string | null> {
  const r = await pool.query<{ before: string }>(
    'SELECT before::text AS before FROM summary_changes_pruned',
  );
  return r.rows[0]?.before ?? null;
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
      // Its day's row is pruned with the others before the cutoff; a cursor read before is told.
      expect(await prunedBefore(pool)).toBe(isoDay(new Date(res.reference.getTime() - 60 * DAY)));
      expect(await changedSince(pool, device, before)).toEqual([]);
      const kept = isoDay(month(-1, 3));
      expect(await toldChanged(pool, device, before, [isoDay(old.startedAt), kept])).toEqual([
        isoDay(old.startedAt),
      ]);
      // A cursor read after the prune is told nothing of it.
      expect(
        await toldChanged(pool, device, await snapshot(pool), [isoDay(old.startedAt)]),
      ).toEqual([]);
    }));

  it('records the days of the rows retention deletes one by one', () =>
    withDatabase('changes_rows', async (pool, device) => {
      const { all, young, skewedIntoWindow } = await insertRowByRowCase(pool, device);
      const before = await snapshot(pool);
      await maintainAtNow(pool, 60);
      const gone = all.filter((v) => v !== young && v !== skewedIntoWindow);
      // young and skewedIntoWindow share their raw day with a visit that went. The days before
      // the cutoff's are pruned from the log and told changed all the same.
      const days = [...new Set(gone.map((v) => isoDay(v.startedAt)))].sort();
      const cut = (await prunedBefore(pool)) ?? '';
      expect(await changedSince(pool, device, before)).toEqual(days.filter((d) => d >= cut));
      expect(days.filter((d) => d < cut)).toHaveLength(2);
      expect(await toldChanged(pool, device, before, days)).toEqual(days);
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

  it("prunes an erased device's rows, and the days before the cutoff of the others", () =>
    withDatabase('changes_prune', async (pool, device) => {
      const other = await pool.query<{ id: string }>(
        `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os)
         VALUES (gen_random_uuid(), $1, '1', 'Chrome', '131', 'Linux') RETURNING id`,
        [Buffer.alloc(32, 2)],
      );
      const erased = other.rows[0]?.id ?? '';
      await insertVisits(pool, [visit(erased, month(-1, 3), 0), visit(device, month(-1, 4), 0)]);
      expect(await eraseDevice(pool, erased)).toBe(1);
      const rows = async (id: string) =>
        (
          await pool.query<{ day: string }>(
            'SELECT day::text AS day FROM summary_changes WHERE device_id = $1 ORDER BY 1',
            [id],
          )
        ).rows.map((r) => r.day);
      expect(await rows(erased)).toEqual([isoDay(month(-1, 3))]);
      const kept = await rows(device);
      await maintainAtNow(pool, 395);
      expect(await rows(erased)).toEqual([]);
      expect(await rows(device)).toEqual(kept);
      // Nothing of the days before the cutoff went: no cursor needs telling.
      expect(await prunedBefore(pool)).toBeNull();
    }));

  it('answers a cursor read before retention pruned the log as the whole answer would', () =>
    withDatabase('changes_cursor', async (pool, device) => {
      const old = [visit(device, month(-5, 3), 0), visit(device, month(-5, 20), 0)];
      await insertVisits(pool, [...old, visit(device, month(-1, 3), 0)]);
      const from = isoDay(month(-5, 1));
      const to = isoDay(month(1, 1));
      const cached = await readSummary(pool, [device], from, to, 'UTC', true);
      const oldDay = (Date.parse(isoDay(month(-5, 3))) - Date.parse(from)) / DAY;
      expect(cached.rows.map((r) => r[0])).toContain(oldDay);
      await maintainAtNow(pool, 60);
      const since = { snapshot: cached.snapshot, from, to };
      const next = await readSummary(pool, [device], from, to, 'UTC', true, since);
      const full = await readSummary(pool, [device], from, to, 'UTC', true);
      const listed = new Set((next.changed ?? []).map(([d, dev]) => `${d} ${dev}`));
      const key = (r: SummaryDbRow) => `${r[0]} ${r[1]} ${r[2]}`;
      const merged = [
        ...cached.rows.filter((r) => !listed.has(`${r[0]} ${r[2]}`)),
        ...next.rows,
      ].sort((a, b) => (key(a) < key(b) ? -1 : 1));
      expect(full.rows.length).toBeLessThan(cached.rows.length);
      expect(merged).toEqual(full.rows);
    }));
});
