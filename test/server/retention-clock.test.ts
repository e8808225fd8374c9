/**
 * Retention on real PostgreSQL when a clock jumps ahead: it measures from a
 * time no later than PostgreSQL's clock and the newest visit received, and
 * drops at most a few partitions per run, so a clock jumping ahead cannot
 * delete recent data.
 */
import { describe, expect, it } from 'vitest';
import { maintainPartitions, partitionName } from '../../server/src/data-access/partitions.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import { DAY, month, NOW, partitions, setUp, stored, visit } from '../harness/retention.js';

describe('retention when a clock jumps ahead', () => {
  it('a server clock 425 days ahead drops neither this month nor last month', async () => {
    const { pool, device } = await setUp('retention_jump');
    try {
      await maintainPartitions(pool, {
        now: new Date(NOW),
        monthsAhead: 1,
        monthsBack: 1,
        retentionDays: 395,
      });
      const records = [
        visit(device, month(-1, 3), 0, new Date(NOW)),
        visit(device, new Date(NOW - 3_600_000), 0, new Date(NOW)),
      ];
      await insertVisits(pool, records);
      const res = await maintainPartitions(pool, {
        now: new Date(NOW + 425 * DAY),
        monthsAhead: 1,
        monthsBack: 1,
        retentionDays: 395,
      });
      expect(res.dropped).toEqual([]);
      expect(await partitions(pool)).toEqual(
        expect.arrayContaining([partitionName(month(-1)), partitionName(month(0))]),
      );
      expect(await stored(pool, records)).toEqual(records.map((v) => v.id));
    } finally {
      await pool.end();
    }
  });

  it('measures from the newest visit received: after 425 days without one (both clocks jumped, or nothing came), nothing is dropped', async () => {
    const { pool, device } = await setUp('retention_newest');
    try {
      const then = new Date(NOW - 425 * DAY);
      await maintainPartitions(pool, {
        now: then,
        monthsAhead: 1,
        monthsBack: 1,
        retentionDays: 395,
      });
      const records = [visit(device, new Date(then.getTime() - DAY), 0)];
      await insertVisits(pool, records);
      const res = await maintainPartitions(pool, {
        now: new Date(NOW),
        monthsAhead: 1,
        monthsBack: 1,
        retentionDays: 395,
      });
      expect(res.dropped).toEqual([]);
      expect(res.deletedFromDefault).toBe(0);
      expect(await stored(pool, records)).toEqual(records.map((v) => v.id));
      expect(res.reference.getTime()).toBeLessThan(NOW - 424 * DAY);
    } finally {
      await pool.end();
    }
  });

  it('is not held back by a device whose clock runs ahead: its visits, sent weeks ago for "now", are not the newest received', async () => {
    const { pool, device } = await setUp('retention_ahead');
    try {
      await maintainPartitions(pool, {
        now: new Date(NOW),
        monthsAhead: 1,
        monthsBack: 1,
        retentionDays: 395,
      });
      // Sent 28 days ago by a clock 28 days ahead: raw starts of about now, received long ago.
      const sentAhead = Array.from({ length: 1_200 }, (_, i) =>
        visit(device, new Date(NOW - 3_600_000 + i), -28 * DAY, new Date(NOW - 28 * DAY)),
      );
      const honest = visit(device, new Date(NOW - 2 * DAY), 0, new Date(NOW - 2 * DAY + 60_000));
      await insertVisits(pool, [honest, ...sentAhead]);
      const res = await maintainPartitions(pool, {
        now: new Date(NOW),
        monthsAhead: 1,
        monthsBack: 1,
        retentionDays: 395,
      });
      expect(res.reference.getTime()).toBeGreaterThan(NOW - 3 * DAY);
    } finally {
      await pool.end();
    }
  });

  it('drops at most one partition per run, oldest first, naming the ones left for later', async () => {
    const { pool, device } = await setUp('retention_cap');
    try {
      await maintainPartitions(pool, {
        now: new Date(NOW),
        monthsAhead: 0,
        monthsBack: 8,
        retentionDays: 395,
      });
      const old = [-8, -7, -6, -5].map((m) => visit(device, month(m, 15), 0));
      const recent = visit(device, new Date(NOW - 3_600_000), 0, new Date(NOW));
      await insertVisits(pool, [...old, recent]);
      const opts = { now: new Date(NOW), monthsAhead: 0, monthsBack: 0, retentionDays: 30 };
      const first = await maintainPartitions(pool, opts);
      expect(first.dropped).toEqual([partitionName(month(-8))]);
      expect(first.overdue.slice(0, 3)).toEqual([-7, -6, -5].map((m) => partitionName(month(m))));
      const second = await maintainPartitions(pool, opts);
      expect(second.dropped).toEqual([partitionName(month(-7))]);
      const more = await maintainPartitions(pool, { ...opts, maxDrops: 2 });
      expect(more.dropped).toEqual([-6, -5].map((m) => partitionName(month(m))));
      expect(await stored(pool, [...old, recent])).toEqual([recent.id]);
    } finally {
      await pool.end();
    }
  });
});
