/**
 * Raw visits for the views that need more than the daily rollups (a site's
 * pages, the hours of the day): read through an index, so a view costs the
 * visits it shows, not the whole table. Raw visits only cover the retention
 * window; the rollups cover everything.
 */
import type { HeatRollup, PageRollup, StoredVisit, TracksphereDb } from './schema.js';
import { PAGE_SPANS, YEAR_PAGES } from './tail-pages.js';
import { moveTailWindow, type TailWindow, tailWindowOf, windowStep } from './tail-rollups.js';
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

/** The key of the window whose pages a range of `length` days reads (tail-pages.ts). */
function pageWindowOf(length: number): number {
  return length === 365 ? YEAR_PAGES : length;
}

/**
 * A site's top pages over a range as long as a window (tail-pages.ts) that is in place for it:
 * null for any other range, or while the window waits to be moved. The 30-day range view moves
 * its window; the year's pages (YEAR_PAGES) are moved from here, in the background, when the
 * latest 12 months are asked for and their window is elsewhere: the view reads every page of
 * the days meanwhile, as fast as it did without the window, and its next open reads the top.
 */
export async function topPagesIn(
  db: TracksphereDb,
  hosts: readonly string[],
  range: { from: string; to: string },
  limit: number,
): Promise<TopPages | null> {
  const length = Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86_400_000) + 1;
  const span = pageWindowOf(length);
  if (!PAGE_SPANS.includes(span)) return null;
  const window = tailWindowOf(length, range.to);
  const read = await db.transaction(
    'r',
    [db.tailWindows, db.tailPages, db.pageRollups],
    async () => {
      const current = await db.tailWindows.get(span);
      if (current?.from === window.from && current.through === window.through) {
        return readTopPages(db, span, [...new Set(hosts)], range.to, limit);
      }
      // An earlier range (the person paging back) leaves the window be, as does one whose window
      // is under way towards a later range (moveYearPages).
      return laterThan(current, window, Date.now()) ? 'earlier' : null;
    },
  );
  if (read === null && span === YEAR_PAGES) void moveYearPages(db, window).catch(() => undefined);
  return read === 'earlier' ? null : read;
}

/**
 * A window stepped within this long is taken for a move under way (another page's): a page whose
 * range it has passed leaves it to that move. One stepped longer ago was abandoned (its page
 * closed, or a clock set ahead and back) and is moved to the page's range.
 */
export const LIVE_MOVE_MS = 60_000;

/**
 * Whether window `w` is in place for a range later than `target`'s (the person paging back), or
 * being moved towards one by a move under way: a page moving it too would rebuild it from its own
 * first day after each of the other's steps, and the other from its, neither finishing.
 */
export function laterThan(
  w: TailWindow | undefined,
  target: { from: string; through: string },
  now: number,
): boolean {
  if (w === undefined) return false;
  if (w.through > target.through) return true;
  return w.from > target.from && Math.abs(now - (w.steppedAt ?? 0)) < LIVE_MOVE_MS;
}

/** The year's pages' moves under way, per database (one at a time: each step re-reads it). */
const yearMoves = new WeakMap<TracksphereDb, Promise<void>>();

/**
 * Moves the year's pages (YEAR_PAGES) to `window`, a step (tail-rollups.ts's windowStep: a day)
 * per read-write transaction, so a recording waits for one step; a move already under way for
 * `db` is answered instead of a second.
 */
export function moveYearPages(
  db: TracksphereDb,
  window: { from: string; through: string },
): Promise<void> {
  const running = yearMoves.get(db);
  if (running !== undefined) return running;
  const tables = [db.tailWindows, db.tailRollups, db.dailyRollups, db.tailPages, db.pageRollups];
  const move = (async () => {
    for (;;) {
      const done = await db.transaction('rw', tables, async () => {
        const current = await db.tailWindows.get(YEAR_PAGES);
        // Past this target, or under way towards a later one (another page's move): left to it.
        // Rebuilding it from this target's first day after each of the other's steps, and the
        // other from its, neither would finish.
        if (laterThan(current, window, Date.now())) return true;
        if (current?.from === window.from && current.through === window.through) return true;
        const next = windowStep(YEAR_PAGES, window, current);
        const { tailRollups, tailWindows, dailyRollups } = db;
        await moveTailWindow(
          { tailRollups, tailWindows, dailyRollups, pages: db },
          YEAR_PAGES,
          next,
          current,
        );
        return next.through === window.through;
      });
      if (done) return;
    }
  })().finally(() => yearMoves.delete(db));
  yearMoves.set(db, move);
  return move;
}

/** The move of the year's pages under way for `db`, if any (for tests and the bench). */
export function yearPagesMoving(db: TracksphereDb): Promise<void> | undefined {
  return yearMoves.get(db);
}
