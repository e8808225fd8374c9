/**
 * Retention on real PostgreSQL: what the hourly partition maintenance deletes.
 * It judges a visit by its corrected start (the device clock corrected by the
 * skew measured at ingest), as acceptance does, not by the raw client time the
 * table is partitioned on.
 */
import { describe, expect, it } from 'vitest';
import { maintainPartitions, partitionName } from '../../server/src/data-access/partitions.js';
import type { Pool } from '../../server/src/data-access/pool.js';
import type { VisitRecord } from '../../server/src/data-access/visit-record.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import {
  DAY,
  month,
  NOW,
  partitions,
  stored,
  visit,
  withDatabase as withRetentionDatabase,
} from '../harness/retention.js';

/** The harness's withDatabase; afterwards the visit received now is still stored. */
const withDatabase = (
  prefix: string,
  fn: (pool: Pool, device: string, recent: VisitRecord) => Promise<void>,
): Promise<void> =>
  withRetentionDatabase(prefix, async (pool, device, recent) => {
    await fn(pool, device, recent);
    expect(await stored(pool, [recent])).toEqual([recent.id]);
  });

/** One maintenance run at the real time with the given retention. */
function runRetention(pool: Pool, retentionDays: number) {
  return maintainPartitions(pool, {
    now: new Date(NOW),
    monthsAhead: 0,
    monthsBack: 0,
    retentionDays,
  });
}

describe('retention judges the corrected start time, as acceptance does', () => {
  it('keeps a visit from a device clock 730 days behind (accepted: corrected an hour ago)', () =>
    withDatabase('retention_behind', async (pool, device) => {
      const raw = new Date(NOW - 730 * DAY);
      const behind = visit(device, raw, 730 * DAY - 3_600_000, new Date(NOW));
      await insertVisits(pool, [behind]);
      await runRetention(pool, 395);
      expect(await stored(pool, [behind])).toEqual([behind.id]);
    }));

  it('of a month past the cutoff by raw time, deletes the rows past it by corrected time and keeps the rest', () =>
    withDatabase('retention_month', async (pool, device) => {
      const raw = month(-5, 10);
      const old = visit(device, raw, 0);
      const young = visit(device, raw, NOW - 7_200_000 - raw.getTime(), new Date(NOW));
      await insertVisits(pool, [old, young]);
      const res = await runRetention(pool, 60);
      expect(await stored(pool, [old, young])).toEqual([young.id]);
      expect(res.dropped).not.toContain(partitionName(month(-5)));
      expect(await partitions(pool)).toContain(partitionName(month(-5)));
    }));

  it('waits to drop a month whose latest corrected start passes the cutoff within days, then drops it whole', () =>
    withDatabase('retention_wait', async (pool, device) => {
      const raw = month(-4, 20);
      const cutoff = NOW - 60 * DAY;
      const old = visit(device, raw, 0);
      // Corrected two days after the cutoff: the month waits rather than being deleted row by row.
      const late = visit(device, raw, cutoff + 2 * DAY - raw.getTime());
      await insertVisits(pool, [old, late]);
      const first = await runRetention(pool, 60);
      expect(first.dropped).not.toContain(partitionName(month(-4)));
      expect(await stored(pool, [old, late])).toEqual([old.id, late.id]);
      // Later (here: a shorter retention), both are past the cutoff and the month goes whole.
      const later = await runRetention(pool, 57);
      expect(later.dropped).toContain(partitionName(month(-4)));
      expect(await stored(pool, [old, late])).toEqual([]);
    }));

  it('deletes a visit from a device clock ahead once its corrected start passes the cutoff, though its raw start is still to come', () =>
    withDatabase('retention_ahead', async (pool, device) => {
      const ahead = visit(device, new Date(NOW + 10 * DAY), -110 * DAY, new Date(NOW));
      await insertVisits(pool, [ahead]);
      await runRetention(pool, 60);
      expect(await stored(pool, [ahead])).toEqual([]);
    }));

  it('deletes old rows of the default partition by corrected time too', () =>
    withDatabase('retention_default', async (pool, device) => {
      const raw = new Date(Date.UTC(2001, 0, 1));
      const ancient = visit(device, raw, 0);
      const skewedIntoWindow = visit(device, raw, NOW - 3 * DAY - raw.getTime());
      await insertVisits(pool, [ancient, skewedIntoWindow]);
      const res = await runRetention(pool, 60);
      expect(res.deletedFromDefault).toBe(1);
      expect(await stored(pool, [ancient, skewedIntoWindow])).toEqual([skewedIntoWindow.id]);
    }));

  it('finds skewed visits through the partial index, not by reading months whole', () =>
    withDatabase('retention_plan', async (pool) => {
      const client = await pool.connect();
      try {
        await client.query('SET enable_seqscan = off');
        const skewed = 'clock_skew_ms > 86400000 OR clock_skew_ms < -86400000';
        for (const sql of [
          `EXPLAIN SELECT max(started_at_corrected) FROM ${partitionName(month(-1))} WHERE ${skewed}`,
          `EXPLAIN DELETE FROM visits WHERE (${skewed}) AND started_at_corrected < now()`,
        ]) {
          const plan = await client.query<{ 'QUERY PLAN': string }>(sql);
          const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
          expect(text, sql).toMatch(
            /(Index (Only )?Scan( Backward)?|Bitmap Index Scan) (using|on) \w*started_at_corrected_idx/,
          );
          expect(text, sql).not.toMatch(/Seq Scan/);
        }
      } finally {
        client.release();
      }
    }));
});
