import { afterEach, describe, expect, it } from 'vitest';
import { makeDayOf } from '../db/day.js';
import type { TracksphereDb } from '../db/index.js';
import { formatDayLabel, formatDuration } from './format-duration.js';
import { filterAndSortSites, loadHistory } from './history-stats.js';
import { loadPopupStats, loadPopupToday, loadPopupWeek, trendStart } from './popup-stats.js';
import { seededDb, TODAY } from './stats-test-kit.js';

const utcDayOf = makeDayOf(() => 0);
/** A mail tab left open (20 s) and the page the person is on (71 s), neither recorded yet. */
const OPEN_VISITS = [
  { domain: 'mail.example', startedAt: Date.UTC(2025, 2, 10, 15), activeMs: 20_000 },
  { domain: 'page.example', startedAt: Date.UTC(2025, 2, 10, 15, 1), activeMs: 71_000 },
  // Started yesterday: it counts for yesterday, as its rollup will.
  { domain: 'night.example', startedAt: Date.UTC(2025, 2, 9, 23), activeMs: 5_000 },
];

const MIN = 60_000;
let db: TracksphereDb;
afterEach(async () => {
  await db?.delete();
});

/** The seeded database's trend: [day, active ms] for the seven days ending today. */
const SEEDED_WEEK = [
  ['2025-03-04', 90 * MIN],
  ['2025-03-05', 0],
  ['2025-03-06', 0],
  ['2025-03-07', 0],
  ['2025-03-08', 60 * MIN],
  ['2025-03-09', 0],
  ['2025-03-10', 70 * MIN],
];

describe('popup stats', () => {
  it("shows today's total, today's top sites with bars relative to the first, and 7 days", async () => {
    db = await seededDb();
    const stats = await loadPopupStats(db, TODAY);
    expect(stats.todayActiveMs).toBe(70 * MIN);
    expect(stats.topSites).toMatchObject([
      { domain: 'docs.example', activeMs: 40 * MIN, visits: 1, share: 1 },
      { domain: 'news.example', activeMs: 25 * MIN, visits: 3, share: 25 / 40 },
      { domain: 'mail.example', activeMs: 5 * MIN, visits: 2, share: 5 / 40 },
    ]);
    expect(stats.week.map((d) => [d.day, d.activeMs])).toEqual(SEEDED_WEEK);
    expect(trendStart(TODAY)).toBe('2025-03-04');
  });

  it("reads today's figures from today's rollups alone, and the trend from the days before", async () => {
    db = await seededDb();
    const first = await loadPopupToday(db, TODAY);
    expect(first.todayActiveMs).toBe(70 * MIN);
    expect(first.todayTotal).toEqual({ day: TODAY, activeMs: 70 * MIN, visits: 6 });
    expect(first.topSites.map((s) => s.domain)).toEqual([
      'docs.example',
      'news.example',
      'mail.example',
    ]);
    // The trend's last day is the figure already shown, even if a visit was recorded since.
    await db.dailyRollups.put({ day: TODAY, domain: 'late.example', activeMs: MIN, visits: 1 });
    const week = await loadPopupWeek(db, first);
    expect(week.map((d) => [d.day, d.activeMs])).toEqual(SEEDED_WEEK);
    expect(week[0]).toEqual({ day: '2025-03-04', activeMs: 90 * MIN, visits: 1 });
  });

  it('counts the visits still open: their active time so far, one visit each', async () => {
    db = (await import('../db/db-test-kit.js')).freshTestDb();
    const empty = await loadPopupToday(db, TODAY, OPEN_VISITS, utcDayOf);
    expect(empty.todayActiveMs).toBe(91_000);
    expect(empty.topSites.map((s) => [s.domain, s.activeMs, s.visits])).toEqual([
      ['page.example', 71_000, 1],
      ['mail.example', 20_000, 1],
    ]);
    expect(empty.todayTotal).toEqual({ day: TODAY, activeMs: 91_000, visits: 2 });

    db = await seededDb();
    const seeded = await loadPopupToday(db, TODAY, OPEN_VISITS, utcDayOf);
    expect(seeded.todayActiveMs).toBe(70 * MIN + 91_000);
    expect(seeded.topSites.find((s) => s.domain === 'mail.example')).toMatchObject({
      activeMs: 5 * MIN + 20_000,
      visits: 3,
    });
  });

  it('is all zeros on an empty database', async () => {
    db = (await import('../db/db-test-kit.js')).freshTestDb();
    const stats = await loadPopupStats(db, TODAY);
    expect(stats.todayActiveMs).toBe(0);
    expect(stats.topSites).toEqual([]);
    expect(stats.week).toHaveLength(7);
  });
});

