/**
 * The options page's history for any range of days, from the rollups (kept
 * forever: the months wholly inside it from the month rollups, db/range-rollups.ts), with the
 * open visits of the days in it.
 */
import {
  type DayOf,
  type DayRange,
  type DayTotal,
  dayTotals,
  type TracksphereDb,
} from '../db/index.js';
import { rangeRollups } from '../db/range-rollups.js';
import type { OpenVisitFigure } from '../messaging/protocol.js';
import { dayCount } from './date-range.js';
import { withOpenVisits } from './open-visits.js';
import { type SiteBar, type SiteOf, siteBars } from './site-shares.js';

/** A range's figures: its totals, a total per day (oldest first), every site by active time. */
export interface HistoryStats {
  from: string;
  to: string;
  totalActiveMs: number;
  totalVisits: number;
  days: DayTotal[];
  sites: SiteBar[];
}

/** The range's totals, one total per day (oldest first) and every site by active time. */
export async function loadRangeHistory(
  db: TracksphereDb,
  range: DayRange,
  /** The open visits (the background's answer, asked for meanwhile). */
  open: readonly OpenVisitFigure[] | Promise<readonly OpenVisitFigure[]> = [],
  dayOf?: DayOf,
  sitesOf?: (hosts: string[]) => Promise<SiteOf>,
  /** How the recorded figures are read (the first view's does not wait for a window's move). */
  read: typeof rangeRollups = rangeRollups,
): Promise<HistoryStats> {
  const [recorded, opened] = await Promise.all([read(db, range), open]);
  const current = withOpenVisits([], opened, range, dayOf);
  const rows = [...recorded.hosts, ...current];
  const siteOf = await sitesOf?.([...new Set(rows.map((row) => row.domain))]);
  return rangeStats(range, [...recorded.days, ...current], rows, siteOf);
}

/** A range's figures: each day's totals from `dayRows`, the site bars from `siteRows`. */
export function rangeStats(
  range: DayRange,
  dayRows: Parameters<typeof dayTotals>[0],
  siteRows: Parameters<typeof siteBars>[0],
  siteOf: SiteOf | undefined,
): HistoryStats {
  const days = dayTotals(dayRows, { lastDay: range.to, days: dayCount(range) });
  return {
    from: range.from,
    to: range.to,
    totalActiveMs: days.reduce((sum, d) => sum + d.activeMs, 0),
    totalVisits: days.reduce((sum, d) => sum + d.visits, 0),
    days,
    sites: siteBars(siteRows, siteOf),
  };
}

/**
 * `history` with its last day's active time at `liveMs`, today's total as the page keeps counting
 * it (the open visits included): a range read once with the page would otherwise fall behind the
 * today figure beside it, down to less for 30 days than for today. Unchanged when its days do not
 * end on `day` (midnight has passed since it was read).
 */
export function withLiveDay(history: HistoryStats, day: string, liveMs: number): HistoryStats {
  const last = history.days.at(-1);
  if (last === undefined || last.day !== day || last.activeMs === liveMs) return history;
  return {
    ...history,
    totalActiveMs: history.totalActiveMs - last.activeMs + liveMs,
    days: [...history.days.slice(0, -1), { ...last, activeMs: liveMs }],
  };
}
