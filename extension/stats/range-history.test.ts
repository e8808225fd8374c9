import { describe, expect, it } from 'vitest';
import { type HistoryStats, withLiveDay } from './range-history.js';

const history: HistoryStats = {
  from: '2026-12-04',
  to: '2026-12-06',
  totalActiveMs: 60_000,
  totalVisits: 4,
  days: [
    { day: '2026-12-04', activeMs: 40_000, visits: 2 },
    { day: '2026-12-05', activeMs: 9_000, visits: 1 },
    { day: '2026-12-06', activeMs: 11_000, visits: 1 },
  ],
  sites: [],
};

describe('withLiveDay', () => {
  it('counts today as the live figure beside the range does: never less for the range than for today', () => {
    const live = withLiveDay(history, '2026-12-06', 16_000);
    expect(live.totalActiveMs).toBe(65_000);
    expect(live.days.at(-1)).toEqual({ day: '2026-12-06', activeMs: 16_000, visits: 1 });
    expect(live.days.slice(0, 2)).toEqual(history.days.slice(0, 2));
    expect(live.totalVisits).toBe(4);
    // The range read with the page is left as it was.
    expect(history.totalActiveMs).toBe(60_000);
  });

  it('leaves a range that ends on another day (midnight passed since it was read)', () => {
    expect(withLiveDay(history, '2026-12-07', 5_000)).toBe(history);
  });
});
