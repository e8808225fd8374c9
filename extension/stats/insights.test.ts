import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TracksphereDb } from '../db/index.js';
import { barUnit, chartBars, customRange, passesRetention, presetRange } from './date-range.js';
import { insightDb, MIN, NOW, TODAY, utcSources } from './insight-test-kit.js';
import { browserSources, loadHeatmap, loadSitePages, loadTimeline } from './insights.js';
import { loadRangeHistory } from './range-history.js';
import { searchPages } from './site-pages.js';
import { heatmap } from './when-stats.js';

let db: TracksphereDb;
afterEach(async () => {
  await db?.delete();
});

const cell = (cells: { weekday: number; hour: number; activeMs: number }[], w: number, h: number) =>
  cells.find((c) => c.weekday === w && c.hour === h)?.activeMs;

describe('ranges', () => {
  it('names presets by their days and checks a custom range', () => {
    expect(presetRange('today', TODAY)).toEqual({ from: TODAY, to: TODAY });
    expect(presetRange('7d', TODAY)).toEqual({ from: '2024-12-30', to: TODAY });
    expect(presetRange('365d', TODAY)).toEqual({ from: '2024-01-07', to: TODAY });
    expect(customRange('2024-12-31', '2025-01-02', TODAY)).toEqual({
      from: '2024-12-31',
      to: '2025-01-02',
    });
    expect(customRange('', '2025-01-02', TODAY)).toEqual({ problem: 'missing' });
    expect(customRange('2025-01-03', '2025-01-02', TODAY)).toEqual({ problem: 'reversed' });
    expect(customRange('2025-01-01', '2025-01-06', TODAY)).toEqual({ problem: 'future' });
    expect(passesRetention({ from: '2024-10-08', to: TODAY }, TODAY, 90)).toBe(false);
    expect(passesRetention({ from: '2024-10-07', to: TODAY }, TODAY, 90)).toBe(true);
  });

  it('totals a range across a month end and a year end from the rollups, open visits included', async () => {
    db = await insightDb();
    const src = utcSources(db);
    const monthEnd = await loadRangeHistory(db, { from: '2024-11-30', to: '2024-12-01' });
    expect([monthEnd.totalActiveMs, monthEnd.totalVisits]).toEqual([30 * MIN, 2]);
    expect(monthEnd.days.map((d) => [d.day, d.activeMs])).toEqual([
      ['2024-11-30', 20 * MIN],
      ['2024-12-01', 10 * MIN],
    ]);
    const yearEnd = await loadRangeHistory(
      db,
      { from: '2024-12-31', to: TODAY },
      await src.open(),
      src.dayOf,
      src.sitesOf,
    );
    // 15 + 6 (31 Dec) + 60 (4 Jan) + 4 + 9 + 3 (5 Jan) + 25 open.
    expect([yearEnd.totalActiveMs, yearEnd.totalVisits]).toEqual([122 * MIN, 7]);
    expect(yearEnd.days.map((d) => d.activeMs)).toEqual([21 * MIN, 0, 0, 0, 60 * MIN, 41 * MIN]);
    expect(yearEnd.sites.map((s) => [s.domain, s.activeMs, s.visits])).toEqual([
      ['mail.example', 85 * MIN, 4],
      ['news.example', 25 * MIN, 1],
      ['codeharbor.io', 12 * MIN, 2],
    ]);
  });

  it('draws a year as calendar months and a quarter as weeks ending today', async () => {
    db = await insightDb();
    const year = await loadRangeHistory(db, presetRange('365d', TODAY));
    expect(year.days).toHaveLength(365);
    expect(barUnit(365)).toBe('month');
    const months = chartBars(year.days, 'month');
    expect(months).toHaveLength(13);
    expect(months[0]).toMatchObject({ from: '2024-01-07', to: '2024-01-31', activeMs: 0 });
    expect(months.at(-3)).toMatchObject({
      from: '2024-11-01',
      to: '2024-11-30',
      activeMs: 20 * MIN,
    });
    expect(months.at(-2)).toMatchObject({
      from: '2024-12-01',
      to: '2024-12-31',
      activeMs: 31 * MIN,
    });
    expect(months.at(-1)).toMatchObject({ from: '2025-01-01', to: TODAY, activeMs: 76 * MIN });
    expect(barUnit(90)).toBe('week');
    const weeks = chartBars((await loadRangeHistory(db, presetRange('90d', TODAY))).days, 'week');
    expect(weeks).toHaveLength(13);
    // 90 days are 12 weeks and 6 days: the first bar is the short one.
    expect(weeks[0]).toMatchObject({ from: '2024-10-08', to: '2024-10-13' });
    expect(weeks.at(-1)).toMatchObject({ from: '2024-12-30', to: TODAY, activeMs: 97 * MIN });
    expect(barUnit(31)).toBe('day');
  });
});

