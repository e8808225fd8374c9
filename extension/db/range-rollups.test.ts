import { afterEach, describe, expect, it } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { eraseHistory } from './erase-history.js';
import { rangeRollups, wholeMonths } from './range-rollups.js';
import { recordFinishedVisits } from './record-visits.js';
import type { TracksphereDb } from './schema.js';
import { type DayRange, rollupsInRange, siteTotals } from './stats-queries.js';
import { moveTailWindow, windowStep } from './tail-rollups.js';

let db: TracksphereDb | undefined;
afterEach(async () => {
  await db?.delete();
  db = undefined;
});

const DAY = 86_400_000;

/** Per host and per day, as a recomputation from the daily rollups of the range gives them. */
async function fromDailyRollups(d: TracksphereDb, range: DayRange) {
  const rows = await rollupsInRange(d, range);
  const days = new Map<string, { day: string; activeMs: number; visits: number }>();
  for (const r of rows) {
    const t = days.get(r.day) ?? { day: r.day, activeMs: 0, visits: 0 };
    t.activeMs += r.activeMs;
    t.visits += r.visits;
    days.set(r.day, t);
  }
  return { hosts: siteTotals(rows, Infinity), days: [...days.values()].sort(byDay) };
}

const byDay = (a: { day: string }, b: { day: string }) => (a.day < b.day ? -1 : 1);

