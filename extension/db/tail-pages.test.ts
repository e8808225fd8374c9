import { Dexie } from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { sitePagesOf, topSitePages } from '../stats/site-pages.js';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { eraseHistory } from './erase-history.js';
import { type ImportedVisit, writeImport } from './import-history.js';
import { PAGE_COUNT, pageCountsOf } from './page-counts.js';
import { rangeRollups } from './range-rollups.js';
import { recordFinishedVisits } from './record-visits.js';
import { YEAR_PAGES_MAX_CHANGES } from './rollup-upkeep.js';
import { openTracksphereDb, type TracksphereDb } from './schema.js';
import { pageChanges, YEAR_PAGES } from './tail-pages.js';
import { pageRollupsIn, topPagesIn, yearPagesMoving } from './visit-queries.js';

let db: TracksphereDb | undefined;
afterEach(async () => {
  await db?.delete();
  db = undefined;
});

const DAY = 86_400_000;
const HOSTS = ['a.example', 'www.a.example'];

/** The windows' rows as the page rollups of their days add up to (what the upkeep must keep). */
async function expectWindowsOfPageRollups(d: TracksphereDb): Promise<void> {
  const windows = await d.tailWindows.toArray();
  const days = (await d.pageRollups.toArray()).map((after) => ({ after }));
  const key = (r: { span: number; domain: string; page: string }) =>
    `${r.span} ${r.domain} ${r.page}`;
  const sorted = <T extends { span: number; domain: string; page: string }>(rows: T[]) =>
    rows.sort((a, b) => (key(a) < key(b) ? -1 : 1));
  const rows = [...pageChanges(windows, days).values()].map((c) => c.row);
  // And each host's count of its rows in each window (schema version 12).
  const want = [...rows, ...pageCountsOf(rows)];
  expect(sorted(await d.tailPages.toArray())).toEqual(sorted(want));
}

/** The top pages read from the window equal the top of every page, and the count is all. */
async function expectTopOfAll(
  d: TracksphereDb,
  range: { from: string; to: string },
  limit: number,
) {
  const read = await topPagesIn(d, HOSTS, range, limit);
  expect(read, JSON.stringify(range)).not.toBeNull();
  if (read === null) return;
  const all = sitePagesOf(await pageRollupsIn(d, HOSTS, range));
  const top = topSitePages(read, limit);
  expect(top.pages, JSON.stringify(range)).toEqual(all.pages.slice(0, limit));
  expect(top.total).toBe(all.pages.length);
  expect(top.withoutAddress).toEqual(all.withoutAddress);
}

/**
 * The 12 months ending `to`: the first read finds the year's pages elsewhere and moves them in
 * the background (reading the days' rollups meanwhile); once moved, the top equals every page's.
 */
async function yearTop(d: TracksphereDb, to: string): Promise<void> {
  const range = ending(to, 365);
  expect(await topPagesIn(d, HOSTS, range, 5)).toBeNull();
  await yearPagesMoving(d);
  await expectTopOfAll(d, range, 5);
}

const ending = (to: string, days: number) => ({
  from: new Date(Date.parse(to) - (days - 1) * DAY).toISOString().slice(0, 10),
  to,
});

