/**
 * The options page's history: every site over the last 30 days and one total
 * per day, from the rollups; plus the table's search and sort, as pure
 * functions over what was loaded.
 */
import { addDays, type DayOf, type TracksphereDb } from '../db/index.js';
import { keptOrDailyRollups } from '../db/range-rollups.js';
import type { OpenVisitFigure } from '../messaging/protocol.js';
import { type HistoryStats, loadRangeHistory } from './range-history.js';
import type { SiteBar, SiteOf } from './site-shares.js';

export type { HistoryStats } from './range-history.js';

export const HISTORY_DAYS = 30;

/**
 * The last `days` days' figures; `open`: the visits still open, counted with the rest. The
 * page's first view reads its 30 days from the 30-day window's kept list of hosts and days and
 * today's daily rollups when the window is in place (range-history.ts, as the range picker's 30
 * days), where it read every daily rollup of the 30 days (~4,200 rows for the bench's year);
 * otherwise every daily rollup, as before: it does not wait for the window's move, which on a
 * history older than the windows first builds the month sums (keptOrDailyRollups). The figures
 * are the same either way.
 */
export function loadHistory(
  db: TracksphereDb,
  today: string,
  days: number = HISTORY_DAYS,
  open: readonly OpenVisitFigure[] | Promise<readonly OpenVisitFigure[]> = [],
  dayOf?: DayOf,
  /** Asks the background for the sites of these hosts (sitesOf). */
  sitesOf?: (hosts: string[]) => Promise<SiteOf>,
): Promise<HistoryStats> {
  return loadRangeHistory(
    db,
    { from: addDays(today, -(days - 1)), to: today },
    open,
    dayOf,
    sitesOf,
    keptOrDailyRollups,
  );
}

export type SiteSort = 'time' | 'visits';

/**
 * Sites whose name, or one of whose hosts, contains `query` (case-insensitive), by time or by
 * visits, descending; ties by the other figure, then by name, so the order
 * never depends on load order.
 */
export function filterAndSortSites(
  sites: readonly SiteBar[],
  query: string,
  sort: SiteSort,
): SiteBar[] {
  const needle = query.trim().toLowerCase();
  const matching =
    needle === ''
      ? [...sites]
      : sites.filter(
          (s) => s.domain.includes(needle) || s.hosts.some((h) => h.domain.includes(needle)),
        );
  const [first, second] =
    sort === 'time' ? (['activeMs', 'visits'] as const) : (['visits', 'activeMs'] as const);
  return matching.sort(
    (a, b) =>
      b[first] - a[first] ||
      b[second] - a[second] ||
      (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0),
  );
}
