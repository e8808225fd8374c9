/**
 * The options page's history: every site over the last 30 days and one total
 * per day, from the rollups; plus the table's search and sort, as pure
 * functions over what was loaded.
 */
import {
  addDays,
  type DayOf,
  type DayTotal,
  dayTotals,
  rollupsInRange,
  type TracksphereDb,
} from '../db/index.js';
import type { OpenVisitFigure } from '../messaging/protocol.js';
import { withOpenVisits } from './open-visits.js';
import { type SiteBar, type SiteOf, siteBars } from './site-shares.js';

export const HISTORY_DAYS = 30;

export interface HistoryStats {
  from: string;
  to: string;
  totalActiveMs: number;
  totalVisits: number;
  days: DayTotal[];
  sites: SiteBar[];
}

/** The last `days` days' figures; `open`: the visits still open, counted with the rest. */
export async function loadHistory(
  db: TracksphereDb,
  today: string,
  days: number = HISTORY_DAYS,
  open: readonly OpenVisitFigure[] | Promise<readonly OpenVisitFigure[]> = [],
  dayOf?: DayOf,
  /** Asks the background for the sites of these hosts (sitesOf). */
  sitesOf?: (hosts: string[]) => Promise<SiteOf>,
): Promise<HistoryStats> {
  const from = addDays(today, -(days - 1));
  // One read of the rollups serves the table and the chart (a year of heavy browsing puts
  // thousands of rows in 30 days; reading them twice doubled the page's wait).
  const recorded = await rollupsInRange(db, { from, to: today });
  const rows = withOpenVisits(recorded, await open, { from, to: today }, dayOf);
  const siteOf = await sitesOf?.([...new Set(rows.map((row) => row.domain))]);
  const sites = siteBars(rows, siteOf);
  const totals = dayTotals(rows, { lastDay: today, days });
  return {
    from,
    to: today,
    totalActiveMs: totals.reduce((sum, d) => sum + d.activeMs, 0),
    totalVisits: totals.reduce((sum, d) => sum + d.visits, 0),
    days: totals,
    sites,
  };
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
