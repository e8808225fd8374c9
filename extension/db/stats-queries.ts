/**
 * Popup and options statistics, read from the daily rollups only: a year of
 * browsing is a few thousand rollup rows, never a scan of raw visits.
 */
import { Dexie } from 'dexie';
import { addDays } from './day.js';
import type { DailyRollup, TracksphereDb } from './schema.js';

export interface DayRange {
  /** First day, inclusive, 'YYYY-MM-DD'. */
  from: string;
  /** Last day, inclusive. */
  to: string;
}

export interface SiteTotal {
  domain: string;
  activeMs: number;
  visits: number;
}

export interface DayTotal {
  day: string;
  activeMs: number;
  visits: number;
}

/** Every domain's rollup of every day in the range: one read of the [day+domain] index. */
export function rollupsInRange(db: TracksphereDb, range: DayRange): Promise<DailyRollup[]> {
  return db.dailyRollups
    .where('[day+domain]')
    .between([range.from, Dexie.minKey], [range.to, Dexie.maxKey], true, true)
    .toArray();
}

export async function activeMsOnDay(db: TracksphereDb, day: string): Promise<number> {
  const rows = await rollupsInRange(db, { from: day, to: day });
  return rows.reduce((sum, r) => sum + r.activeMs, 0);
}

/** Domains by active time over the rows (ties: more visits, then name). */
export function siteTotals(
  rows: readonly Pick<DailyRollup, 'domain' | 'activeMs' | 'visits'>[],
  limit = 10,
): SiteTotal[] {
  const byDomain = new Map<string, SiteTotal>();
  for (const r of rows) {
    const t = byDomain.get(r.domain) ?? { domain: r.domain, activeMs: 0, visits: 0 };
    t.activeMs += r.activeMs;
    t.visits += r.visits;
    byDomain.set(r.domain, t);
  }
  return [...byDomain.values()]
    .sort(
      (a, b) =>
        b.activeMs - a.activeMs ||
        b.visits - a.visits ||
        (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0),
    )
    .slice(0, limit);
}

/**
 * One total per day for the `days` days ending with `lastDay`, oldest first, zeros included;
 * rows of other days are ignored.
 */
export function dayTotals(
  rows: readonly Pick<DailyRollup, 'day' | 'activeMs' | 'visits'>[],
  opts: { lastDay: string; days: number },
): DayTotal[] {
  if (opts.days <= 0) return [];
  const from = addDays(opts.lastDay, -(opts.days - 1));
  const totals = new Map<string, DayTotal>();
  for (let i = 0; i < opts.days; i++) {
    const day = addDays(from, i);
    totals.set(day, { day, activeMs: 0, visits: 0 });
  }
  for (const r of rows) {
    const t = totals.get(r.day);
    if (t === undefined) continue;
    t.activeMs += r.activeMs;
    t.visits += r.visits;
  }
  return [...totals.values()];
}

/** Domains by active time over the range (ties: more visits, then name). */
export async function topSites(
  db: TracksphereDb,
  range: DayRange,
  limit = 10,
): Promise<SiteTotal[]> {
  return siteTotals(await rollupsInRange(db, range), limit);
}

/** One total per day for the `days` days ending with `lastDay`, oldest first, zeros included. */
export async function dailyTotals(
  db: TracksphereDb,
  opts: { lastDay: string; days: number },
): Promise<DayTotal[]> {
  if (opts.days <= 0) return [];
  const from = addDays(opts.lastDay, -(opts.days - 1));
  return dayTotals(await rollupsInRange(db, { from, to: opts.lastDay }), opts);
}
