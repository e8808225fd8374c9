/** Today's figures in the popup's and overview's scope: this browser's, or every linked one's. */
import { describe, expect, it } from 'vitest';
import { EMPTY_CATEGORY_SETTINGS } from '../settings/category-items.js';
import { allBrowsersReply } from '../sync/sync-test-kit.js';
import { scopedToday } from './scoped-today.js';

const ME = '0190a6f2-0000-7000-8000-00000000000a';
const OTHER = '0190a6f2-0000-7000-8000-00000000000b';
const T0 = Date.UTC(2026, 11, 5, 12);
const DAY = '2026-12-05';
const reply = allBrowsersReply(ME, OTHER, DAY, T0, [
  { date: DAY, domain: 'github.com', deviceId: ME, activeMs: 1000, visits: 1 },
  { date: DAY, domain: 'www.youtube.com', deviceId: OTHER, activeMs: 5000, visits: 2 },
]);
/** This browser's own rollup of the day (already in the summary as its github.com row). */
const recorded = [{ day: DAY, domain: 'github.com', activeMs: 1000, visits: 1 }];
const open = [{ domain: 'github.com', startedAt: T0, activeMs: 300 }];
const sites = { 'github.com': 'github.com', 'www.youtube.com': 'youtube.com' };

describe('scopedToday', () => {
  it("under 'this' counts this browser's rows and open visits only", () => {
    const shown = scopedToday(
      DAY,
      recorded,
      open,
      { scope: 'this', reply, unacknowledged: [], sites: {} },
      sites,
      EMPTY_CATEGORY_SETTINGS,
    );
    expect(shown.allDay).toBeNull();
    expect(shown.today.todayActiveMs).toBe(1300);
    expect(shown.categories).toEqual([{ category: 'development', activeMs: 1300, visits: 2 }]);
  });

  it("under 'all' totals the summary, the unacknowledged rows and the open visits, by site and category", () => {
    const unacknowledged = [{ day: DAY, domain: 'github.com', activeMs: 200, visits: 1 }];
    const shown = scopedToday(
      DAY,
      recorded,
      open,
      { scope: 'all', reply, unacknowledged, sites: {} },
      sites,
      EMPTY_CATEGORY_SETTINGS,
    );
    expect(shown.allDay?.asOf).toBe(T0);
    expect(shown.today.todayActiveMs).toBe(1000 + 5000 + 200 + 300);
    expect(shown.today.topSites.map((s) => [s.domain, s.activeMs])).toEqual([
      ['youtube.com', 5000],
      ['github.com', 1500],
    ]);
    expect(shown.categories?.map((c) => [c.category, c.activeMs])).toEqual([
      ['video', 5000],
      ['development', 1500],
    ]);
  });

  it("under 'all' without a summary yet shows this browser's figures, and no categories before they are read", () => {
    const shown = scopedToday(
      DAY,
      recorded,
      open,
      { scope: 'all', reply: null, unacknowledged: [], sites: {} },
      sites,
      null,
    );
    expect(shown.allDay).toBeNull();
    expect(shown.today.todayActiveMs).toBe(1300);
    expect(shown.categories).toBeNull();
  });
});
