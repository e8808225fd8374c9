/**
 * The summaries of past ranges, kept so that a range seen before shows at once (with "as of"),
 * offline or while the server is slow, and is refreshed behind it. A past day changes only by an
 * erase or a late sync, so a cached one is worth showing; a day of the range still running is
 * shown as of its fetch, as today's summary always was.
 *
 * Kept in the extension's database (db/summary-store.ts); these functions choose among the
 * cached summaries' heads, without their rows. Bounded: the newest summary is always kept (the
 * next view of its range asks only for what changed since), the others newest first while they
 * hold at most SUMMARY_CACHE_MAX_ROWS rows together and all number SUMMARY_CACHE_MAX_ENTRIES;
 * any fetched over SUMMARY_CACHE_MAX_AGE_MS ago goes.
 */
import type { Summary } from '#protocol';
import type { SummaryRange } from '../messaging/protocol.js';

export interface CachedRangeSummary {
  summary: Summary;
  /** ms since the epoch, this browser's clock, when it was received. */
  fetchedAt: number;
}

/** A cached summary as the choice among them sees it: its head and how many rows it has. */
export interface CachedRangeHead {
  summary: Omit<Summary, 'rows'>;
  fetchedAt: number;
  rowCount: number;
}

/**
 * Besides the newest: a busy year of three browsers (171,000 rows, 6 MB as stored) and the
 * shorter ranges, about 9 MB in the database together.
 */
export const SUMMARY_CACHE_MAX_ROWS = 250_000;
/** The range picker's presets and a few custom ranges. */
export const SUMMARY_CACHE_MAX_ENTRIES = 12;
/** Older figures are more likely changed (erased, synced late) than worth showing. */
export const SUMMARY_CACHE_MAX_AGE_MS = 30 * 86_400_000;

function covers(summary: SummaryRange, range: SummaryRange): boolean {
  return summary.tz === range.tz && summary.from <= range.from && summary.to >= range.to;
}

function fresh(entry: { fetchedAt: number }, now: number): boolean {
  return now - entry.fetchedAt <= SUMMARY_CACHE_MAX_AGE_MS;
}

const deviceSet = (s: Pick<Summary, 'devices'>): string =>
  s.devices
    .map((d) => d.id)
    .sort()
    .join(',');

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
 * The newest unexpired cached summary whose zone is the range's and whose days cover it (shown
 * narrowed to the range: narrowSummary); null when none does.
 */
export function cachedSummaryFor<E extends CachedRangeHead>(
  entries: readonly E[],
  range: SummaryRange,
  now: number,
): E | null {
  let best: E | null = null;
  for (const entry of entries) {
    if (!fresh(entry, now) || !covers(entry.summary, range)) continue;
    if (best === null || entry.fetchedAt > best.fetchedAt) best = entry;
  }
  return best;
}

/**
 * The cache with a newly received summary: those it covers (older) and the expired go; it stays
 * whatever its size, then the others newest first while the bounds hold. A summary over the row
 * bound alone goes once a newer one comes: a year of a busy person's many browsers would crowd
 * out every other range.
 */
export function withCachedSummary<E extends CachedRangeHead>(
  entries: readonly E[],
  received: E,
  now: number,
): E[] {
  const rest = entries
    .filter(
      (entry) =>
        fresh(entry, now) &&
        entry !== received &&
        deviceSet(entry.summary) === deviceSet(received.summary) &&
        !(covers(received.summary, entry.summary) && entry.fetchedAt <= received.fetchedAt),
    )
    .sort((a, b) => b.fetchedAt - a.fetchedAt);
  const kept: E[] = [received];
  let rows = 0;
  for (const entry of rest) {
    if (kept.length === SUMMARY_CACHE_MAX_ENTRIES) break;
    if (rows + entry.rowCount > SUMMARY_CACHE_MAX_ROWS) continue;
    kept.push(entry);
    rows += entry.rowCount;
  }
  return kept;
}

