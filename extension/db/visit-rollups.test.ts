import { Dexie } from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { heatmap, heatmapOf } from '../stats/when-stats.js';
import { addDays, localDayOf } from './day.js';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { eraseLocalData } from './erase.js';
import { eraseHistory } from './erase-history.js';
import { hostListKey } from './host-lists.js';
import { type ImportedVisit, writeImport } from './import-history.js';
import { monthRollupsOf, sumsThrough } from './month-rollups.js';
import { pageCountsOf } from './page-counts.js';
import { rangeRollups } from './range-rollups.js';
import { recordFinishedVisits } from './record-visits.js';
import { pruneVisits } from './retention.js';
import { openTracksphereDb, type StoredVisit, type TracksphereDb } from './schema.js';
import { pageChanges } from './tail-pages.js';
import { tailSums } from './tail-rollups.js';
import { quarterShares, rollupsOf } from './visit-rollups.js';

let db: TracksphereDb | undefined;
afterEach(async () => {
  await db?.delete();
  db = undefined;
});

const MIN = 60_000;
const at = (d: number, h: number, m = 0) => Date.UTC(2025, 0, d, h, m);

/** A visit from `start` to `end` with `activeMs` active, its address and title as given. */
function visit(
  start: number,
  end: number,
  activeMs: number,
  url: string | null,
  title: string | null = null,
  domain = url === null ? 'mail.example' : new URL(url).hostname,
) {
  return makeVisit({
    at: start,
    endedAt: new Date(end).toISOString(),
    activeMs,
    url,
    domain,
    title,
  });
}

/** Visits at every privacy level, across hours and midnight, one with no length. */
function mixedVisits() {
  return [
    visit(at(3, 9), at(3, 9, 30), 20 * MIN, 'https://docs.example/a?x=1', 'A (full)'),
    visit(at(3, 9, 40), at(3, 11, 5), 37 * MIN + 7, 'https://docs.example/a?x=1', 'A again'),
    // Path level: no title.
    visit(at(3, 14), at(3, 14, 10), 6 * MIN, 'https://docs.example/a'),
    // Domain level: no address.
    visit(at(3, 15), at(3, 15, 5), 4 * MIN, null),
    // Across midnight.
    visit(at(3, 23, 20), at(4, 1, 3), 61 * MIN + 1, 'https://mail.example/inbox', 'Inbox'),
    visit(at(4, 8), at(4, 8), 0, 'https://mail.example/inbox'),
    visit(at(4, 10), at(4, 10, 7), 5 * MIN + 3, 'https://news.example/today', 'News'),
    visit(
      at(5, 12),
      at(5, 12, 45),
      30 * MIN,
      'https://www.news.example/',
      null,
      'www.news.example',
    ),
  ];
}

/**
 * The month and day rollups stored equal those recomputed from the daily rollups stored
 * (schema version 6: what the long ranges read).
 */
async function expectMonthRollups(d: TracksphereDb): Promise<void> {
  // Of the days up to the sums' last (schema version 9).
  const through = sumsThrough(await d.tailWindows.toArray());
  const { months, days } = monthRollupsOf(
    (await d.dailyRollups.toArray()).filter((r) => r.day <= through),
  );
  const byMonth = (r: { month: string; domain: string }) => `${r.month} ${r.domain}`;
  const sorted = <T>(rows: T[], key: (r: T) => string) =>
    rows.sort((a, b) => (key(a) < key(b) ? -1 : 1));
  expect(sorted(await d.monthRollups.toArray(), byMonth)).toEqual(sorted(months, byMonth));
  expect(sorted(await d.daySums.toArray(), (r) => r.day)).toEqual(sorted(days, (r) => r.day));
  await expectTailRollups(d);
}

/** Schema version 7: each range window's rows, recomputed from the daily rollups in it. */
async function expectTailRollups(d: TracksphereDb): Promise<void> {
  const sorted = <T>(rows: T[], key: (r: T) => string) =>
    rows.sort((a, b) => (key(a) < key(b) ? -1 : 1));
  const windows = await d.tailWindows.toArray();
  const byHost = (r: { span: number; domain: string }) => `${r.span} ${r.domain}`;
  expect(sorted(await d.tailRollups.toArray(), byHost)).toEqual(
    sorted(tailSums(windows, await d.dailyRollups.toArray()), byHost),
  );
  await expectTailPages(d);
}

