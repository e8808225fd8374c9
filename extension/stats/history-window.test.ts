import { afterEach, describe, expect, it } from 'vitest';
import { addDays } from '../db/day.js';
import { freshTestDb, makeVisit, utcDayOf } from '../db/db-test-kit.js';
import { recordFinishedVisits } from '../db/record-visits.js';
import type { TracksphereDb } from '../db/schema.js';
import { dayTotals, rollupsInRange } from '../db/stats-queries.js';
import type { OpenVisitFigure } from '../messaging/protocol.js';
import { HISTORY_DAYS, type HistoryStats, loadHistory } from './history-stats.js';
import { withOpenVisits } from './open-visits.js';
import { loadRangeHistory } from './range-history.js';
import { type SiteOf, siteBars } from './site-shares.js';

let db: TracksphereDb | undefined;
afterEach(async () => {
  await db?.delete();
  db = undefined;
});

const TODAY = '2025-03-10';
const FROM = addDays(TODAY, 1 - HISTORY_DAYS);
const off = { syncEnabled: false, dayOf: utcDayOf };
const HOSTS = ['a.example', 'www.b.example', 'b.example', 'youtube.com', 'docs.google.com'];
const siteOf: SiteOf = (host) => (host.endsWith('b.example') ? 'b.example' : host);

const visitOn = (day: string, domain: string, activeMs: number) =>
  makeVisit({ at: Date.parse(`${day}T10:00:00Z`), domain, url: `https://${domain}/`, activeMs });

/** A tab left open today and one left open since yesterday. */
const OPEN: OpenVisitFigure[] = [
  { domain: 'youtube.com', startedAt: Date.parse(`${TODAY}T12:00:00Z`), activeMs: 4_000 },
  { domain: 'e.example', startedAt: Date.parse(`${addDays(TODAY, -1)}T23:00:00Z`), activeMs: 900 },
];

/** The 30 days' figures from every daily rollup of them, as the page's first view read them. */
async function fromEveryDailyRollup(d: TracksphereDb): Promise<HistoryStats> {
  const recorded = await rollupsInRange(d, { from: FROM, to: TODAY });
  const rows = withOpenVisits(recorded, OPEN, { from: FROM, to: TODAY }, utcDayOf);
  const days = dayTotals(rows, { lastDay: TODAY, days: HISTORY_DAYS });
  return {
    from: FROM,
    to: TODAY,
    totalActiveMs: days.reduce((sum, day) => sum + day.activeMs, 0),
    totalVisits: days.reduce((sum, day) => sum + day.visits, 0),
    days,
    sites: siteBars(rows, siteOf),
  };
}

const firstView = (d: TracksphereDb) =>
  loadHistory(d, TODAY, HISTORY_DAYS, Promise.resolve(OPEN), utcDayOf, async () => siteOf);

describe("the options page's first view (loadHistory)", () => {
  it("shows the range picker's 30 days, from the window once in place, the same as every daily rollup", async () => {
    db = freshTestDb();
    const d = db;
    await recordFinishedVisits(
      d,
      Array.from({ length: 300 }, (_, i) =>
        visitOn(addDays(TODAY, -((i * 7) % 60)), HOSTS[i % 5] as string, 1_000 + i),
      ),
      off,
    );
    const expected = await fromEveryDailyRollup(d);
    expect(expected.totalVisits).toBeGreaterThan(100);
    expect(expected.sites.map((s) => s.domain)).toContain('b.example');

    // A window never moved (a history older than the windows): the first view reads every daily
    // rollup and builds nothing, where moving the window would first build the month sums from
    // the first recorded day; the table does not wait for that.
    const windowsBefore = await d.tailWindows.toArray();
    expect(await d.tailWindows.get(HISTORY_DAYS)).toBeUndefined();
    expect(await firstView(d)).toEqual(expected);
    expect(await d.tailWindows.toArray()).toEqual(windowsBefore);
    // The range picker's 30 days move the window to the days before today.
    expect(
      await loadRangeHistory(d, { from: FROM, to: TODAY }, OPEN, utcDayOf, async () => siteOf),
    ).toEqual(expected);
    expect(await d.tailWindows.get(HISTORY_DAYS)).toMatchObject({
      from: FROM,
      through: addDays(TODAY, -1),
    });
    // In place, the window is what the first view reads, not the daily rollups: the window's
    // days' rows taken away behind every writer's back leave its figures as they were.
    const window = await d.dailyRollups
      .where('day')
      .between(FROM, addDays(TODAY, -1), true, true)
      .toArray();
    expect(window.length).toBeGreaterThan(20);
    await d.dailyRollups.where('day').between(FROM, addDays(TODAY, -1), true, true).delete();
    expect(await firstView(d)).toEqual(expected);
    await d.dailyRollups.bulkPut(window);

    // A recording on a day the window holds, and one today: the same as every daily rollup.
    await recordFinishedVisits(
      d,
      [visitOn(addDays(TODAY, -3), 'f.example', 5_000), visitOn(TODAY, 'a.example', 7_000)],
      off,
    );
    const after = await fromEveryDailyRollup(d);
    expect(after.totalActiveMs).toBe(expected.totalActiveMs + 12_000);
    expect(await firstView(d)).toEqual(after);
  });

  it('is all zeros but the open visits on an empty database', async () => {
    db = freshTestDb();
    expect(await firstView(db)).toEqual(await fromEveryDailyRollup(db));
  });
});