describe("a site's pages", () => {
  it('lists pages by time as each privacy level kept them, across a level change', async () => {
    db = await insightDb();
    const src = utcSources(db);
    const pages = await loadSitePages(src, { from: '2024-12-31', to: TODAY }, ['mail.example']);
    expect(pages.pages).toEqual([
      { host: 'mail.example', path: '/inbox', title: null, activeMs: 66 * MIN, visits: 2 },
      {
        host: 'mail.example',
        path: '/inbox?folder=work',
        title: 'Inbox (3)',
        activeMs: 15 * MIN,
        visits: 1,
      },
    ]);
    expect(pages.withoutAddress).toEqual({ activeMs: 4 * MIN, visits: 1 });
    expect(searchPages(pages.pages, 'FOLDER').map((p) => p.path)).toEqual(['/inbox?folder=work']);
    expect(searchPages(pages.pages, 'inbox (3').map((p) => p.path)).toEqual(['/inbox?folder=work']);
    // Only the range's visits: 5 January holds the midnight visit's second half, not its start.
    const today = await loadSitePages(src, { from: TODAY, to: TODAY }, ['mail.example']);
    expect(today.pages).toEqual([]);
    expect(today.withoutAddress.visits).toBe(1);
  });

  it("reads a site's hosts together", async () => {
    db = await insightDb();
    const pages = await loadSitePages(utcSources(db), { from: TODAY, to: TODAY }, [
      'www.codeharbor.io',
      'blog.codeharbor.io',
    ]);
    expect(pages.pages.map((p) => [p.host, p.path, p.title, p.activeMs, p.visits])).toEqual([
      ['www.codeharbor.io', '/', null, 9 * MIN, 1],
      ['blog.codeharbor.io', '/post', 'A post', 3 * MIN, 1],
    ]);
  });
});

describe('when', () => {
  it("spreads a visit's active time over the hours it spans, across midnight", async () => {
    db = await insightDb();
    const cells = await loadHeatmap(utcSources(db), { from: '2025-01-04', to: TODAY });
    expect(cells).toHaveLength(168);
    expect(cell(cells, 6, 23)).toBe(20 * MIN);
    expect(cell(cells, 0, 0)).toBe(40 * MIN);
    expect(cell(cells, 0, 8)).toBe(4 * MIN);
    // The open visit, 11:30 to now (12:00): all of it at 11.
    expect(cell(cells, 0, 11)).toBe(25 * MIN);
    expect(cells.reduce((s, c) => s + c.activeMs, 0)).toBe(101 * MIN);
    expect(cells.filter((c) => c.activeMs > 0)).toHaveLength(6);
  });

  it('spreads in the local zone, and keeps a visit with no length in its hour', () => {
    const cells = heatmap(
      [
        // 9:30 to 11:00 at UTC+2 (7:30 to 9:00 UTC), 45 min active: 15 min at 9, 30 min at 10.
        {
          domain: 'a',
          startMs: Date.UTC(2025, 0, 6, 7, 30),
          endMs: Date.UTC(2025, 0, 6, 9),
          activeMs: 45 * MIN,
        },
        {
          domain: 'a',
          startMs: Date.UTC(2025, 0, 6, 12),
          endMs: Date.UTC(2025, 0, 6, 12),
          activeMs: 0,
        },
      ],
      () => -120,
    );
    expect(cell(cells, 1, 9)).toBe(15 * MIN);
    expect(cell(cells, 1, 10)).toBe(30 * MIN);
    expect(cells.reduce((s, c) => s + c.activeMs, 0)).toBe(45 * MIN);
  });

  it("shows today's visits on a 24-hour axis, the one from yesterday cut at midnight", async () => {
    db = await insightDb();
    const blocks = await loadTimeline(utcSources(db));
    expect(
      blocks.map((b) => [
        b.domain,
        new Date(b.startMs).toISOString(),
        new Date(b.endMs).toISOString(),
      ]),
    ).toEqual([
      ['mail.example', '2025-01-04T23:30:00.000Z', '2025-01-05T01:00:00.000Z'],
      ['mail.example', '2025-01-05T08:00:00.000Z', '2025-01-05T08:05:00.000Z'],
      ['codeharbor.io', '2025-01-05T09:00:00.000Z', '2025-01-05T09:10:00.000Z'],
      ['codeharbor.io', '2025-01-05T10:00:00.000Z', '2025-01-05T10:03:00.000Z'],
      ['news.example', '2025-01-05T11:30:00.000Z', new Date(NOW).toISOString()],
    ]);
    expect([blocks[0]?.left, blocks[0]?.right]).toEqual([0, 1 / 24]);
    expect([blocks[4]?.left, blocks[4]?.right]).toEqual([11.5 / 24, 0.5]);
  });
});

describe("the browser's sources", () => {
  it('name the zone the browser is in at each read, not at the page load', () => {
    const src = browserSources({} as TracksphereDb, async () => []);
    const zoneNow = (zone: string) =>
      vi.spyOn(Intl.DateTimeFormat.prototype, 'resolvedOptions').mockReturnValue({
        ...new Intl.DateTimeFormat('en').resolvedOptions(),
        timeZone: zone,
      });
    try {
      zoneNow('Europe/Berlin');
      expect(src.zone).toBe('Europe/Berlin');
      zoneNow('America/New_York');
      expect(src.zone).toBe('America/New_York');
    } finally {
      vi.restoreAllMocks();
    }
  });
});
