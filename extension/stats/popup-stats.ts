/**
 * What the popup shows, from the daily rollups only: today's total and top
 * sites, and the last seven days. Today's figures come from today's rows
 * alone, so they need not wait for the trend: a heavy year has hundreds of
 * rollups a day, and reading the week's (about a thousand) took as long as
 * opening the database.
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

/** Today's figures: what the popup shows first. */
export interface PopupToday {
  today: string;
  todayActiveMs: number;
  topSites: SiteBar[];
  /** Today's total as the trend's last day. */
  todayTotal: DayTotal;
}

export interface PopupStats extends PopupToday {
  /** The last POPUP_TREND_DAYS days, oldest first, today last. */
  week: DayTotal[];
}

/** Today's total and top sites: one read of today's rollups. */
export async function loadPopupToday(db: TracksphereDb, today: string): Promise<PopupToday> {
  const rows = await rollupsInRange(db, { from: today, to: today });
  const [todayTotal = { day: today, activeMs: 0, visits: 0 }] = dayTotals(rows, {
    lastDay: today,
    days: 1,
  });
  return {
    today,
    todayActiveMs: todayTotal.activeMs,
    topSites: withShares(siteTotals(rows, POPUP_TOP_SITES)),
    todayTotal,
  };
}

/** The trend: the days before today read here, today's total taken from `today`. */
export async function loadPopupWeek(db: TracksphereDb, today: PopupToday): Promise<DayTotal[]> {
  const yesterday = addDays(today.today, -1);
  const rows = await rollupsInRange(db, { from: trendStart(today.today), to: yesterday });
  return [...dayTotals(rows, { lastDay: yesterday, days: POPUP_TREND_DAYS - 1 }), today.todayTotal];
}

/** Today's figures and the trend together, as the popup ends up showing them (the tests' view). */
export async function loadPopupStats(db: TracksphereDb, today: string): Promise<PopupStats> {
  const first = await loadPopupToday(db, today);
  return { ...first, week: await loadPopupWeek(db, first) };
}

/** The first day the trend covers, for its label. */
export function trendStart(today: string): string {
  return addDays(today, -(POPUP_TREND_DAYS - 1));
}
