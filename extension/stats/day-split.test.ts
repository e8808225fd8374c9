import { afterEach, describe, expect, it } from 'vitest';
import { addDays } from '../db/day.js';
import { freshTestDb, makeVisit, utcDayOf } from '../db/db-test-kit.js';
import { eraseLocalData } from '../db/erase.js';
import { eraseHistory } from '../db/erase-history.js';
import { splitListKey } from '../db/host-lists.js';
import { writeImport } from '../db/import-history.js';
import { rangeRollups } from '../db/range-rollups.js';
import { recordFinishedVisits } from '../db/record-visits.js';
import type { TracksphereDb } from '../db/schema.js';
import type { BarHostTime, SplitList } from '../db/split-lists.js';
import type { DayRange } from '../db/stats-queries.js';
import type { OpenVisitFigure } from '../messaging/protocol.js';
import type { CategorySettings } from '../settings/category-items.js';
import { categoryDays, type DaySplit } from './category-totals.js';
import { barUnit, chartBars, dayCount } from './date-range.js';
import { barOfDay, loadDayRollups, loadDaySplit } from './day-split.js';

let db: TracksphereDb | undefined;
afterEach(async () => {
  await db?.delete();
  db = undefined;
});

const off = { syncEnabled: false, dayOf: utcDayOf };
const ending = (to: string, days: number): DayRange => ({ from: addDays(to, 1 - days), to });
let ranges = [ending('2025-03-10', 30), ending('2025-03-10', 365)];

const visitOn = (day: string, domain: string, activeMs: number) =>
  makeVisit({ at: Date.parse(`${day}T10:00:00Z`), domain, url: `https://${domain}/`, activeMs });

const open = (day: string): OpenVisitFigure[] => [
  { domain: 'youtube.com', startedAt: Date.parse(`${day}T12:00:00Z`), activeMs: 4_000 },
];

/** Built-in categories only, and the person's own with two sites moved into it. */
const NONE: CategorySettings = { custom: [], overrides: {} };
const MINE: CategorySettings = {
  custom: [{ id: 'custom:mine', name: 'Mine' }],
  overrides: { 'b.example': 'custom:mine', 'youtube.com': 'custom:mine' },
};

/** Each bar's time per category, as the chart stacks them (category-controls.tsx's barStacks). */
function barFigures(
  rows: readonly BarHostTime[] | DaySplit,
  range: DayRange,
  settings: CategorySettings,
): Record<string, Record<string, number>> {
  const days = categoryDays(rows, settings);
  const all = Array.from({ length: dayCount(range) }, (_, i) => ({
    day: addDays(range.from, i),
    activeMs: 0,
    visits: 0,
  }));
  const figures: Record<string, Record<string, number>> = {};
  for (const bar of chartBars(all, barUnit(all.length))) {
    const sums: Record<string, number> = {};
    for (const [day, segments] of Object.entries(days)) {
      if (day < bar.from || day > bar.to) continue;
      for (const s of segments) sums[s.category] = (sums[s.category] ?? 0) + s.activeMs;
    }
    figures[`${bar.from}..${bar.to}`] = sums;
  }
  return figures;
}

/** Each range's bars from the split read equal those from every daily rollup, for both sets. */
async function expectSame(d: TracksphereDb, today?: string): Promise<void> {
  for (const range of ranges) {
    const split = await loadDaySplit(d, range, open(range.to), today);
    const daily = await loadDayRollups(d, range, open(range.to));
    for (const settings of [NONE, MINE]) {
      expect(barFigures(split, range, settings)).toEqual(barFigures(daily, range, settings));
    }
  }
}

const splitOf = async (d: TracksphereDb, span: number) =>
  (await d.hostLists.get(splitListKey(span))) as unknown as SplitList | undefined;

/** Whether each window's split holds (its marker there, and no build's under way). */
async function markers(d: TracksphereDb): Promise<boolean[]> {
  const rows = await d.tailWindows.bulkGet([splitListKey(30), splitListKey(365)]);
  return rows.map((r) => r !== undefined && !('build' in r));
}

