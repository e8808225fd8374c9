/**
 * A site's pages over a range, from its raw visits: what the privacy level of
 * each visit kept of its address (path and query at `full`, the path at
 * `path`, nothing at `domain`) and its title (`full` only).
 */
import {
  type PageRollup,
  pathOf,
  type StoredVisit,
  type TailPage,
  type TopPages,
} from '../db/index.js';

export interface PageRow {
  host: string;
  /** The address after the host: path, and query where the level kept it. */
  path: string;
  /** The latest title kept for the page; null when no visit kept one. */
  title: string | null;
  activeMs: number;
  visits: number;
}

export interface SitePages {
  /** By active time, then visits, then address: all of them, or the top ones (see total). */
  pages: PageRow[];
  /** How many pages the site has over the range: more than `pages` holds when only the top do. */
  total: number;
  /** Visits recorded at the `domain` level: no address, so no page. */
  withoutAddress: { activeMs: number; visits: number };
}

/** Groups the visits (oldest first, as the index reads them) by host and path. */
export function sitePages(visits: readonly StoredVisit[]): SitePages {
  const pages = new Map<string, PageRow>();
  const withoutAddress = { activeMs: 0, visits: 0 };
  for (const visit of visits) {
    const where = pathOf(visit.url);
    if (where === null) {
      withoutAddress.activeMs += visit.activeMs;
      withoutAddress.visits += 1;
      continue;
    }
    const key = `${where.host}${where.path}`;
    const row = pages.get(key) ?? { ...where, title: null, activeMs: 0, visits: 0 };
    row.activeMs += visit.activeMs;
    row.visits += 1;
    // Later visits come later: the page's latest title wins.
    if (visit.title !== null) row.title = visit.title;
    pages.set(key, row);
  }
  return { pages: [...pages.values()].sort(byTime), total: pages.size, withoutAddress };
}

/**
 * The same from the pages' rollups (a row per host and day, db/visit-rollups.ts): the sum of
 * each page's days, and the title of its latest visit that kept one.
 */
export function sitePagesOf(rows: readonly PageRollup[]): SitePages {
  const pages = new Map<string, SummedPage>();
  const withoutAddress = { activeMs: 0, visits: 0 };
  for (const row of rows) addPageRollup(pages, withoutAddress, row);
  const list = rowsOf(pages);
  return { pages: list.sort(byTime), total: list.length, withoutAddress };
}

type SummedPage = PageRow & { titleAt: number };

/** Adds a host-day's page rollup into `pages` and `withoutAddress` (the latest title kept). */
function addPageRollup(
  pages: Map<string, SummedPage>,
  withoutAddress: { activeMs: number; visits: number },
  row: PageRollup,
): void {
  withoutAddress.activeMs += row.withoutAddress.activeMs;
  withoutAddress.visits += row.withoutAddress.visits;
  for (const key in row.pages) {
    const cell = row.pages[key];
    if (cell === undefined) continue;
    const page = pages.get(key);
    if (page === undefined) {
      pages.set(key, { ...cell });
      continue;
    }
    page.activeMs += cell.activeMs;
    page.visits += cell.visits;
    if (cell.title !== null && (page.title === null || cell.titleAt >= page.titleAt)) {
      page.title = cell.title;
      page.titleAt = cell.titleAt;
    }
  }
}

function rowsOf(pages: Map<string, SummedPage>): PageRow[] {
  return [...pages.values()].map(
    ({ host, path, title, activeMs, visits }): PageRow => ({ host, path, title, activeMs, visits }),
  );
}

/**
 * The site's `limit` top pages from a window's top rows and the range's last day (tail-pages.ts):
 * a page outside each host's top rows and absent on the last day has no more time than any of
 * them, so the top `limit` of these are the range's.
 */
export function topSitePages(read: TopPages, limit: number): SitePages {
  const rowOf = (r: TailPage): SummedPage => ({
    host: r.host,
    path: r.path,
    title: r.title,
    titleAt: r.titleAt,
    activeMs: r.activeMs,
    visits: r.visits,
  });
  const pages = new Map<string, SummedPage>();
  for (const r of [...read.top, ...read.lastInWindow]) pages.set(r.host + r.path, rowOf(r));
  const inWindow = pages.size;
  const withoutAddress = { activeMs: 0, visits: 0 };
  for (const day of read.last) addPageRollup(pages, withoutAddress, day);
  for (const r of read.withoutAddress) {
    withoutAddress.activeMs += r.activeMs;
    withoutAddress.visits += r.visits;
  }
  const windowPages = read.counts.reduce((a, b) => a + b, 0) - read.withoutAddress.length;
  return {
    pages: rowsOf(pages).sort(byTime).slice(0, limit),
    // The window's pages and the last day's new ones (those not in the window).
    total: windowPages + (pages.size - inWindow),
    withoutAddress,
  };
}

function byTime(a: PageRow, b: PageRow): number {
  // The addresses only on a tie: a site's thousands of pages are sorted on every open.
  if (a.activeMs !== b.activeMs) return b.activeMs - a.activeMs;
  if (a.visits !== b.visits) return b.visits - a.visits;
  const ka = a.host + a.path;
  const kb = b.host + b.path;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Pages whose address or title contains `query`, case-insensitive. */
export function searchPages(pages: readonly PageRow[], query: string): PageRow[] {
  const needle = query.trim().toLowerCase();
  if (needle === '') return [...pages];
  return pages.filter(
    (p) =>
      (p.host + p.path).toLowerCase().includes(needle) ||
      (p.title ?? '').toLowerCase().includes(needle),
  );
}