/** Schema version 8: each range window's pages, recomputed from the page rollups in it. */
async function expectTailPages(d: TracksphereDb): Promise<void> {
  const windows = await d.tailWindows.toArray();
  const days = (await d.pageRollups.toArray()).map((after) => ({ after }));
  const pageRows = [...pageChanges(windows, days).values()].map((c) => c.row);
  // And each host's count of its rows in each window (schema version 12).
  const recomputed = [...pageRows, ...pageCountsOf(pageRows)];
  const byPage = (r: { span: number; domain: string; page: string }) =>
    `${r.span} ${r.domain} ${r.page}`;
  const sorted = <T>(rows: T[]) =>
    rows.sort((a, b) => (byPage(a as never) < byPage(b as never) ? -1 : 1));
  expect(sorted(await d.tailPages.toArray())).toEqual(sorted(recomputed));
}

/** The 30-day and 12-month windows over the test's days (ranges ending on 6 January 2025). */
async function withWindows(d: TracksphereDb): Promise<TracksphereDb> {
  for (const from of ['2024-12-08', '2024-01-08']) {
    await rangeRollups(d, { from, to: '2025-01-06' });
  }
  // And the sums (schema version 9) moved on to the windows' last day, and each window's list
  // of hosts marked as holding (schema version 14, host-lists.ts).
  expect((await d.tailWindows.toArray()).map((w) => [w.span, w.through])).toEqual([
    [0, '2025-01-05'],
    [30, '2025-01-05'],
    [365, '2025-01-05'],
    [hostListKey(30), '2025-01-05'],
    [hostListKey(365), '2025-01-05'],
  ]);
  return d;
}

/** The heat and page rollups stored equal those recomputed from the visits stored. */
async function expectRollupsOfVisits(d: TracksphereDb): Promise<void> {
  await expectMonthRollups(d);
  const visits = await d.visits.toArray();
  const { heat, pages } = rollupsOf(visits, utcDayOf);
  const storedHeat = await d.heatRollups.toArray();
  expect(storedHeat.map(({ longestMs: _, ...row }) => row)).toEqual(
    [...heat.values()]
      .sort((a, b) => (a.day < b.day ? -1 : 1))
      .map(({ longestMs: _, ...row }) => row),
  );
  // longestMs bounds the spans read for today's timeline: never below the day's longest.
  for (const row of storedHeat) {
    expect(row.longestMs).toBeGreaterThanOrEqual(heat.get(row.day)?.longestMs ?? 0);
  }
  const byKey = (r: { domain: string; day: string }) => `${r.domain} ${r.day}`;
  expect((await d.pageRollups.toArray()).sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1))).toEqual(
    [...pages.values()].sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1)),
  );
}

const off = { syncEnabled: false, dayOf: utcDayOf };