const DAY_MS = 86_400_000;

/** The days two ranges have in common (0: none). */
function overlapDays(a: { from: string; to: string }, b: { from: string; to: string }): number {
  const from = Math.max(Date.parse(a.from), Date.parse(b.from));
  const to = Math.min(Date.parse(a.to), Date.parse(b.to));
  return to < from ? 0 : Math.round((to - from) / DAY_MS) + 1;
}

/**
 * Whether a summary merged from a cached one replaces it: when its range has as many days or
 * more (today's 12 months for yesterday's, whose one other day no range asks for again); a
 * narrower one (a week read from a cached month) leaves it.
 */
export function supersedes(merged: SummaryRange, base: SummaryRange): boolean {
  const days = (r: SummaryRange) => Math.round((Date.parse(r.to) - Date.parse(r.from)) / DAY_MS);
  return merged.tz === base.tz && days(merged) >= days(base);
}

/**
 * The cached summary with a cursor to ask the server for what changed since
 * (GET /api/v1/me/summary?since): of the range's zone and the linked browsers of the newest
 * one, the summary of exactly the range, else the one whose days overlap it most (the server
 * then sends the range's other days whole), the newest of equals. Null when none overlaps.
 */
export function sinceCandidate<E extends CachedRangeHead>(
  entries: readonly E[],
  range: SummaryRange,
  now: number,
): E | null {
  const usable = entries.filter(
    (e) => fresh(e, now) && e.summary.cursor !== undefined && e.summary.tz === range.tz,
  );
  const newest = usable.reduce<E | null>(
    (a, e) => (a === null || e.fetchedAt > a.fetchedAt ? e : a),
    null,
  );
  if (newest === null) return null;
  const devices = deviceSet(newest.summary);
  let best: E | null = null;
  let bestScore = 0;
  for (const entry of usable) {
    const s = entry.summary;
    if (deviceSet(s) !== devices) continue;
    const exact = s.from === range.from && s.to === range.to;
    // An exact range first, whatever its size; then the most days in common.
    const score = exact ? Number.MAX_SAFE_INTEGER : overlapDays(s, range);
    if (score === 0) continue;
    if (score > bestScore || (score === bestScore && entry.fetchedAt > (best?.fetchedAt ?? 0))) {
      best = entry;
      bestScore = score;
    }
  }
  return best;
}

const rowKey = (r: Summary['rows'][number]) => `${r.date} ${r.domain} ${r.deviceId}`;

/**
 * The server's answer applied to the cached summary it was asked with: an incremental answer
 * (complete false) keeps the cached rows of its range's days, less those of each day and
 * browser it lists (the days the cached range did not have among them), and adds its own; the
 * range, the devices, the watermarks and the cursor are the answer's, read in one snapshot with
 * those rows, so the result is what a full answer would have been. A complete answer stands as
 * it is; an incremental one the cached summary cannot take (null: none, another zone or set of
 * browsers, no day in common) is not merged.
 */
export function mergeSummary(cached: Summary | null, answer: Summary): Summary | null {
  if (answer.complete !== false) return answer;
  if (cached === null || cached.tz !== answer.tz) return null;
  if (deviceSet(cached) !== deviceSet(answer) || overlapDays(cached, answer) === 0) return null;
  const replaced = new Set((answer.changed ?? []).map((c) => `${c.date} ${c.deviceId}`));
  const { from, to } = answer;
  // Each row's key made once: a cached year has ~170,000 rows, and a comparator that builds
  // both keys on every comparison makes millions of strings.
  const rows = cached.rows
    .filter((r) => r.date >= from && r.date <= to && !replaced.has(`${r.date} ${r.deviceId}`))
    .concat(answer.rows)
    .map((r) => ({ key: rowKey(r), r }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ r }) => r);
  const { changed: _changed, ...rest } = answer;
  return { ...rest, complete: true, rows };
}