describe("the range windows' pages", () => {
  it("give a site's top pages and their count as every page does, moved, recorded into and erased", async () => {
    db = freshTestDb();
    const start = Date.UTC(2025, 0, 1, 9);
    // 40 pages over two hosts and 60 days; the same page on many days, titles changing, some
    // visits without an address; active time spread so ties are rare.
    const visits = Array.from({ length: 600 }, (_, i) => {
      const host = HOSTS[i % 2] as string;
      const page = (i * 7) % 40;
      return makeVisit({
        at: start + Math.floor(i / 10) * DAY + (i % 10) * 3_600_000,
        domain: host,
        url: i % 13 === 0 ? null : `https://${host}/p/${page}`,
        title: i % 5 === 0 ? null : `Page ${page} (${i})`,
        activeMs: 1_000 * ((i * 37) % 101) + i,
      });
    });
    const off = { syncEnabled: false, dayOf: utcDayOf };
    await recordFinishedVisits(db, visits.slice(0, 400), off);
    // Built, moved a day, five days, past the 30-day one's length.
    for (const to of ['2025-01-20', '2025-01-21', '2025-01-26', '2025-03-01']) {
      for (const span of [30, 365]) await rangeRollups(db, ending(to, span));
      await expectTopOfAll(db, ending(to, 30), 5);
      await yearTop(db, to);
      await expectWindowsOfPageRollups(db);
    }
    // Recorded into the windows' days (and the last day's, read beside them), then erased.
    await recordFinishedVisits(db, visits.slice(400), off);
    await expectWindowsOfPageRollups(db);
    await expectTopOfAll(db, ending('2025-03-01', 30), 5);
    await expectTopOfAll(db, ending('2025-03-01', 365), 5);
    // A page first seen on the range's last day (in no window yet) counts, and leads.
    const fresh = { at: Date.UTC(2025, 2, 1, 8), domain: 'a.example', activeMs: 5_000_000 };
    await recordFinishedVisits(db, [makeVisit({ ...fresh, url: 'https://a.example/new' })], off);
    await expectTopOfAll(db, ending('2025-03-01', 30), 3);
    await eraseHistory(
      db,
      { domain: 'a.example', fromMs: Date.UTC(2025, 1, 10), toMs: Date.UTC(2025, 1, 20) },
      utcDayOf,
    );
    await expectWindowsOfPageRollups(db);
    await expectTopOfAll(db, ending('2025-03-01', 30), 5);
    await expectTopOfAll(db, ending('2025-03-01', 30), 3);
    await expectTopOfAll(db, ending('2025-03-01', 365), 3);
    await eraseHistory(db, { domain: 'www.a.example' }, utcDayOf);
    await expectWindowsOfPageRollups(db);
    await expectTopOfAll(db, ending('2025-03-01', 30), 3);
    await expectTopOfAll(db, ending('2025-03-01', 365), 3);
    // A range whose window is elsewhere reads nothing from it.
    expect(await topPagesIn(db, HOSTS, ending('2025-02-01', 30), 5)).toBeNull();
    expect(await topPagesIn(db, HOSTS, ending('2025-03-01', 31), 5)).toBeNull();
  });

  it("are dropped when an import would change more than a few days' of them, and built again by the next view", async () => {
    db = freshTestDb();
    const off = { syncEnabled: false, dayOf: utcDayOf };
    const seed = (n: number, page: string, offset = 0) =>
      Array.from({ length: n }, (_, i) =>
        makeVisit({
          at: Date.UTC(2025, 0, 2, 9) + (i % 20) * DAY + offset + i * 1_000,
          domain: 'a.example',
          url: `https://a.example/${page}/${i}`,
          title: `${page} ${i}`,
          activeMs: 1_000 + i,
        }),
      );
    await recordFinishedVisits(db, seed(30, 'kept'), off);
    await rangeRollups(db, ending('2025-01-30', 30));
    await yearTop(db, '2025-01-30');
    const imported = (n: number, page: string): ImportedVisit[] =>
      seed(n, page, 3_600_000).map((v, i) => ({
        ...v,
        startedMs: Date.parse(v.startedAt),
        syncState: 'local',
        record: `line ${i + 1}`,
      }));
    const opts = { source: 'test', dayOf: utcDayOf, keepVisitsFromMs: 0 };
    // A few pages: the year's pages gain them.
    await writeImport(db, { days: [], visits: imported(20, 'few') }, opts);
    expect(await db.tailWindows.get(YEAR_PAGES)).toBeDefined();
    await expectWindowsOfPageRollups(db);
    await expectTopOfAll(db, ending('2025-01-30', 365), 5);
    // More pages than YEAR_PAGES_MAX_CHANGES: dropped, and built again by the next view.
    await writeImport(db, { days: [], visits: imported(YEAR_PAGES_MAX_CHANGES + 1, 'many') }, opts);
    expect(await db.tailWindows.get(YEAR_PAGES)).toBeUndefined();
    expect(await db.tailWindows.get(30)).toBeDefined();
    await yearTop(db, '2025-01-30');
    await expectWindowsOfPageRollups(db);
  });

  it("count each host's rows when a version 10 database is upgraded (schema version 12)", async () => {
    const name = `test-${crypto.randomUUID()}`;
    const v10 = new Dexie(name);
    v10.version(10).stores({
      visits: 'id, startedMs, [syncState+startedMs], [domain+startedMs]',
      dailyRollups: '[day+domain]',
      meta: 'key',
      trackerState: 'key',
      heatRollups: 'day',
      pageRollups: '[domain+day]',
      monthRollups: '[month+domain]',
      daySums: 'day',
      tailRollups: '[span+domain]',
      tailWindows: 'span',
      tailPages: '[span+domain+page], [span+domain+activeMs]',
      summaryRanges: 'id',
      summaryDays: '[id+date]',
    });
    const row = (domain: string, page: string) => ({
      span: 30,
      domain,
      page,
      host: domain,
      path: page.slice(domain.length),
      activeMs: 1_000,
      visits: 1,
      title: null,
      titleAt: 0,
    });
    await v10
      .table('tailPages')
      .bulkPut([
        row('a.example', 'a.example/1'),
        row('a.example', 'a.example/2'),
        row('b.example', ''),
      ]);
    v10.close();
    db = openTracksphereDb(name);
    await db.open();
    expect(await db.tailPages.get([30, 'a.example', PAGE_COUNT])).toEqual({
      span: 30,
      domain: 'a.example',
      page: PAGE_COUNT,
      count: 2,
    });
    expect(await db.tailPages.get([30, 'b.example', PAGE_COUNT])).toMatchObject({ count: 1 });
    expect(await db.tailPages.count()).toBe(5);
  });
});