describe("the options page's chart split by category (loadDaySplit)", () => {
  it('reads its bars from the windows, the same as every daily rollup, through every change', async () => {
    db = freshTestDb();
    const d = db;
    const hosts = ['a.example', 'b.example', 'youtube.com', 'docs.google.com', 'c.example'];
    await recordFinishedVisits(
      d,
      Array.from({ length: 400 }, (_, i) =>
        visitOn(addDays('2025-03-10', -((i * 7) % 400)), hosts[i % 5] as string, 1_000 + i),
      ),
      off,
    );
    // Ranges ending before today read every daily rollup, their windows left be; a range
    // ending today moves its window (as its range view does) and keeps its split.
    expect(await markers(d)).toEqual([false, false]);
    await expectSame(d);
    expect(await markers(d)).toEqual([false, false]);
    expect(await d.tailWindows.get(30)).toBeUndefined();
    await expectSame(d, '2025-03-10');
    expect(await markers(d)).toEqual([true, true]);
    await expectSame(d);
    // A month's bar holds each host once: fewer rows than the window's daily rollups.
    const year = await splitOf(d, 365);
    expect(year?.bars).toHaveLength(13);
    expect(year?.bar.length).toBeLessThan(
      await d.dailyRollups.where('day').between('2024-03-11', '2025-03-09', true, true).count(),
    );

    // The split is what the chart reads, not the daily rollups: the window's days' rows taken
    // away behind every writer's back leave its bars as they were.
    for (const range of ranges) {
      const before = await loadDaySplit(d, range, open(range.to));
      const window = { from: range.from, to: addDays(range.to, -1) };
      const rows = await d.dailyRollups
        .where('day')
        .between(window.from, window.to, true, true)
        .toArray();
      await d.dailyRollups.where('day').between(window.from, window.to, true, true).delete();
      const after = await loadDaySplit(d, range, open(range.to));
      await d.dailyRollups.bulkPut(rows);
      expect(barFigures(after, range, MINE)).toEqual(barFigures(before, range, MINE));
    }

    // A recording on a day the windows hold (one started before its last midnight).
    await recordFinishedVisits(d, [visitOn('2025-03-08', 'e.example', 5_000)], off);
    expect(await markers(d)).toEqual([false, false]);
    for (const range of ranges) await rangeRollups(d, range);
    await expectSame(d);
    expect(await markers(d)).toEqual([true, true]);
    expect((await splitOf(d, 30))?.domains).toContain('e.example');

    // An import of visits on their days.
    const imported = visitOn('2025-02-20', 'b.example', 7_000);
    await writeImport(
      d,
      {
        days: [],
        visits: [
          {
            ...imported,
            startedMs: Date.parse(imported.startedAt),
            syncState: 'local',
            record: 'line 1',
          },
        ],
      },
      { source: 'test', dayOf: utcDayOf, keepVisitsFromMs: 0 },
    );
    expect(await markers(d)).toEqual([false, false]);
    for (const range of ranges) await rangeRollups(d, range);
    await expectSame(d);

    // Erasing a site: the splits go with its name.
    await eraseHistory(d, { domain: 'b.example' }, utcDayOf);
    expect(await splitOf(d, 30)).toBeUndefined();
    expect(await splitOf(d, 365)).toBeUndefined();
    for (const range of ranges) await rangeRollups(d, range);
    await expectSame(d);
    expect((await splitOf(d, 365))?.domains).not.toContain('b.example');

    // Erasing part of a day, every site.
    await eraseHistory(
      d,
      { fromMs: Date.parse('2025-03-07T00:00:00Z'), toMs: Date.parse('2025-03-08T00:00:00Z') },
      utcDayOf,
    );
    expect(await markers(d)).toEqual([false, false]);
    for (const range of ranges) await rangeRollups(d, range);
    await expectSame(d);

    // A day's move: the ranges ending a day later; until the windows move, the daily rollups.
    await recordFinishedVisits(d, [visitOn('2025-03-10', 'g.example', 3_000)], off);
    ranges = [ending('2025-03-11', 30), ending('2025-03-11', 365)];
    await expectSame(d);
    expect((await splitOf(d, 30))?.through).toBe('2025-03-09');
    await expectSame(d, '2025-03-11');
    expect((await splitOf(d, 30))?.through).toBe('2025-03-10');
    expect((await splitOf(d, 365))?.domains).toContain('g.example');

    await eraseLocalData(d);
    expect(await d.hostLists.count()).toBe(0);
  });

  it("drops a window's split when the window moves, even with a move that nets to nothing", async () => {
    db = freshTestDb();
    const d = db;
    const today = '2025-03-10';
    const first = addDays(today, -29);
    // The day leaving the window and the day entering it hold the same figures for every host:
    // the move adds no sums.
    await recordFinishedVisits(
      d,
      [visitOn(first, 'secret.example', 60_000), visitOn(today, 'secret.example', 60_000)],
      off,
    );
    await loadDaySplit(d, ending(today, 30), [], today);
    expect((await splitOf(d, 30))?.domains).toEqual(['secret.example']);
    await rangeRollups(d, ending(addDays(today, 1), 30));
    // The split of the old days is gone with the move: an erase of a day the window no longer
    // holds looks at no window, and would leave the site's name on disk.
    expect(await splitOf(d, 30)).toBeUndefined();
    const erased = {
      fromMs: Date.parse(`${first}T00:00:00Z`),
      toMs: Date.parse(`${addDays(first, 1)}T00:00:00Z`),
    };
    await eraseHistory(d, erased, utcDayOf);
    expect(await d.dailyRollups.where('day').equals(first).count()).toBe(0);
    // No kept record holds the erased day (the site's visit today is in today's window).
    const lists = (await d.hostLists.toArray()) as unknown as { span: number; from: string }[];
    expect(lists.filter((list) => list.from <= first)).toEqual([]);
  });

  it('lets a visit through while it builds, and keeps no split a visit or an erase overtook', async () => {
    db = freshTestDb();
    const d = db;
    const today = '2025-03-10';
    const range = ending(today, 30);
    const { from } = range;
    // More daily rows than one of the build's reads takes (split-lists.ts's READ_ROWS).
    await recordFinishedVisits(
      d,
      Array.from({ length: 1_500 }, (_, i) =>
        visitOn(addDays(today, -1 - (i % 30)), `h${Math.floor(i / 30)}.example`, 1_000 + i),
      ),
      off,
    );
    // On the window's first day, which the build's first read holds.
    await recordFinishedVisits(d, [visitOn(from, 'secret.example', 8_000)], off);
    await loadDaySplit(d, range, [], today);
    const same = async (split: DaySplit) =>
      expect(barFigures(split, range, MINE)).toEqual(
        barFigures(await loadDayRollups(d, range), range, MINE),
      );

    // The build's first read of the window's daily rollups (a getAll, or a cursor as Dexie may
    // read, from the window's first day) starts `writer`, its transaction created right after the read's, and says which of
    // the two finished first.
    const proto = IDBObjectStore.prototype;
    const reads = { getAll: proto.getAll, openCursor: proto.openCursor };
    const race = async (writer: () => Promise<unknown>) => {
      const order: string[] = [];
      let wrote: Promise<unknown> = Promise.resolve();
      let armed = true;
      for (const name of ['getAll', 'openCursor'] as const) {
        const read = reads[name] as (this: IDBObjectStore, ...args: unknown[]) => IDBRequest;
        proto[name] = function (this: IDBObjectStore, ...args: unknown[]) {
          const request = read.apply(this, args);
          // A key range, or IndexedDB 3's options with one (as Dexie asks where it can).
          const asked = args[0] as { query?: IDBKeyRange; lower?: unknown } | undefined;
          const lower = (asked?.query ?? asked)?.lower;
          if (armed && this.name === 'dailyRollups' && Array.isArray(lower) && lower[0] === from) {
            armed = false;
            wrote = writer().then(() => order.push('writer'));
          }
          return request;
        } as never;
      }
      try {
        const split = await loadDaySplit(d, range, [], today);
        order.push('build');
        await wrote;
        expect(armed).toBe(false);
        return { split, order };
      } finally {
        Object.assign(proto, reads);
      }
    };

    // A visit on a day the window holds, which drops the split: the next view builds it, and a
    // visit that finishes meanwhile does not wait for the build to write.
    await recordFinishedVisits(d, [visitOn(addDays(today, -5), 'a.example', 1_000)], off);
    expect(await markers(d)).toEqual([false, false]);
    const late = visitOn(from, 'late.example', 9_000);
    const visited = await race(() => recordFinishedVisits(d, [late], off));
    expect(visited.order).toEqual(['writer', 'build']);
    // The split kept, its marker there, holds the visit; the bars drawn are the figures with it.
    expect(await markers(d)).toEqual([true, false]);
    expect((await splitOf(d, 30))?.domains).toContain('late.example');
    await same(visited.split);
    await same(await loadDaySplit(d, range, [], today));

    // An erase of a site meanwhile: no kept split holds its name.
    await recordFinishedVisits(d, [visitOn(addDays(today, -5), 'a.example', 1_000)], off);
    const erased = await race(() => eraseHistory(d, { domain: 'secret.example' }, utcDayOf));
    expect(erased.order).toEqual(['writer', 'build']);
    const lists = (await d.hostLists.toArray()) as unknown as { domains: string[] }[];
    expect(lists.filter((list) => list.domains.includes('secret.example'))).toEqual([]);
    await same(erased.split);
    await same(await loadDaySplit(d, range, [], today));
  });

  it("keys each day by its bar's first day (chartBars' days, weeks and months)", () => {
    const days = (range: DayRange) =>
      Array.from({ length: dayCount(range) }, (_, i) => addDays(range.from, i));
    for (const range of [
      ending('2025-03-10', 30),
      ending('2025-03-10', 90),
      ending('2025-03-10', 365),
    ]) {
      const all = days(range).map((day) => ({ day, activeMs: 0, visits: 0 }));
      const bars = chartBars(all, barUnit(all.length));
      const barOf = barOfDay(range);
      for (const day of days(range)) {
        expect(barOf(day)).toBe(bars.find((b) => b.from <= day && day <= b.to)?.from);
      }
    }
  });
});
