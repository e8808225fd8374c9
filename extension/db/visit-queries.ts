/**
 * Raw visits for the views that need more than the daily rollups (a site's
 * pages, the hours of the day): read through an index, so a view costs the
 * visits it shows, not the whole table. Raw visits only cover the retention
 * window; the rollups cover everything.
 */
import type { HeatRollup, PageRollup, StoredVisit, TracksphereDb } from './schema.js';
import { PAGE_SPANS } from './tail-pages.js';
import { tailWindowOf } from './tail-rollups.js';
import { readTopPages, type TopPages } from './top-pages.js';

/** Instants [fromMs, toMs): a visit belongs to the range its start is in, as in the rollups. */
export interface TimeRange {
  fromMs: number;
  toMs: number;
}

/** The visits of these hosts started in the range, from the [domain+startedMs] index, by start. */
export async function hostVisits(
  db: TracksphereDb,
  hosts: readonly string[],
  range: TimeRange,
): Promise<StoredVisit[]> {
  const perHost = await Promise.all(
    [...new Set(hosts)].map((host) =>
      db.visits
        .where('[domain+startedMs]')
        .between([host, range.fromMs], [host, range.toMs], true, false)
        .toArray(),
    ),
  );
  return perHost.flat().sort((a, b) => a.startedMs - b.startedMs);
}

/** Every visit started in the range, from the startedMs index, by start. */
export function visitsStartedIn(db: TracksphereDb, range: TimeRange): Promise<StoredVisit[]> {
  return db.visits.where('startedMs').between(range.fromMs, range.toMs, true, false).toArray();
}

/** The heatmap's rollups of the local days in [from, to], by day: a row a day. */
export function heatRollupsIn(
  db: TracksphereDb,
  range: { from: string; to: string },
): Promise<HeatRollup[]> {
  return db.heatRollups.where('day').between(range.from, range.to, true, true).toArray();
}

/** The pages' rollups of these hosts on the local days in [from, to]: a row per host and day. */
export async function pageRollupsIn(
  db: TracksphereDb,
  hosts: readonly string[],
  range: { from: string; to: string },
): Promise<PageRollup[]> {
  const perHost = await Promise.all(
    [...new Set(hosts)].map((host) =>
      db.pageRollups
        .where('[domain+day]')
        .between([host, range.from], [host, range.to], true, true)
        .toArray(),
    ),
  );
  return perHost.flat();
}

/**
 * A site's top pages over a range as long as a window (tail-pages.ts) that is in place for it:
 * null for any other range, or while the window waits for the range view to move it.
 */
export async function topPagesIn(
  db: TracksphereDb,
  hosts: readonly string[],
  range: { from: string; to: string },
  limit: number,
): Promise<TopPages | null> {
  const span = Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86_400_000) + 1;
  if (!PAGE_SPANS.includes(span)) return null;
  const window = tailWindowOf(span, range.to);
  return db.transaction('r', [db.tailWindows, db.tailPages, db.pageRollups], async () => {
    const current = await db.tailWindows.get(span);
    if (current?.from !== window.from || current.through !== window.through) return null;
    return readTopPages(db, span, [...new Set(hosts)], range.to, limit);
  });
}