describe('the heatmap and pages rollups', () => {
  it('spread active time over quarter hours in whole ms that add up', () => {
    const shares = quarterShares(at(3, 9, 40), at(3, 11, 5), 37 * MIN + 7);
    expect(shares.map(([, ms]) => ms).reduce((a, b) => a + b, 0)).toBe(37 * MIN + 7);
    // 9:30 (from 9:40), 9:45, 10:00, 10:15, 10:30, 10:45 and 11:00 (to 11:05).
    expect(shares).toHaveLength(7);
    expect(quarterShares(at(4, 8), at(4, 8), 0)).toEqual([[at(4, 8) / 900_000, 0]]);
  });

  it('give the same heatmap as the visits, in any zone', async () => {
    db = freshTestDb();
    const visits = mixedVisits();
    await recordFinishedVisits(db, visits, off);
    const rows = await db.heatRollups.toArray();
    const spans = visits.map((v) => ({
      domain: v.domain,
      startMs: Date.parse(v.startedAt),
      endMs: Date.parse(v.endedAt),
      activeMs: v.activeMs,
    }));
    // Fixed offsets (whole, half and three-quarter hours), and a clock change at noon on the 3rd.
    const zones: ((ms: number) => number)[] = [0, -120, 330, -345].map((o) => () => o);
    zones.push((ms) => (ms < at(3, 12) ? -60 : -120));
    for (const zone of zones) {
      const fromRollups = heatmapOf(
        rows.map((r) => r.quarters),
        [],
        zone,
      );
      const fromVisits = heatmap(spans, zone);
      // Whole ms per visit and quarter against fractions summed per cell: at most 1 ms apart.
      fromRollups.forEach((c, i) => {
        expect(Math.abs(c.activeMs - (fromVisits[i]?.activeMs ?? 0))).toBeLessThanOrEqual(1);
      });
      expect(fromRollups.reduce((s, c) => s + c.activeMs, 0)).toBe(
        visits.reduce((s, v) => s + v.activeMs, 0),
      );
    }
  });

  it('follow recording (twice the same adds nothing), erasing a site, a range and everything', async () => {
    db = await withWindows(freshTestDb());
    const visits = mixedVisits();
    await recordFinishedVisits(db, visits.slice(0, 5), off);
    await recordFinishedVisits(db, visits.slice(3), off);
    await expectRollupsOfVisits(db);
    expect(await db.heatRollups.count()).toBe(3);
    // Every page of the windows' days is in the 30-day window (none on 6 January, the ranges'
    // last), with a count row for each of its four hosts; the 12-month range's pages are moved
    // by a site's pages view only (YEAR_PAGES), which this test does not open.
    expect(await db.tailPages.count()).toBe(10);
    // The page's latest title, whatever order the visits came in.
    const docs = await db.pageRollups.get(['docs.example', '2025-01-03']);
    expect(docs?.pages['docs.example/a?x=1']).toMatchObject({ title: 'A again', visits: 2 });

    // Erasing the later of two titled visits gives the page its earlier title back.
    await eraseHistory(
      db,
      { domain: 'docs.example', fromMs: at(3, 9, 35), toMs: at(3, 9, 45) },
      utcDayOf,
    );
    await expectRollupsOfVisits(db);
    expect((await db.pageRollups.get(['docs.example', '2025-01-03']))?.pages).toMatchObject({
      'docs.example/a?x=1': { title: 'A (full)', visits: 1 },
    });
    // So does the 30-day window's row of the page (tail-pages.ts).
    expect(await db.tailPages.get([30, 'docs.example', 'docs.example/a?x=1'])).toMatchObject({
      title: 'A (full)',
      visits: 1,
    });

    await eraseHistory(db, { domain: 'news.example' }, utcDayOf);
    await expectRollupsOfVisits(db);
    expect(
      await db.pageRollups
        .where('[domain+day]')
        .between(['news.example', ''], ['news.example', '\uffff'])
        .count(),
    ).toBe(0);

    // Part of a day, every site.
    await eraseHistory(db, { fromMs: at(3, 14), toMs: at(4, 9) }, utcDayOf);
    await expectRollupsOfVisits(db);
    expect(await db.visits.count()).toBe(1);

    await eraseLocalData(db);
    expect([await db.heatRollups.count(), await db.pageRollups.count()]).toEqual([0, 0]);
    expect([await db.monthRollups.count(), await db.daySums.count()]).toEqual([0, 0]);
    expect([await db.tailRollups.count(), await db.tailWindows.count()]).toEqual([0, 0]);
    expect(await db.tailPages.count()).toBe(0);
  });

  it('follow local retention, keeping the pending visits and the cutoff day', async () => {
    db = await withWindows(freshTestDb());
    const visits = mixedVisits();
    await recordFinishedVisits(db, visits.slice(0, 2), { ...off, syncEnabled: true });
    await recordFinishedVisits(db, visits.slice(2), off);
    // Cutoff 4 January 9:00: the pending ones of the 3rd stay, with the 4th's later visits.
    const pruned = await pruneVisits(db, {
      now: at(5, 9),
      retentionDays: 1,
      syncEnabled: true,
      dayOf: utcDayOf,
    });
    expect(pruned).toBe(4);
    await expectRollupsOfVisits(db);
    expect((await db.heatRollups.get('2025-01-04'))?.visits).toBe(1);
    await pruneVisits(db, { now: at(5, 9), retentionDays: 1, syncEnabled: false, dayOf: utcDayOf });
    await expectRollupsOfVisits(db);
    expect(await db.heatRollups.get('2025-01-03')).toBeUndefined();
  });

  it('follow an import, and a second import of the same file adds nothing', async () => {
    db = await withWindows(freshTestDb());
    await recordFinishedVisits(db, mixedVisits().slice(0, 2), off);
    const imported: ImportedVisit[] = mixedVisits().map((v, i) => ({
      ...v,
      startedMs: Date.parse(v.startedAt),
      syncState: 'local',
      record: `line ${i + 1}`,
    }));
    const opts = { source: 'test', dayOf: utcDayOf, keepVisitsFromMs: at(3, 12) };
    const first = await writeImport(db, { days: [], visits: imported }, opts);
    expect(first.imported).toBe(8);
    await expectRollupsOfVisits(db);
    // Day figures without visits (another tracker's): on a day with visits and on one without,
    // the second time larger, which adds the difference.
    const day = (ms: number, visits: number) => ({
      day: '2025-01-03',
      domain: 'docs.example',
      activeMs: ms,
      visits,
      records: [`day ${visits}`],
    });
    const older = { ...day(7 * MIN, 2), day: '2024-12-30', domain: 'old.example' };
    await writeImport(db, { days: [day(90 * MIN, 5), older], visits: [] }, opts);
    await expectMonthRollups(db);
    await writeImport(db, { days: [day(95 * MIN, 6)], visits: [] }, opts);
    await expectMonthRollups(db);
    expect(await db.monthRollups.get(['2024-12', 'old.example'])).toMatchObject({ visits: 2 });
    expect(await db.daySums.get('2024-12-30')).toMatchObject({ activeMs: 7 * MIN });
    const heat = await db.heatRollups.toArray();
    const pages = await db.pageRollups.toArray();
    const second = await writeImport(db, { days: [], visits: imported }, opts);
    expect(second.imported).toBe(0);
    expect(await db.heatRollups.toArray()).toEqual(heat);
    expect(await db.pageRollups.toArray()).toEqual(pages);
    await expectMonthRollups(db);
    // The two visits before the retention's cutoff count in the daily rollups only.
    expect(await db.visits.count()).toBe(2 + 6);
  });

  it('are built from the visits stored when a version 3 database is upgraded', async () => {
    const name = `test-${crypto.randomUUID()}`;
    const v3 = new Dexie(name);
    v3.version(3).stores({
      visits: 'id, startedMs, [syncState+startedMs], [domain+startedMs]',
      dailyRollups: '[day+domain]',
      meta: 'key',
    });
    const stored: StoredVisit[] = mixedVisits().map((v) => ({
      ...v,
      startedMs: Date.parse(v.startedAt),
      syncState: 'local',
    }));
    await v3.table('visits').bulkAdd(stored);
    v3.close();
    db = openTracksphereDb(name);
    await db.open();
    await expectRollupsOfVisits(db);
    expect(await db.heatRollups.count()).toBe(3);
  });

  it('month and day sums are built from the daily rollups when a version 5 database is upgraded', async () => {
    const name = `test-${crypto.randomUUID()}`;
    const v5 = new Dexie(name);
    v5.version(5).stores({
      visits: 'id, startedMs, [syncState+startedMs], [domain+startedMs]',
      dailyRollups: '[day+domain]',
      meta: 'key',
      trackerState: 'key',
      heatRollups: 'day',
      pageRollups: '[domain+day]',
    });
    // Rollups without visits (pruned, or imported figures), over a month's end.
    await v5.table('dailyRollups').bulkPut([
      { day: '2025-01-31', domain: 'a.example', activeMs: 5 * MIN, visits: 2 },
      { day: '2025-02-01', domain: 'a.example', activeMs: 7 * MIN, visits: 1 },
      { day: '2025-02-14', domain: 'a.example', activeMs: MIN, visits: 1 },
      { day: '2025-02-14', domain: 'b.example', activeMs: 3 * MIN, visits: 4 },
    ]);
    v5.close();
    db = openTracksphereDb(name);
    await db.open();
    await expectMonthRollups(db);
    expect(await db.monthRollups.get(['2025-02', 'a.example'])).toMatchObject({
      activeMs: 8 * MIN,
      visits: 2,
    });
    expect(await db.daySums.get('2025-02-14')).toMatchObject({ activeMs: 4 * MIN, visits: 5 });
  });

  it('range windows are built from the daily rollups when a version 6 database is upgraded', async () => {
    const name = `test-${crypto.randomUUID()}`;
    const v6 = new Dexie(name);
    v6.version(6).stores({
      visits: 'id, startedMs, [syncState+startedMs], [domain+startedMs]',
      dailyRollups: '[day+domain]',
      meta: 'key',
      trackerState: 'key',
      heatRollups: 'day',
      pageRollups: '[domain+day]',
      monthRollups: '[month+domain]',
      daySums: 'day',
    });
    // Days before and inside the 30 days, today's (left to the daily rollups), a year ago.
    const today = localDayOf(Date.now());
    const rows = [0, -1, -3, -29, -30, -364, -400].flatMap((back) => [
      { day: addDays(today, back), domain: 'a.example', activeMs: MIN, visits: 1 },
      { day: addDays(today, back), domain: `d${-back}.example`, activeMs: 2 * MIN, visits: 3 },
    ]);
    await v6.table('dailyRollups').bulkPut(rows);
    v6.close();
    db = openTracksphereDb(name);
    await db.open();
    await expectTailRollups(db);
    expect(await db.tailWindows.get(30)).toMatchObject({
      span: 30,
      from: addDays(today, -29),
      through: addDays(today, -1),
    });
    // a.example on days 1, 3 and 29 back; 364 back only in the year's.
    expect(await db.tailRollups.get([30, 'a.example'])).toMatchObject({ visits: 3 });
    expect(await db.tailRollups.get([365, 'a.example'])).toMatchObject({ visits: 5 });
    expect(await db.tailRollups.get([30, 'd0.example'])).toBeUndefined();
  });
  it("range windows' pages are built from the page rollups when a version 7 database is upgraded", async () => {
    const name = `test-${crypto.randomUUID()}`;
    const v7 = new Dexie(name);
    v7.version(7).stores({
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
    });
    const today = localDayOf(Date.now());
    const page = (back: number, path: string, title: string | null) => ({
      domain: 'a.example',
      day: addDays(today, back),
      pages: {
        [`a.example${path}`]: {
          host: 'a.example',
          path,
          activeMs: MIN,
          visits: 1,
          title,
          titleAt: title === null ? 0 : -back,
        },
      },
      withoutAddress: { activeMs: 0, visits: 0 },
    });
    // Today's (left to the page rollups), in both windows, in the year's only.
    const pages = [page(0, '/a', 'A0'), page(-1, '/a', 'A1'), page(-3, '/b', null)];
    pages.push(page(-100, '/a', 'A100'));
    await v7.table('pageRollups').bulkPut(pages);
    await v7
      .table('dailyRollups')
      .bulkPut(pages.map((p) => ({ day: p.day, domain: p.domain, activeMs: MIN, visits: 1 })));
    await v7.table('tailWindows').bulkPut([
      { span: 30, from: addDays(today, -29), through: addDays(today, -1) },
      { span: 365, from: addDays(today, -364), through: addDays(today, -1) },
    ]);
    v7.close();
    db = openTracksphereDb(name);
    await db.open();
    await expectTailPages(db);
    expect(await db.tailPages.get([30, 'a.example', 'a.example/a'])).toMatchObject({
      visits: 1,
      title: 'A1',
    });
    expect(await db.tailPages.get([365, 'a.example', 'a.example/a'])).toBeUndefined();
    // Two pages and the host's count of them (schema version 12).
    expect(await db.tailPages.count()).toBe(3);
  });
});
