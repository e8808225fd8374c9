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
import { createLinkHandlers, summaryCovers } from './link-sync.js';

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
  const [entries, config] = await Promise.all([
    cachedSummaryRanges(deps.db),
    syncConfigItem.getValue(),
  ]);
  // The last summary received, whatever its range (today's, asked for below, or a page's).
  const last = entries.reduce<(typeof entries)[number] | null>(
    (a, e) => (a === null || e.fetchedAt > a.fetchedAt ? e : a),
    null,
  );
  const range = todayRange(deps, today);
  const head = last !== null && summaryCovers(last, range) ? last : null;
  const due =
    config.token !== null && (head === null || deps.now() - head.fetchedAt >= SUMMARY_REFRESH_MS);
  if (head === null) return { rows: null, due };
  // Today's rows alone: a cached year is 365 days of them.
  const rows = await cachedSummaryRows(deps.db, head.id, today, today);
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
