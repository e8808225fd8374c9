/**
 * What the popup shows, from the daily rollups only: today's total and top
 * sites, and the last seven days. Today's figures come from today's rows
 * alone, so they need not wait for the trend: a heavy year has hundreds of
 * rollups a day, and reading the week's (about a thousand) took as long as
 * opening the database.
 */
import {
  addDays,
  type DailyRollup,
  type DayOf,
  type DayTotal,
  dayTotals,
  rollupsInRange,
  type TracksphereDb,
} from '../db/index.js';
import type { OpenVisitFigure } from '../messaging/protocol.js';
import { withOpenVisits } from './open-visits.js';
import { type SiteBar, type SiteOf, siteBars } from './site-shares.js';

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

/** Today's recorded rollups: what the popup reads again each time it refreshes. */
export function todayRollups(db: TracksphereDb, today: string): Promise<DailyRollup[]> {
  return rollupsInRange(db, { from: today, to: today });
}

/** Today's figures from today's recorded rollups and the visits still open. */
export function popupToday(
  today: string,
  recorded: readonly DailyRollup[],
  open: readonly OpenVisitFigure[] = [],
  dayOf?: DayOf,
  siteOf?: SiteOf,
): PopupToday {
  const rows = withOpenVisits(recorded, open, { from: today, to: today }, dayOf);
  const [todayTotal = { day: today, activeMs: 0, visits: 0 }] = dayTotals(rows, {
    lastDay: today,
    days: 1,
  });
  return {
    today,
    todayActiveMs: todayTotal.activeMs,
    topSites: siteBars(rows, siteOf, POPUP_TOP_SITES),
    todayTotal,
  };
}

/** Today's total and top sites: one read of today's rollups, plus the open visits. */
export async function loadPopupToday(
  db: TracksphereDb,
  today: string,
  open: readonly OpenVisitFigure[] = [],
  dayOf?: DayOf,
): Promise<PopupToday> {
  return popupToday(today, await todayRollups(db, today), open, dayOf);
}

/** The trend's days before `today`, oldest first: read once, while today's figures change. */
export async function loadTrendBefore(db: TracksphereDb, today: string): Promise<DayTotal[]> {
  const yesterday = addDays(today, -1);
  const rows = await rollupsInRange(db, { from: trendStart(today), to: yesterday });
  return dayTotals(rows, { lastDay: yesterday, days: POPUP_TREND_DAYS - 1 });
}

/** The trend: the days before today read here, today's total taken from `today`. */
export async function loadPopupWeek(db: TracksphereDb, today: PopupToday): Promise<DayTotal[]> {
  return [...(await loadTrendBefore(db, today.today)), today.todayTotal];
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
