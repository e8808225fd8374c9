import { afterEach, describe, expect, it } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { daysToRange, eraseHistory } from './erase-history.js';
import { pendingCount } from './outbox-repo.js';
import { recordFinishedVisits } from './record-visits.js';
import { pruneVisits } from './retention.js';
import type { DailyRollup, TracksphereDb } from './schema.js';

const HOUR = 3_600_000;
const D14 = Date.UTC(2025, 0, 14);
const D15 = Date.UTC(2025, 0, 15);
const D16 = Date.UTC(2025, 0, 16);
const utcStart = (day: string): number => Date.parse(`${day}T00:00:00Z`);

let db: TracksphereDb;
afterEach(async () => {
  await db?.delete();
});

function visit(domain: string, at: number, activeMs: number) {
  return makeVisit({ domain, url: `https://${domain}/`, at, activeMs });
}

async function record(visits: ReturnType<typeof visit>[], syncEnabled = false): Promise<void> {
  await recordFinishedVisits(db, visits, { syncEnabled, dayOf: utcDayOf });
}

/** Every rollup as "day domain activeMs/visits", sorted. */
async function rollups(): Promise<string[]> {
  const rows: DailyRollup[] = await db.dailyRollups.toArray();
  return rows.map((r) => `${r.day} ${r.domain} ${r.activeMs}/${r.visits}`).sort();
}

/** The rollups the remaining visits add up to, in the same form. */
async function rollupsOfVisits(): Promise<string[]> {
  const cells = new Map<string, { activeMs: number; visits: number }>();
  for (const v of await db.visits.toArray()) {
    const key = `${utcDayOf(v.startedMs)} ${v.domain}`;
    const c = cells.get(key) ?? { activeMs: 0, visits: 0 };
    c.activeMs += v.activeMs;
    c.visits += 1;
    cells.set(key, c);
  }
  return [...cells].map(([k, c]) => `${k} ${c.activeMs}/${c.visits}`).sort();
}

async function domains(): Promise<string[]> {
  return (await db.visits.toArray()).map((v) => `${v.domain}@${v.startedAt}`).sort();
}

describe('erasing a site', () => {
  it("deletes the site's visits and rollups (its hosts too), also on days whose raw visits were pruned", async () => {
    db = freshTestDb();
    // Jan 1: only rollups are left once its raw visits are pruned.
    const old = Date.UTC(2025, 0, 1, 10);
    await record([visit('example.com', old, 1000), visit('other.org', old, 2000)]);
    await pruneVisits(db, { now: D14, retentionDays: 7, syncEnabled: false });
    expect(await db.visits.count()).toBe(0);
    await record([
      visit('example.com', D15 + HOUR, 100),
      visit('www.example.com', D15 + 2 * HOUR, 200),
      visit('notexample.com', D15 + 3 * HOUR, 400),
      visit('other.org', D15 + 4 * HOUR, 800),
      visit('example.com', D16 + HOUR, 1600),
    ]);

    const result = await eraseHistory(db, { domain: 'example.com' }, utcDayOf);

    expect(result).toEqual({ visits: 3, rollupsDeleted: 4, rollupsRecomputed: 0 });
    expect(await rollups()).toEqual([
      '2025-01-01 other.org 2000/1',
      '2025-01-15 notexample.com 400/1',
      '2025-01-15 other.org 800/1',
    ]);
    // The kept days' rollups agree with the visits kept.
    expect(await rollupsOfVisits()).toEqual([
      '2025-01-15 notexample.com 400/1',
      '2025-01-15 other.org 800/1',
    ]);
    // Idempotent.
    expect(await eraseHistory(db, { domain: 'example.com' }, utcDayOf)).toEqual({
      visits: 0,
      rollupsDeleted: 0,
      rollupsRecomputed: 0,
    });
  });

  it('deletes visits still in the outbox: they are never sent', async () => {
    db = freshTestDb();
    await record([visit('example.com', D15, 100), visit('other.org', D15, 200)], true);
    expect(await pendingCount(db)).toBe(2);
    await eraseHistory(db, { domain: 'example.com' }, utcDayOf);
    expect(await pendingCount(db)).toBe(1);
  });
});

