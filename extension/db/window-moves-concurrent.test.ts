/**
 * Two pages moving one window towards ranges a day apart (an options tab open since yesterday
 * beside one opened today, each its own connection): both finish, and the window ends at the
 * later range. Each used to rebuild the window from its own first day after each of the other's
 * steps, for as long as both were open. A move towards a later range that was abandoned (its page
 * closed, a clock set ahead and back) is taken over, not waited for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { addDays } from './day.js';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { rangeRollups } from './range-rollups.js';
import { recordFinishedVisits } from './record-visits.js';
import { openTracksphereDb, type TracksphereDb } from './schema.js';
import { YEAR_PAGES } from './tail-pages.js';
import { tailWindowOf } from './tail-rollups.js';
import { LIVE_MOVE_MS, moveYearPages } from './visit-queries.js';

const opened: TracksphereDb[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.delete();
});

/** A database with one visit, and a second connection to it (another page). */
async function twoPages(): Promise<[TracksphereDb, TracksphereDb]> {
  const db = freshTestDb();
  const other = openTracksphereDb(db.name);
  opened.push(db, other);
  await recordFinishedVisits(
    db,
    [makeVisit({ at: Date.UTC(2025, 5, 1, 9), domain: 'a.example', url: 'https://a.example/x' })],
    { syncEnabled: false, dayOf: utcDayOf },
  );
  return [db, other];
}

/** 'done' when `work` settles within `ms`, else 'stuck'. */
function within(work: Promise<unknown>, ms: number): Promise<'done' | 'stuck'> {
  const timeout = new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), ms));
  return Promise.race([work.then(() => 'done' as const), timeout]);
}

describe('a window moved by two pages towards ranges a day apart', () => {
  it("the year's pages reach today's window", async () => {
    const [db, other] = await twoPages();
    const yesterdays = tailWindowOf(365, '2025-06-09');
    const todays = tailWindowOf(365, '2025-06-10');
    const both = Promise.all([moveYearPages(db, yesterdays), moveYearPages(other, todays)]);
    expect(await within(both, 15_000)).toBe('done');
    const window = await db.tailWindows.get(YEAR_PAGES);
    expect({ from: window?.from, through: window?.through }).toEqual(todays);
  }, 30_000);

  it('the 30-day range views both answer', async () => {
    const [db, other] = await twoPages();
    await db.tailWindows.clear();
    const both = Promise.all([
      rangeRollups(db, { from: '2025-05-11', to: '2025-06-09' }),
      rangeRollups(other, { from: '2025-05-12', to: '2025-06-10' }),
    ]);
    expect(await within(both, 10_000)).toBe('done');
    const [yesterdays, todays] = await both;
    // Each answers its own range's figures: the visit of 2025-06-01 is in both.
    for (const answer of [yesterdays, todays]) {
      expect(answer.hosts.filter((h) => h.domain === 'a.example').length).toBeGreaterThan(0);
    }
  }, 20_000);

  it("the year's pages reach today's window after a move towards a later one was abandoned", async () => {
    const [db] = await twoPages();
    const ahead = tailWindowOf(365, '2025-06-13');
    const todays = tailWindowOf(365, '2025-06-10');
    // A move towards 06-13 (a clock three days ahead) stopped after its first steps, a while ago.
    const partial = { span: YEAR_PAGES, from: ahead.from, through: addDays(ahead.from, 2) };
    await db.tailWindows.put({ ...partial, steppedAt: Date.now() - 2 * LIVE_MOVE_MS });
    await moveYearPages(db, todays);
    const w = await db.tailWindows.get(YEAR_PAGES);
    expect({ from: w?.from, through: w?.through }).toEqual(todays);
    // The same window stepped just now is another page's move under way: left to it.
    await db.tailWindows.put({ ...partial, steppedAt: Date.now() });
    await moveYearPages(db, todays);
    expect((await db.tailWindows.get(YEAR_PAGES))?.from).toBe(ahead.from);
  }, 30_000);
});
