/**
 * What the popup shows, in one read of the daily rollups: today's total, the
 * top sites of today and the last seven days. Rollups only, so the first
 * render stays fast with a year of history.
 */
import {
  addDays,
  type DayTotal,
  dayTotals,
  rollupsInRange,
  siteTotals,
  type TracksphereDb,
} from '../db/index.js';
import { type SiteBar, withShares } from './site-shares.js';

export const POPUP_TOP_SITES = 5;
export const POPUP_TREND_DAYS = 7;

export interface PopupStats {
  today: string;
  todayActiveMs: number;
  topSites: SiteBar[];
  week: DayTotal[];
}

export async function loadPopupStats(db: TracksphereDb, today: string): Promise<PopupStats> {
  // One read of the week's rollups serves both: today's rows are among them.
  const rows = await rollupsInRange(db, { from: trendStart(today), to: today });
  const sites = siteTotals(
    rows.filter((r) => r.day === today),
    POPUP_TOP_SITES,
  );
  const week = dayTotals(rows, { lastDay: today, days: POPUP_TREND_DAYS });
  // The last day of the trend is today: its total is today's total, no second query.
  const todayActiveMs = week.at(-1)?.activeMs ?? 0;
  return { today, todayActiveMs, topSites: withShares(sites), week };
}

/** The first day the trend covers, for its label. */
export function trendStart(today: string): string {
  return addDays(today, -(POPUP_TREND_DAYS - 1));
}