describe('erasing a range of days', () => {
  it('deletes the visits and every rollup of whole days, and nothing across midnight', async () => {
    db = freshTestDb();
    await record([
      visit('a.test', D15 - 10 * 60_000, 100), // Jan 14, 23:50
      visit('a.test', D15 + 10 * 60_000, 200), // Jan 15, 00:10
      visit('b.test', D15 + 23 * HOUR, 400), // Jan 15, 23:00
      visit('a.test', D16, 800), // Jan 16, 00:00
    ]);
    const range = daysToRange('2025-01-15', '2025-01-15', utcStart);
    expect(range).toEqual({ fromMs: D15, toMs: D16 });

    const result = await eraseHistory(db, range, utcDayOf);

    expect(result).toEqual({ visits: 2, rollupsDeleted: 2, rollupsRecomputed: 0 });
    expect(await rollups()).toEqual(['2025-01-14 a.test 100/1', '2025-01-16 a.test 800/1']);
    expect(await rollups()).toEqual(await rollupsOfVisits());
  });

  it('deletes rollups of all sites on days whose raw visits were pruned', async () => {
    db = freshTestDb();
    const old = Date.UTC(2025, 0, 1, 12);
    await record([visit('a.test', old, 100), visit('b.test', old, 200)]);
    await record([visit('a.test', Date.UTC(2025, 0, 2, 12), 400)]);
    await pruneVisits(db, { now: D15, retentionDays: 7, syncEnabled: false });
    expect(await db.visits.count()).toBe(0);

    await eraseHistory(db, daysToRange('2025-01-01', '2025-01-01', utcStart), utcDayOf);

    expect(await rollups()).toEqual(['2025-01-02 a.test 400/1']);
  });

  it('recomputes days a range only partly covers from the visits left', async () => {
    db = freshTestDb();
    await record([
      visit('a.test', D15 - 2 * HOUR, 100), // Jan 14, 22:00: stays
      visit('a.test', D15 - HOUR / 2, 200), // Jan 14, 23:30: erased
      visit('a.test', D15 + HOUR / 2, 400), // Jan 15, 00:30: erased
      visit('b.test', D15 + HOUR / 2, 800), // Jan 15, 00:30, another site: stays
      visit('a.test', D15 + 2 * HOUR, 1600), // Jan 15, 02:00: stays
    ]);

    const result = await eraseHistory(
      db,
      { domain: 'a.test', fromMs: D15 - HOUR, toMs: D15 + HOUR },
      utcDayOf,
    );

    expect(result).toEqual({ visits: 2, rollupsDeleted: 0, rollupsRecomputed: 2 });
    expect(await rollups()).toEqual([
      '2025-01-14 a.test 100/1',
      '2025-01-15 a.test 1600/1',
      '2025-01-15 b.test 800/1',
    ]);
    expect(await rollups()).toEqual(await rollupsOfVisits());
    expect(await domains()).toHaveLength(3);
  });

  it('deletes the rollups of a partly covered day whose raw visits were all pruned', async () => {
    db = freshTestDb();
    const jan1 = Date.UTC(2025, 0, 1);
    await record([visit('a.test', jan1 + 2 * HOUR, 100), visit('a.test', jan1 + 20 * HOUR, 200)]);
    await pruneVisits(db, { now: D15, retentionDays: 7, syncEnabled: false });

    await eraseHistory(db, { fromMs: jan1, toMs: jan1 + 12 * HOUR }, utcDayOf);

    expect(await rollups()).toEqual([]);
  });

  it('keeps a partly covered, partly pruned day in line with the visits left', async () => {
    db = freshTestDb();
    const jan8 = Date.UTC(2025, 0, 8);
    // Pruned at Jan 8, 12:00: the 02:00 visit goes, the 20:00 one stays.
    await record([visit('a.test', jan8 + 2 * HOUR, 100), visit('a.test', jan8 + 20 * HOUR, 200)]);
    await pruneVisits(db, { now: D15 + 12 * HOUR, retentionDays: 7, syncEnabled: false });
    expect(await rollups()).toEqual(['2025-01-08 a.test 300/2']);

    const result = await eraseHistory(db, { fromMs: jan8, toMs: jan8 + 6 * HOUR }, utcDayOf);

    expect(result).toEqual({ visits: 0, rollupsDeleted: 0, rollupsRecomputed: 1 });
    expect(await rollups()).toEqual(['2025-01-08 a.test 200/1']);
    expect(await rollups()).toEqual(await rollupsOfVisits());
  });

  it('erases from a start with no end, and up to an end with no start', async () => {
    db = freshTestDb();
    const at = D15 + HOUR;
    await record([visit('a.test', D14 + HOUR, 100), visit('a.test', at, 200)]);

    const from = await eraseHistory(db, { fromMs: at - 1000 }, utcDayOf);

    expect(from).toEqual({ visits: 1, rollupsDeleted: 1, rollupsRecomputed: 0 });
    expect(await domains()).toEqual([`a.test@${new Date(D14 + HOUR).toISOString()}`]);
    expect(await rollups()).toEqual(await rollupsOfVisits());

    await record([visit('a.test', at, 400)]);
    const to = await eraseHistory(db, { toMs: at - 1000 }, utcDayOf);

    expect(to).toEqual({ visits: 1, rollupsDeleted: 1, rollupsRecomputed: 0 });
    expect(await rollups()).toEqual(['2025-01-15 a.test 400/1']);
    expect(await rollups()).toEqual(await rollupsOfVisits());
  });

  it('refuses an erase without a filter or with an empty range', async () => {
    db = freshTestDb();
    await expect(eraseHistory(db, {}, utcDayOf)).rejects.toThrow(/what to erase/);
    await expect(eraseHistory(db, { fromMs: D16, toMs: D15 }, utcDayOf)).rejects.toThrow(
      /after its start/,
    );
  });
});