describe('a range from the month rollups', () => {
  it('finds the months wholly inside a range', () => {
    expect(wholeMonths({ from: '2025-01-01', to: '2025-01-31' })).toEqual({
      from: '2025-01-01',
      to: '2025-01-31',
    });
    expect(wholeMonths({ from: '2025-01-02', to: '2025-03-30' })).toEqual({
      from: '2025-02-01',
      to: '2025-02-28',
    });
    expect(wholeMonths({ from: '2024-12-06', to: '2025-12-05' })).toEqual({
      from: '2025-01-01',
      to: '2025-11-30',
    });
    expect(wholeMonths({ from: '2025-01-02', to: '2025-02-27' })).toBeNull();
    expect(wholeMonths({ from: '2024-02-01', to: '2024-02-29' })).toEqual({
      from: '2024-02-01',
      to: '2024-02-29',
    });
  });

  it('gives each host and day what the daily rollups add up to, for any range', async () => {
    db = freshTestDb();
    // Four months of visits on three hosts, a few a day, across month ends.
    const start = Date.UTC(2024, 11, 20, 9);
    const visits = Array.from({ length: 400 }, (_, i) =>
      makeVisit({
        at: start + Math.floor(i / 4) * DAY + (i % 4) * 3_600_000,
        domain: ['a.example', 'b.example', 'c.example'][i % 3] as string,
        activeMs: 1_000 * (i + 1),
      }),
    );
    await recordFinishedVisits(db, visits, { syncEnabled: false, dayOf: utcDayOf });
    // An erase changes the daily rollups, and the months' with them.
    await eraseHistory(
      db,
      { domain: 'b.example', fromMs: Date.UTC(2025, 1, 3), toMs: Date.UTC(2025, 2, 5, 12) },
      utcDayOf,
    );
    const ranges: DayRange[] = [
      { from: '2024-12-20', to: '2025-03-29' },
      { from: '2025-01-01', to: '2025-02-28' },
      { from: '2024-12-25', to: '2025-01-31' },
      { from: '2025-02-01', to: '2025-03-10' },
      { from: '2025-01-10', to: '2025-02-09' },
      { from: '2025-02-14', to: '2025-02-14' },
      // A month alone reads its days (up to 31 days, the daily rollups alone).
      { from: '2025-01-01', to: '2025-01-31' },
      { from: '2023-01-01', to: '2023-12-31' },
    ];
    // Ranges with a whole month inside.
    let usedMonths = 0;
    for (const range of ranges) {
      const read = await rangeRollups(db, range);
      const want = await fromDailyRollups(db, range);
      expect(siteTotals(read.hosts, Infinity), JSON.stringify(range)).toEqual(want.hosts);
      expect(read.days.sort(byDay), JSON.stringify(range)).toEqual(want.days);
      if (wholeMonths(range) !== null) usedMonths += 1;
    }
    expect(usedMonths).toBe(6);
  });

  it('reads the latest 30 and 365 days from their windows, moved as the range moves on', async () => {
    db = freshTestDb();
    const start = Date.UTC(2024, 11, 20, 9);
    const visits = Array.from({ length: 300 }, (_, i) =>
      makeVisit({
        at: start + Math.floor(i / 3) * DAY + (i % 3) * 3_600_000,
        domain: ['a.example', 'b.example', 'c.example', 'd.example'][i % 4] as string,
        activeMs: 1_000 * (i + 1),
      }),
    );
    const off = { syncEnabled: false, dayOf: utcDayOf };
    await recordFinishedVisits(db, visits.slice(0, 150), off);
    const ending = (to: string, days: number): DayRange => ({
      from: new Date(Date.parse(to) - (days - 1) * DAY).toISOString().slice(0, 10),
      to,
    });
    const expectSame = async (range: DayRange) => {
      const read = await rangeRollups(db as TracksphereDb, range);
      const want = await fromDailyRollups(db as TracksphereDb, range);
      expect(siteTotals(read.hosts, Infinity), JSON.stringify(range)).toEqual(want.hosts);
      expect(read.days.sort(byDay), JSON.stringify(range)).toEqual(want.days);
    };
    // Built, moved a day, five days, read earlier (left be), moved past its length.
    for (const to of ['2025-01-20', '2025-01-21', '2025-01-26', '2025-01-10', '2025-03-10']) {
      await expectSame(ending(to, 30));
      await expectSame(ending(to, 365));
    }
    expect(await db.tailWindows.get(30)).toMatchObject({
      span: 30,
      from: '2025-02-09',
      through: '2025-03-09',
    });
    // Visits recorded into the window's days, and erased from them, go into it.
    await recordFinishedVisits(db, visits.slice(150), off);
    await expectSame(ending('2025-03-10', 30));
    await eraseHistory(
      db,
      { domain: 'a.example', fromMs: Date.UTC(2025, 1, 20), toMs: Date.UTC(2025, 2, 2) },
      utcDayOf,
    );
    await expectSame(ending('2025-03-10', 30));
    await expectSame(ending('2025-03-11', 365));
    // Each host once: the window's row, and the last day's.
    const read = await rangeRollups(db, ending('2025-03-11', 365));
    expect(read.hosts.length).toBeLessThanOrEqual(8);
    // A window in place is read in a read-only transaction: nothing to commit.
    const modes: string[] = [];
    const transaction = db.transaction.bind(db) as (...args: unknown[]) => unknown;
    Object.assign(db, {
      transaction: (mode: string, ...rest: unknown[]) => {
        modes.push(mode);
        return transaction(mode, ...rest);
      },
    });
    await expectSame(ending('2025-03-11', 365));
    await expectSame(ending('2025-03-12', 365));
    expect(modes).toEqual(['r', 'r', 'rw']);
    // Paging back to an earlier year leaves the window be, without a read-write transaction.
    await expectSame(ending('2025-02-01', 365));
    expect(modes).toEqual(['r', 'r', 'rw', 'r']);
  });

  it('builds a window in steps of a few days, each its own transaction, recording between them', async () => {
    expect(windowStep(30, { from: '2025-01-01', through: '2025-01-29' }, undefined)).toEqual({
      from: '2025-01-01',
      through: '2025-01-01',
    });
    const partial = { span: 30, from: '2025-01-01', through: '2025-01-02' };
    expect(windowStep(30, { from: '2025-01-01', through: '2025-01-29' }, partial)).toEqual({
      from: '2025-01-01',
      through: '2025-01-03',
    });
    // A day's move is one step; a window past reach starts again.
    const whole = { span: 30, from: '2025-01-01', through: '2025-01-29' };
    expect(windowStep(30, { from: '2025-01-02', through: '2025-01-30' }, whole)).toEqual({
      from: '2025-01-02',
      through: '2025-01-30',
    });
    expect(windowStep(30, { from: '2025-01-05', through: '2025-02-02' }, partial)).toEqual({
      from: '2025-01-05',
      through: '2025-01-05',
    });
    expect(windowStep(365, { from: '2024-01-02', through: '2024-12-31' }, undefined)).toEqual({
      from: '2024-01-02',
      through: '2024-01-11',
    });

    db = freshTestDb();
    const d = db;
    const start = Date.UTC(2025, 0, 1, 9);
    const visit = (day: number, i: number) =>
      makeVisit({
        at: start + day * DAY + i * 3_600_000,
        domain: ['a.example', 'b.example', 'c.example'][i % 3] as string,
        url: `https://${['a', 'b', 'c'][i % 3]}.example/p${(day * 7 + i) % 11}`,
        activeMs: 1_000 * (day + i + 1),
      });
    const off = { syncEnabled: false, dayOf: utcDayOf };
    await recordFinishedVisits(
      d,
      Array.from({ length: 45 * 3 }, (_, n) => visit(Math.floor(n / 3), n % 3)),
      off,
    );
    // Visits recorded while the window is half built: one in a day it holds, one in a day it
    // does not hold yet.
    const modes: string[] = [];
    const transaction = d.transaction.bind(d) as (...args: unknown[]) => Promise<unknown>;
    Object.assign(d, {
      transaction: (mode: string, ...rest: unknown[]) => {
        modes.push(mode);
        const done = transaction(mode, ...rest);
        if (modes.filter((m) => m === 'rw').length !== 3) return done;
        return done.then(async (result) => {
          await recordFinishedVisits(d, [visit(16, 5), visit(40, 6)], off);
          return result;
        });
      },
    });
    const range = { from: '2025-01-16', to: '2025-02-14' };
    const read = await rangeRollups(d, range);
    const want = await fromDailyRollups(d, range);
    expect(siteTotals(read.hosts, Infinity)).toEqual(want.hosts);
    expect(read.days.sort(byDay)).toEqual(want.days);
    // The sums' 44 days (to the window's last), 10 a step, the fifth step with the window's
    // first; then the window's 29 days, one a step: 33 read-write transactions.
    expect(modes.filter((m) => m === 'rw')).toHaveLength(33);
    // The pages as a build in one go makes them.
    const pagesOf = () => d.tailPages.where('[span+domain+page]').between([30], [31]).toArray();
    const stepped = await pagesOf();
    expect(stepped.length).toBeGreaterThan(20);
    await transaction(
      'rw',
      [d.tailWindows, d.tailRollups, d.dailyRollups, d.tailPages, d.pageRollups, d.hostLists],
      () =>
        moveTailWindow(
          { ...d, pages: d },
          30,
          { from: '2025-01-16', through: '2025-02-13' },
          undefined,
        ),
    );
    expect(await pagesOf()).toEqual(stepped);
  });
});
