/**
 * The summaries of past ranges, kept so that a range seen before shows at once (with "as of"),
 * offline or while the server is slow, and is refreshed behind it. A past day changes only by an
 * erase or a late sync, so a cached one is worth showing; a day of the range still running is
 * shown as of its fetch, as today's summary always was.
 *
 * Bounded: storage.local holds 10 MB in Chrome (the extension does not ask for unlimited
 * storage) and a busy year is 171,000 rows, about 22 MB as objects. The cache keeps the most
 * recently fetched summaries while they hold at most SUMMARY_CACHE_MAX_ROWS rows together and
 * number SUMMARY_CACHE_MAX_ENTRIES, and drops any fetched over SUMMARY_CACHE_MAX_AGE_MS ago.
 */
import type { Summary } from '#protocol';
import type { SummaryRange } from '../messaging/protocol.js';

export interface CachedRangeSummary {
  summary: Summary;
  /** ms since the epoch, this browser's clock, when it was received. */
  fetchedAt: number;
}

/** About 2.5 MB of rows as JSON: a quarter of Chrome's storage.local, the settings' room kept. */
export const SUMMARY_CACHE_MAX_ROWS = 20_000;
/** The range picker's presets and a few custom ranges. */
export const SUMMARY_CACHE_MAX_ENTRIES = 12;
/** Older figures are more likely changed (erased, synced late) than worth showing. */
export const SUMMARY_CACHE_MAX_AGE_MS = 30 * 86_400_000;

function covers(summary: Summary, range: SummaryRange): boolean {
  return summary.tz === range.tz && summary.from <= range.from && summary.to >= range.to;
}

function fresh(entry: CachedRangeSummary, now: number): boolean {
  return now - entry.fetchedAt <= SUMMARY_CACHE_MAX_AGE_MS;
}

/** The summary narrowed to the range's days (its devices unchanged). */
export function narrowSummary(summary: Summary, range: SummaryRange): Summary {
  if (summary.from === range.from && summary.to === range.to) return summary;
  return {
    ...summary,
    from: range.from,
    to: range.to,
    rows: summary.rows.filter((row) => row.date >= range.from && row.date <= range.to),
  };
}

/**
 * The newest unexpired cached summary whose zone is the range's and whose days cover it,
 * narrowed to the range; null when none does.
 */
export function cachedSummaryFor(
  entries: readonly CachedRangeSummary[],
  range: SummaryRange,
  now: number,
): CachedRangeSummary | null {
  let best: CachedRangeSummary | null = null;
  for (const entry of entries) {
    if (!fresh(entry, now) || !covers(entry.summary, range)) continue;
    if (best === null || entry.fetchedAt > best.fetchedAt) best = entry;
  }
  return best === null ? null : { ...best, summary: narrowSummary(best.summary, range) };
}

/**
 * The cache with a newly received summary: those it covers (older) and the expired go, then the
 * newest first while the bounds hold. A summary over the row bound alone is not kept (the
 * older ones stay): a year of a busy person's browsers would crowd out every other range.
 */
export function withCachedSummary(
  entries: readonly CachedRangeSummary[],
  received: CachedRangeSummary,
  now: number,
): CachedRangeSummary[] {
  const live = entries.filter((entry) => fresh(entry, now));
  if (received.summary.rows.length > SUMMARY_CACHE_MAX_ROWS) return live;
  const rest = live.filter(
    (entry) => !(covers(received.summary, entry.summary) && entry.fetchedAt <= received.fetchedAt),
  );
  const newestFirst = [received, ...rest].sort((a, b) => b.fetchedAt - a.fetchedAt);
  const kept: CachedRangeSummary[] = [];
  let rows = 0;
  for (const entry of newestFirst) {
    if (kept.length === SUMMARY_CACHE_MAX_ENTRIES) break;
    const size = entry.summary.rows.length;
    if (rows + size > SUMMARY_CACHE_MAX_ROWS) continue;
    kept.push(entry);
    rows += size;
  }
  return kept;
}

/**
 * The cached summary of exactly the range (not a wider one narrowed) with a cursor: the one to
 * ask the server for what changed since (GET /api/v1/me/summary?since). Null when none is.
 */
export function sinceCandidate(
  entries: readonly CachedRangeSummary[],
  range: SummaryRange,
  now: number,
): CachedRangeSummary | null {
  let best: CachedRangeSummary | null = null;
  for (const entry of entries) {
    const s = entry.summary;
    if (!fresh(entry, now) || s.cursor === undefined) continue;
    if (s.from !== range.from || s.to !== range.to || s.tz !== range.tz) continue;
    if (best === null || entry.fetchedAt > best.fetchedAt) best = entry;
  }
  return best;
}

const rowKey = (r: Summary['rows'][number]) => `${r.date} ${r.domain} ${r.deviceId}`;

/**
 * The server's answer applied to the cached summary it was asked with: an incremental answer
 * (complete false) replaces the cached rows of each day and browser it lists with its own; the
 * rest, the devices, the watermarks and the cursor are the answer's, read in one snapshot with
 * those rows, so the result is what a full answer would have been. A complete answer stands as
 * it is; so does an incremental one for another range (it cannot be merged: null).
 */
export function mergeSummary(cached: Summary | null, answer: Summary): Summary | null {
  if (answer.complete !== false) return answer;
  if (cached === null || cached.from !== answer.from || cached.to !== answer.to) return null;
  if (cached.tz !== answer.tz) return null;
  const replaced = new Set((answer.changed ?? []).map((c) => `${c.date} ${c.deviceId}`));
  // Each row's key made once: a cached year has ~170,000 rows, and a comparator that builds
  // both keys on every comparison makes millions of strings.
  const rows = cached.rows
    .filter((r) => !replaced.has(`${r.date} ${r.deviceId}`))
    .concat(answer.rows)
    .map((r) => ({ key: rowKey(r), r }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ r }) => r);
  const { changed: _changed, ...rest } = answer;
  return { ...rest, complete: true, rows };
}