describe('history stats', () => {
  it('covers exactly 30 days, every site in them, and the totals', async () => {
    db = await seededDb();
    const history = await loadHistory(db, TODAY);
    expect(history.from).toBe('2025-02-09');
    expect(history.days).toHaveLength(30);
    expect(history.totalActiveMs).toBe((70 + 60 + 90 + 30) * MIN);
    expect(history.totalVisits).toBe(9);
    expect(history.sites.map((s) => [s.domain, s.activeMs, s.visits])).toEqual([
      ['video.example', 120 * MIN, 2],
      ['docs.example', 100 * MIN, 2],
      ['news.example', 25 * MIN, 3],
      ['mail.example', 5 * MIN, 2],
    ]);
  });

  it('counts the visits still open on the days they started', async () => {
    db = await seededDb();
    const history = await loadHistory(db, TODAY, 30, OPEN_VISITS, utcDayOf);
    expect(history.totalActiveMs).toBe((70 + 60 + 90 + 30) * MIN + 96_000);
    expect(history.days.at(-1)?.activeMs).toBe(70 * MIN + 91_000);
    expect(history.days.at(-2)?.activeMs).toBe(5_000);
    expect(history.sites.map((s) => s.domain)).toContain('night.example');
  });

  it('groups hosts by site, with each host as detail, and finds a site by any of its hosts', async () => {
    db = (await import('../db/db-test-kit.js')).freshTestDb();
    const open = [
      { domain: 'www.codeharbor.io', startedAt: Date.UTC(2025, 2, 10, 9), activeMs: 3 * MIN },
      { domain: 'blog.codeharbor.io', startedAt: Date.UTC(2025, 2, 10, 10), activeMs: 2 * MIN },
      { domain: 'news.example', startedAt: Date.UTC(2025, 2, 10, 11), activeMs: 4 * MIN },
    ];
    const siteOf = (host: string): string =>
      host.endsWith('codeharbor.io') ? 'codeharbor.io' : host;
    const history = await loadHistory(db, TODAY, 30, open, utcDayOf, async () => siteOf);
    expect(history.sites.map((s) => [s.domain, s.activeMs, s.visits])).toEqual([
      ['codeharbor.io', 5 * MIN, 2],
      ['news.example', 4 * MIN, 1],
    ]);
    expect(history.sites[0]?.hosts.map((h) => [h.domain, h.activeMs])).toEqual([
      ['www.codeharbor.io', 3 * MIN],
      ['blog.codeharbor.io', 2 * MIN],
    ]);
    expect(filterAndSortSites(history.sites, 'blog', 'time').map((s) => s.domain)).toEqual([
      'codeharbor.io',
    ]);
    const today = await loadPopupToday(db, TODAY, open, utcDayOf);
    expect(today.topSites.map((s) => s.domain)).toContain('www.codeharbor.io');
  });

  it('searches by domain and sorts by time or visits with stable ties', async () => {
    db = await seededDb();
    const { sites } = await loadHistory(db, TODAY);
    expect(filterAndSortSites(sites, 'visits', 'time')).toEqual([]);
    expect(filterAndSortSites(sites, ' NEWS ', 'time').map((s) => s.domain)).toEqual([
      'news.example',
    ]);
    expect(filterAndSortSites(sites, '', 'visits').map((s) => s.domain)).toEqual([
      'news.example',
      'video.example',
      'docs.example',
      'mail.example',
    ]);
  });
});

describe('formatting', () => {
  it('shows the two largest units, in English through Intl (format-duration.test.ts: other languages)', () => {
    expect(formatDuration(0, 'en')).toBe('0 sec');
    expect(formatDuration(45_400, 'en')).toBe('45 sec');
    expect(formatDuration(12 * MIN + 59_000, 'en')).toBe('12 min');
    expect(formatDuration(125 * MIN, 'en')).toBe('2 hr, 5 min');
    expect(formatDuration(-5, 'en')).toBe('0 sec');
  });

  it('labels a day by weekday and date whatever the zone', () => {
    expect(formatDayLabel('2025-03-10', 'en-US')).toBe('Mon 10');
  });
});
