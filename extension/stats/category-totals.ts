/**
 * Figures by category, from the same rows the other figures come from (sites, or per-day
 * rollups with the open visits): labelled at read time, so they follow every change at once.
 */
import {
  addDays,
  type DailyRollup,
  type DayTotal,
  dayTotals,
  rollupsInRange,
  type TracksphereDb,
} from '../db/index.js';
import type { BarHostTime, SplitColumns } from '../db/split-lists.js';
import { allCategories, type CategorySettings, categoryOf } from './categories.js';
import { POPUP_TREND_DAYS, trendStart } from './popup-stats.js';

/** categoryOf once per host: a year's rollups name the same few hundred hosts again and again. */
function cachedCategoryOf(settings: CategorySettings): (host: string) => string {
  const known = new Map<string, string>();
  return (host) => {
    let category = known.get(host);
    if (category === undefined) {
      category = categoryOf(host, settings);
      known.set(host, category);
    }
    return category;
  };
}

export interface CategoryTotal {
  category: string;
  activeMs: number;
  visits: number;
}

/** One part of a day's bar: a category's active time that day. */
export interface CategorySegment {
  category: string;
  activeMs: number;
}

/**
 * Active time and visits per category over `rows` (site rows or rollups), busiest first (ties:
 * more visits, then the categories' fixed order); categories without time or visits left out.
 */
export function categoryTotals(
  rows: readonly { domain: string; activeMs: number; visits: number }[],
  settings: CategorySettings,
): CategoryTotal[] {
  const order = allCategories(settings);
  const categoryOfHost = cachedCategoryOf(settings);
  const totals = new Map<string, CategoryTotal>();
  for (const row of rows) {
    const category = categoryOfHost(row.domain);
    const total = totals.get(category) ?? { category, activeMs: 0, visits: 0 };
    total.activeMs += row.activeMs;
    total.visits += row.visits;
    totals.set(category, total);
  }
  return [...totals.values()]
    .filter((t) => t.activeMs > 0 || t.visits > 0)
    .sort(
      (a, b) =>
        b.activeMs - a.activeMs ||
        b.visits - a.visits ||
        order.indexOf(a.category) - order.indexOf(b.category),
    );
}

/**
 * A range's figures per bar and host for the chart's split (loadDaySplit): a window's kept
 * columns, if read, and rows (daily rollups: the rest of the range, the open visits).
 */
export interface DaySplit {
  kept: SplitColumns | null;
  rows: readonly BarHostTime[];
}

/**
 * Each day's active time by category, in the categories' fixed order (no empty segments).
 * `rows`: daily rollups, or a split (a bar's key for the days of a kept window: loadDaySplit),
 * whose hosts are labelled once each.
 */
export function categoryDays(
  rows: readonly BarHostTime[] | DaySplit,
  settings: CategorySettings,
): Record<string, CategorySegment[]> {
  const categoryOfHost = cachedCategoryOf(settings);
  const byDay = new Map<string, Map<string, number>>();
  const add = (key: string, category: string, activeMs: number) => {
    const day = byDay.get(key) ?? new Map<string, number>();
    day.set(category, (day.get(category) ?? 0) + activeMs);
    byDay.set(key, day);
  };
  const split = 'rows' in rows ? rows : { kept: null, rows };
  const kept = split.kept;
  if (kept !== null) {
    const categories = kept.domains.map(categoryOfHost);
    for (let i = 0; i < kept.bar.length; i++) {
      add(
        kept.bars[kept.bar[i] ?? 0] ?? '',
        categories[kept.host[i] ?? 0] ?? '',
        kept.activeMs[i] ?? 0,
      );
    }
  }
  for (const row of split.rows) add(row.day, categoryOfHost(row.domain), row.activeMs);
  const order = allCategories(settings);
  const days: Record<string, CategorySegment[]> = {};
  for (const [day, totals] of byDay)
    days[day] = order
      .map((category) => ({ category, activeMs: totals.get(category) ?? 0 }))
      .filter((s) => s.activeMs > 0);
  return days;
}

/**
 * The popup trend's days before `today` (as loadTrendBefore) and the rows they come from, so
 * the bars can be split by category without a second read.
 */
export async function loadTrendBeforeWithRows(
  db: TracksphereDb,
  today: string,
): Promise<{ days: DayTotal[]; rows: DailyRollup[] }> {
  const yesterday = addDays(today, -1);
  const rows = await rollupsInRange(db, { from: trendStart(today), to: yesterday });
  return { days: dayTotals(rows, { lastDay: yesterday, days: POPUP_TREND_DAYS - 1 }), rows };
}
