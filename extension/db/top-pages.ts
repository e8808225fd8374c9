/**
 * A site's top pages over a range window (tail-pages.ts): each host's top rows through the
 * [span+domain+activeMs] index, its kept count of rows, and the range's last day from the page
 * rollups (the window holds all but that day).
 */
import { PAGE_COUNT, type PageCount } from './page-counts.js';
import { NO_ADDRESS, type TailPage, type TailPageTables } from './tail-pages.js';
import type { PageRollup } from './visit-rollups.js';

/** What a site's pages over a window's range read: its top pages and how many there are. */
export interface TopPages {
  /** The window's top rows per host (by active time), and the last day's page rollups. */
  top: TailPage[];
  last: PageRollup[];
  /** The window's rows of the last day's pages that are not among `top`. */
  lastInWindow: TailPage[];
  /** The window's rows per host, pages and the one without an address together. */
  counts: number[];
  withoutAddress: TailPage[];
}

/** Reads TopPages for `hosts`, inside the caller's transaction (tailPages, pageRollups). */
export async function readTopPages(
  db: TailPageTables,
  span: number,
  hosts: readonly string[],
  lastDay: string,
  limit: number,
): Promise<TopPages> {
  const perHost = await Promise.all(
    hosts.map((host) =>
      Promise.all([
        db.tailPages
          .where('[span+domain+activeMs]')
          .between([span, host, -Infinity], [span, host, Infinity], true, true)
          .reverse()
          .limit(limit + 1)
          .toArray(),
        // The kept count (tail-pages.ts's PageCount), not a count of the host's rows.
        (db.tailPages.get([span, host, PAGE_COUNT]) as Promise<PageCount | undefined>).then(
          (row) => row?.count ?? 0,
        ),
        db.tailPages.get([span, host, NO_ADDRESS]),
        db.pageRollups.get([host, lastDay]),
      ]),
    ),
  );
  const top = perHost.flatMap(([rows]) => rows.filter((r) => r.page !== NO_ADDRESS));
  const last = perHost.flatMap(([, , , day]) => (day === undefined ? [] : [day]));
  const seen = new Set(top.map((r) => `${r.domain}\u0000${r.page}`));
  const wanted = last.flatMap((day) =>
    Object.keys(day.pages)
      .filter((page) => !seen.has(`${day.domain}\u0000${page}`))
      .map((page): [number, string, string] => [span, day.domain, page]),
  );
  const lastInWindow = (await db.tailPages.bulkGet(wanted)).filter(
    (r): r is TailPage => r !== undefined,
  );
  return {
    top,
    last,
    lastInWindow,
    counts: perHost.map(([, count]) => count),
    withoutAddress: perHost.flatMap(([, , none]) => (none === undefined ? [] : [none])),
  };
}
