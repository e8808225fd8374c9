/**
 * The past ranges' summary cache: bounded by entries and rows, expired after its age, and
 * refreshed by a newer summary; and through the background's handler, a past range seen before
 * answers at once without the network, offline included, and is replaced by the server's.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { Summary, SummaryRow } from '#protocol';
import {
  createLinkHandlers as createHandlers,
  forgetAllBrowsersSummaries,
  type LinkRuntime,
} from '../background/link-sync.js';
import { cacheSummary, freshTestDb, lastCachedSummary } from '../db/db-test-kit.js';
import type { TracksphereDb } from '../db/index.js';
import { syncConfigItem } from '../settings/index.js';
import { linkedDevice } from '../sync/sync-test-kit.js';
import {
  type CachedRangeHead,
  type CachedRangeSummary,
  cachedSummaryFor,
  mergeSummary,
  narrowSummary,
  SUMMARY_CACHE_MAX_AGE_MS,
  SUMMARY_CACHE_MAX_ENTRIES,
  SUMMARY_CACHE_MAX_ROWS,
  sinceCandidate,
  withCachedSummary,
} from './summary-cache.js';

const ME = '0190a6f2-0000-7000-8000-00000000000a';
const OTHER = '0190a6f2-0000-7000-8000-00000000000b';
const TZ = 'Europe/Berlin';
const T0 = Date.UTC(2026, 11, 5, 12);

function row(date: string, activeMs: number, domain = 'a.test'): SummaryRow {
  return { date, domain, deviceId: OTHER, activeMs, visits: 1 };
}

function summary(from: string, to: string, rows: SummaryRow[], tz = TZ): Summary {
  return {
    from,
    to,
    tz,
    generatedAt: new Date(T0).toISOString(),
    devices: [linkedDevice(ME, true), linkedDevice(OTHER, false)],
    rows,
  };
}

type Entry = CachedRangeSummary & CachedRangeHead;

function entry(from: string, to: string, rows: SummaryRow[], at: number): Entry {
  return { summary: summary(from, to, rows), fetchedAt: at, rowCount: rows.length };
}

const WEEK = { from: '2026-11-29', to: '2026-12-05', tz: TZ };

describe('the summary cache', () => {
  it('answers a range from a newer summary covering it, shown narrowed to its days', () => {
    const month = entry(
      '2026-11-06',
      '2026-12-05',
      [row('2026-11-10', 5), row('2026-12-01', 7)],
      T0,
    );
    const week = entry(WEEK.from, WEEK.to, [row('2026-12-01', 3)], T0 - 1000);
    const found = cachedSummaryFor([week, month], WEEK, T0 + 1);
    expect(found).toBe(month);
    const shown = narrowSummary(month.summary, WEEK);
    expect(shown).toMatchObject({ from: WEEK.from, to: WEEK.to });
    expect(shown.rows).toEqual([row('2026-12-01', 7)]);
    // Another zone, or days past the cached ones: nothing.
    expect(cachedSummaryFor([week, month], { ...WEEK, tz: 'UTC' }, T0)).toBeNull();
    expect(cachedSummaryFor([week], { ...WEEK, to: '2026-12-06' }, T0)).toBeNull();
  });

  it('expires an entry fetched longer ago than its age, and drops it on the next write', () => {
    const old = entry(WEEK.from, WEEK.to, [row('2026-12-01', 3)], T0);
    expect(cachedSummaryFor([old], WEEK, T0 + SUMMARY_CACHE_MAX_AGE_MS)).not.toBeNull();
    const later = T0 + SUMMARY_CACHE_MAX_AGE_MS + 1;
    expect(cachedSummaryFor([old], WEEK, later)).toBeNull();
    const other = entry('2026-10-01', '2026-10-31', [], later);
    expect(withCachedSummary([old], other, later)).toEqual([other]);
  });

  it('is refreshed: a newer summary replaces the older ones it covers, not the others', () => {
    const week = entry(WEEK.from, WEEK.to, [row('2026-12-01', 3)], T0);
    const october = entry('2026-10-01', '2026-10-31', [row('2026-10-02', 1)], T0);
    const again = entry(WEEK.from, WEEK.to, [row('2026-12-01', 9)], T0 + 60_000);
    const next = withCachedSummary([week, october], again, T0 + 60_000);
    expect(next).toEqual([again, october]);
    expect(cachedSummaryFor(next, WEEK, T0 + 60_000)).toBe(again);
  });

  it('is bounded: the newest whatever its size, the others while their rows and number fit', () => {
    let entries: Entry[] = [];
    for (let i = 0; i < SUMMARY_CACHE_MAX_ENTRIES + 5; i++) {
      const day = `2025-01-${String(i + 1).padStart(2, '0')}`;
      entries = withCachedSummary(entries, entry(day, day, [row(day, i)], T0 + i), T0 + i);
    }
    expect(entries).toHaveLength(SUMMARY_CACHE_MAX_ENTRIES);
    expect(entries[0]?.summary.from).toBe('2025-01-17');
    expect(entries.at(-1)?.summary.from).toBe('2025-01-06');

    // Big ranges (their rows counted, not made): besides the newest, the others fill the rows'
    // bound, the oldest goes.
    const big = (day: string, rowCount: number, at: number): Entry => ({
      ...entry(day, day, [], at),
      rowCount,
    });
    const half = Math.floor(SUMMARY_CACHE_MAX_ROWS / 2) + 1;
    const a = big('2024-01-01', half, T0 + 100);
    const b = big('2024-02-01', half, T0 + 200);
    const c = big('2024-03-01', half, T0 + 300);
    entries = withCachedSummary(withCachedSummary(entries, a, T0 + 100), b, T0 + 200);
    expect(entries.slice(0, 2)).toEqual([b, a]);
    entries = withCachedSummary(entries, c, T0 + 300);
    expect(entries.slice(0, 2)).toEqual([c, b]);
    expect(entries).not.toContain(a);
    const others = (list: Entry[]) => list.slice(1).reduce((n, e) => n + e.rowCount, 0);
    expect(others(entries)).toBeLessThanOrEqual(SUMMARY_CACHE_MAX_ROWS);
    // One over the bound alone is kept while it is the newest, and goes when a newer one comes.
    const huge = big('2023-01-01', SUMMARY_CACHE_MAX_ROWS + 1, T0 + 400);
    entries = withCachedSummary(entries, huge, T0 + 400);
    expect(entries[0]).toBe(huge);
    expect(entries).toContain(c);
    const small = entry(WEEK.from, WEEK.to, [], T0 + 500);
    entries = withCachedSummary(entries, small, T0 + 500);
    expect(entries[0]).toBe(small);
    expect(entries).not.toContain(huge);
    expect(others(entries)).toBeLessThanOrEqual(SUMMARY_CACHE_MAX_ROWS);
  });
});

describe('the incremental summary', () => {
  it('asks with the cursor of a cached summary of the range, and merges day-wise', () => {
    const week = {
      ...entry(WEEK.from, WEEK.to, [], T0),
      summary: { ...summary(WEEK.from, WEEK.to, []), cursor: 'w' },
    };
    const wider = {
      ...entry('2026-11-01', WEEK.to, [], T0 + 1),
      summary: { ...summary('2026-11-01', WEEK.to, []), cursor: 'm' },
    };
    expect(sinceCandidate([wider, week], WEEK, T0 + 2)?.summary.cursor).toBe('w');
    expect(sinceCandidate([week], WEEK, T0 + SUMMARY_CACHE_MAX_AGE_MS + 1)).toBeNull();

    const cached = summary(WEEK.from, WEEK.to, [
      row('2026-12-01', 3),
      row('2026-12-02', 4),
      row('2026-12-02', 5, 'b.test'),
    ]);
    const answer: Summary = {
      ...summary(WEEK.from, WEEK.to, [row('2026-12-03', 8)]),
      cursor: 'w2',
      complete: false,
      changed: [
        { date: '2026-12-02', deviceId: OTHER },
        { date: '2026-12-03', deviceId: OTHER },
      ],
    };
    expect(mergeSummary(cached, answer)?.rows).toEqual([
      row('2026-12-01', 3),
      row('2026-12-03', 8),
    ]);
    // A complete answer stands; an incremental one for another range or zone cannot be merged.
    expect(mergeSummary(cached, { ...answer, complete: true })).toEqual({
      ...answer,
      complete: true,
    });
    expect(mergeSummary(null, answer)).toBeNull();
    expect(mergeSummary({ ...cached, tz: 'UTC' }, answer)).toBeNull();
  });
});

describe('the incremental summary of a range that moved', () => {
  const withCursor = (
    from: string,
    to: string,
    rows: SummaryRow[],
    at: number,
    cursor: string,
  ) => ({
    fetchedAt: at,
    rowCount: rows.length,
    summary: { ...summary(from, to, rows), cursor },
  });

  it('asks with the cached range overlapping the asked one most, exact first', () => {
    const year = withCursor('2025-12-05', '2026-12-04', [], T0, 'year');
    const month = withCursor('2026-11-05', '2026-12-04', [], T0 + 5, 'month');
    const week = withCursor(WEEK.from, WEEK.to, [], T0 - 5, 'week');
    const asked = { from: '2025-12-06', to: '2026-12-05', tz: TZ };
    // Yesterday's year has 364 of the 365 days: more than the newer month's 30.
    expect(sinceCandidate([week, month, year], asked, T0 + 10)?.summary.cursor).toBe('year');
    // The exact range wins over a bigger overlap.
    expect(sinceCandidate([year, week], WEEK, T0 + 10)?.summary.cursor).toBe('week');
    // The month for a week within it (7 days in common each: the newer).
    const month2 = withCursor('2026-11-06', '2026-12-05', [], T0 + 6, 'month2');
    expect(sinceCandidate([month, month2], WEEK, T0 + 10)?.summary.cursor).toBe('month2');
    // No day in common, another zone, no cursor, or other browsers than the newest's: none.
    expect(
      sinceCandidate([year], { ...asked, from: '2027-01-01', to: '2027-01-31' }, T0),
    ).toBeNull();
    expect(sinceCandidate([year], { ...asked, tz: 'UTC' }, T0 + 10)).toBeNull();
    expect(
      sinceCandidate(
        [{ ...year, summary: summary(year.summary.from, year.summary.to, []) }],
        asked,
        T0,
      ),
    ).toBeNull();
    const alone = {
      fetchedAt: T0 + 20,
      rowCount: 0,
      summary: {
        ...summary('2026-12-05', '2026-12-05', []),
        devices: [linkedDevice(ME, true)],
        cursor: 'alone',
      },
    };
    expect(sinceCandidate([year, alone], asked, T0 + 30)?.summary.cursor).toBe('alone');
  });

  it('drops the days outside the new range, replaces the listed ones and adds the new', () => {
    const cached = summary('2026-11-29', '2026-12-04', [
      row('2026-11-29', 1),
      row('2026-11-30', 2),
      row('2026-12-03', 3),
      row('2026-12-04', 4),
    ]);
    const answer: Summary = {
      ...summary('2026-11-30', '2026-12-05', [row('2026-12-03', 30), row('2026-12-05', 5)]),
      cursor: 'next',
      complete: false,
      changed: [
        { date: '2026-12-03', deviceId: OTHER },
        { date: '2026-12-05', deviceId: ME },
        { date: '2026-12-05', deviceId: OTHER },
      ],
    };
    const merged = mergeSummary(cached, answer);
    expect(merged).toMatchObject({
      from: '2026-11-30',
      to: '2026-12-05',
      cursor: 'next',
      complete: true,
    });
    expect(merged?.changed).toBeUndefined();
    expect(merged?.rows).toEqual([
      row('2026-11-30', 2),
      row('2026-12-03', 30),
      row('2026-12-04', 4),
      row('2026-12-05', 5),
    ]);
    // A widened range: the cached days stay, the new ones come.
    const wide: Summary = {
      ...summary('2026-11-27', '2026-12-04', [row('2026-11-28', 8)]),
      complete: false,
      changed: ['2026-11-27', '2026-11-28'].flatMap((date) => [
        { date, deviceId: ME },
        { date, deviceId: OTHER },
      ]),
    };
    expect(mergeSummary(cached, wide)?.rows.map((r) => r.date)).toEqual([
      '2026-11-28',
      '2026-11-29',
      '2026-11-30',
      '2026-12-03',
      '2026-12-04',
    ]);
    // No day in common, or other browsers: not merged.
    const apart = { ...answer, from: '2027-01-01', to: '2027-01-06' };
    expect(mergeSummary(cached, apart)).toBeNull();
    expect(mergeSummary({ ...cached, devices: [linkedDevice(ME, true)] }, answer)).toBeNull();
  });
});

describe('past ranges through the background', () => {
  let db: TracksphereDb;
  const createLinkHandlers = (rt: Omit<LinkRuntime, 'db'>) => createHandlers({ ...rt, db });

  afterEach(async () => {
    await db.delete();
  });

  beforeEach(async () => {
    fakeBrowser.reset();
    db = freshTestDb();
    await syncConfigItem.setValue({
      enabled: true,
      serverUrl: 'https://tracksphere.example.org',
      deviceId: ME,
      token: `${ME}.token`,
    });
  });

  it('shows a past range at once, keeps it offline, and refreshes it from the server', async () => {
    const october = { from: '2026-10-01', to: '2026-10-31', tz: TZ };
    let answer: Summary | null = summary(october.from, october.to, [row('2026-10-02', 60_000)]);
    let now = T0;
    const handlers = createLinkHandlers({
      fetch: async () =>
        answer === null ? Promise.reject(new TypeError('Failed to fetch')) : Response.json(answer),
      now: () => now,
    });
    await handlers.getAllBrowsersSummary({ ...october, refresh: true });
    // Today's summary is the newest; October's stays cached.
    answer = summary('2026-12-05', '2026-12-05', [row('2026-12-05', 1)]);
    now = T0 + 1;
    await handlers.getAllBrowsersSummary({
      from: '2026-12-05',
      to: '2026-12-05',
      tz: TZ,
      refresh: true,
    });
    expect((await lastCachedSummary(db))?.summary.from).toBe('2026-12-05');
    expect(await db.summaryRanges.count()).toBe(2);

    answer = null;
    now = T0 + 3_600_000;
    const atOnce = await handlers.getAllBrowsersSummary({ ...october, refresh: false });
    expect(atOnce).toMatchObject({ error: null, cached: { fetchedAt: T0 } });
    expect(atOnce.cached?.summary.rows).toEqual([row('2026-10-02', 60_000)]);
    const offline = await handlers.getAllBrowsersSummary({ ...october, refresh: true });
    expect(offline).toMatchObject({ error: 'network', cached: { fetchedAt: T0 } });

    // A late sync added to October: the refresh shows and keeps it.
    answer = summary(october.from, october.to, [row('2026-10-02', 90_000)]);
    const refreshed = await handlers.getAllBrowsersSummary({ ...october, refresh: true });
    expect(refreshed.cached).toMatchObject({ fetchedAt: now });
    const kept = await handlers.getAllBrowsersSummary({ ...october, refresh: false });
    expect(kept.cached?.summary.rows).toEqual([row('2026-10-02', 90_000)]);

    await forgetAllBrowsersSummaries(db);
    expect(await db.summaryRanges.count()).toBe(0);
    expect(await db.summaryDays.count()).toBe(0);
    expect(
      (await handlers.getAllBrowsersSummary({ ...october, refresh: false })).cached,
    ).toBeNull();
  });

  it("asks for a new day's range with the day before's cursor and keeps the merge under it", async () => {
    const before = { from: '2026-11-29', to: '2026-12-04', tz: TZ };
    const asked = { from: '2026-11-30', to: '2026-12-05', tz: TZ };
    await cacheSummary(db, {
      fetchedAt: T0,
      summary: {
        ...summary(before.from, before.to, [row('2026-11-29', 1), row('2026-12-01', 2)]),
        cursor: 'before',
      },
    });
    const urls: string[] = [];
    const handlers = createLinkHandlers({
      fetch: async (input) => {
        urls.push(String(input));
        return Response.json({
          ...summary(asked.from, asked.to, [row('2026-12-05', 5)]),
          cursor: 'after',
          complete: false,
          changed: [
            { date: '2026-12-05', deviceId: ME },
            { date: '2026-12-05', deviceId: OTHER },
          ],
        });
      },
      now: () => T0 + 86_400_000,
    });
    const got = await handlers.getAllBrowsersSummary({ ...asked, refresh: true });
    expect(new URL(urls[0] ?? '').searchParams.get('since')).toBe('before');
    expect(urls).toHaveLength(1);
    expect(got.cached?.summary).toMatchObject({ ...asked, cursor: 'after', complete: true });
    expect(got.cached?.summary.rows).toEqual([row('2026-12-01', 2), row('2026-12-05', 5)]);
    // Kept under the new range: shown at once, without the network.
    const atOnce = await handlers.getAllBrowsersSummary({ ...asked, refresh: false });
    expect(atOnce.cached?.summary.rows).toEqual(got.cached?.summary.rows);
  });
  it('keeps a cached month after a week read from it with its cursor', async () => {
    const month = { from: '2026-11-06', to: '2026-12-05', tz: TZ };
    await cacheSummary(db, {
      fetchedAt: T0,
      summary: {
        ...summary(month.from, month.to, [row('2026-11-10', 5), row('2026-12-01', 7)]),
        cursor: 'month',
      },
    });
    const urls: string[] = [];
    const handlers = createLinkHandlers({
      fetch: async (input) => {
        urls.push(String(input));
        return Response.json({
          ...summary(WEEK.from, WEEK.to, []),
          cursor: 'week',
          complete: false,
          changed: [],
        });
      },
      now: () => T0 + 60_000,
    });
    const week = await handlers.getAllBrowsersSummary({ ...WEEK, refresh: true });
    expect(new URL(urls[0] ?? '').searchParams.get('since')).toBe('month');
    expect(week.cached?.summary.rows).toEqual([row('2026-12-01', 7)]);
    // The month is still there for its own view: shown at once, and asked for with its cursor.
    const again = await handlers.getAllBrowsersSummary({ ...month, refresh: false });
    expect(again.cached).toMatchObject({ fetchedAt: T0, summary: { cursor: 'month' } });
    expect(again.cached?.summary.rows).toHaveLength(2);
  });
});
