/**
 * Limits that count all linked browsers: today's rows across them from the cached summary (as
 * the popup's "all my browsers" counts them), and asking the server for a new summary.
 */
import {
  cachedSummaryRanges,
  cachedSummaryRows,
  type DailyRollup,
  type DayOf,
  type TracksphereDb,
} from '../db/index.js';
import type { SummaryRange } from '../messaging/protocol.js';
import { syncConfigItem } from '../settings/storage-items.js';
import { allBrowsersDay, summaryMark, unacknowledgedRows } from '../stats/all-browsers.js';
import { cachedSummaryFor } from '../stats/summary-cache.js';
import { createLinkHandlers } from './link-sync.js';

export interface AcrossDeps {
  db: TracksphereDb;
  now: () => number;
  /** The local IANA time zone, the summary's days (default: the browser's). */
  timeZone?: string;
}

/**
 * How old the cached summary may be before a limit counting all browsers asks for a new one;
 * also the least time between two asks, so an unreachable server is not asked each minute.
 */
export const SUMMARY_REFRESH_MS = 2 * 60_000;

export const todayRange = (deps: AcrossDeps, today: string): SummaryRange => ({
  from: today,
  to: today,
  tz: deps.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
});

/**
 * Today's rows across the linked browsers, as the popup's "all my browsers" counts them: the
 * cached summary plus this browser's visits it lacks (null: no summary of today cached), and
 * whether a new summary is due.
 */
export async function acrossBrowsers(
  deps: AcrossDeps,
  today: string,
  dayOf: DayOf,
): Promise<{ rows: DailyRollup[] | null; due: boolean }> {
  const config = await syncConfigItem.getValue();
  // No credentials (forgotten, or a clearing that did not finish): no other browser counts.
  if (config.token === null) return { rows: null, due: false };
  const range = todayRange(deps, today);
  // The head and its rows in one transaction: a store meanwhile cannot drop or replace them.
  const read = await deps.db.transaction(
    'r',
    deps.db.summaryRanges,
    deps.db.summaryDays,
    async () => {
      // The newest summary covering today: today's (asked for below) or a page's longer range; a
      // newer one of another range (a past month viewed) does not hide it.
      const head = cachedSummaryFor(await cachedSummaryRanges(deps.db), range, deps.now());
      if (head === null) return null;
      return { head, rows: await cachedSummaryRows(deps.db, head.id, today, today) };
    },
  );
  const due = read === null || deps.now() - read.head.fetchedAt >= SUMMARY_REFRESH_MS;
  if (read === null) return { rows: null, due };
  const { head, rows } = read;
  const cached = {
    summary: { ...head.summary, from: today, to: today, rows },
    fetchedAt: head.fetchedAt,
  };
  const unacknowledged = await unacknowledgedRows(
    deps.db,
    today,
    summaryMark(cached, config.deviceId),
    dayOf,
  );
  const reply = { deviceId: config.deviceId, cached, error: null };
  return { rows: allBrowsersDay(reply, today, unacknowledged, [])?.rows ?? null, due };
}

/** Asks the server for the summary of `range` and caches it (link-sync.ts). */
export function askServer(deps: AcrossDeps): (range: SummaryRange) => Promise<unknown> {
  const links = createLinkHandlers({
    fetch: (url, init) => fetch(url, init),
    now: deps.now,
    db: deps.db,
  });
  return (range) => links.getAllBrowsersSummary({ ...range, refresh: true });
}
